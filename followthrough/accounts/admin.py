from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from followthrough.accounts.models import Membership, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "direct_line", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Followthrough", {"fields": ("role", "direct_line", "time_zone")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "lead", "direct_line"]
    list_filter = ["tier"]
    search_fields = ["name"]
    autocomplete_fields = ["lead"]
    inlines = [MembershipInline]
