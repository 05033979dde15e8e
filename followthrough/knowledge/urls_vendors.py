"""The vendor directory's pages, under /kb/vendors/."""

from django.urls import path

from followthrough.knowledge.views import vendors

urlpatterns = [
    path("", vendors.vendor_list, name="vendor_list"),
    path("new/", vendors.vendor_new, name="vendor_create"),
    path("<int:vendor_id>/", vendors.vendor_detail, name="vendor_detail"),
    path("<int:vendor_id>/edit/", vendors.vendor_edit, name="vendor_edit"),
    path("<int:vendor_id>/active/", vendors.vendor_active, name="vendor_set_active"),
    path("<int:vendor_id>/products/", vendors.vendor_product_add, name="vendor_add_product"),
    path(
        "<int:vendor_id>/products/<int:product_id>/remove/",
        vendors.vendor_product_remove,
        name="vendor_remove_product",
    ),
]
