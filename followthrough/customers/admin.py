from django.contrib import admin

from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    Site,
)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0
    readonly_fields = ["raw", "number", "kind"]
    fields = ["raw", "number", "kind"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # New numbers go through contact_add_phone so they are normalised to E.164.
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "plan_tier", "account_manager"]
    list_filter = ["plan_tier"]
    search_fields = ["name"]
    autocomplete_fields = ["account_manager"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "time_zone", "is_active"]
    search_fields = ["name", "emails__address", "phones__number"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization", "user"]
    inlines = [ContactEmailInline, ContactPhoneInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "city", "region", "time_zone"]
    search_fields = ["name", "city", "region"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["product", "serial_number", "organization", "site", "warranty_end"]
    search_fields = ["serial_number", "product"]
    list_select_related = ["organization", "site"]
    autocomplete_fields = ["organization", "site"]
