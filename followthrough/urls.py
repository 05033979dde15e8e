"""Top-level URL map: the admin, the REST API, sign-in, the agent workspace and its mail."""

from django.contrib import admin
from django.urls import include, path

from followthrough.api import api

admin.site.site_header = "Followthrough administration"
admin.site.site_title = "Followthrough"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("followthrough.accounts.urls")),
    path("", include("followthrough.knowledge.urls")),
    path("", include("followthrough.cases.urls")),
    path("", include("followthrough.intake.urls")),
]
