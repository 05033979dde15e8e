"""Top-level URL map. Each app adds its own pages as it grows."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Followthrough administration"
admin.site.site_title = "Followthrough"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
