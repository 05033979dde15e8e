"""Django admin for the vendor directory, for looking only.

A vendor is changed on its directory pages (or through the API), whose services clean the
phone number and support link and keep the vendor's search document in step; an admin edit
form would bypass both, so vendors are view-only here. Imported by KnowledgeConfig.ready().
"""

from django.contrib import admin
from django.http import HttpRequest

from followthrough.knowledge.models import Product, Vendor


class VendorProductInline(admin.TabularInline):
    model = Product
    fields = ("name",)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "support_phone", "hours", "time_zone", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "products__name")
    inlines = [VendorProductInline]
    # Shown as text: no form field is built for them (this admin changes nothing).
    readonly_fields = (
        "name",
        "support_phone",
        "support_url",
        "support_email",
        "hours",
        "time_zone",
        "notes",
        "is_active",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
