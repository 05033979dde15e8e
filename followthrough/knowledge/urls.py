"""The knowledge base's pages: articles and their tables under /kb/, the vendor directory."""

from django.urls import include, path

urlpatterns = [
    path("kb/vendors/", include("followthrough.knowledge.urls_vendors")),
    path("kb/", include("followthrough.knowledge.urls_articles")),
]
