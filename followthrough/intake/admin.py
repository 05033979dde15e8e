"""Django admin for intake: product routes are set up here; error reports are for looking.

Reports are the raw record of what a product sent, so they are view-only; a quarantined one
can be retried (through the service) once its product has a route.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from followthrough.accounts.models import User
from followthrough.core.errors import ServiceError
from followthrough.intake.models import ErrorReport, ErrorReportAttachment, ProductRoute
from followthrough.intake.services import error_report_retry


@admin.register(ProductRoute)
class ProductRouteAdmin(admin.ModelAdmin):
    list_display = ["product", "team", "default_priority", "first_response_minutes"]
    list_filter = ["team", "default_priority"]
    search_fields = ["product", "team__name"]
    list_select_related = ["team"]


class AttachmentInline(admin.TabularInline):
    model = ErrorReportAttachment
    extra = 0
    can_delete = False
    fields = ["original_name", "content_type", "size", "sha256", "file"]
    readonly_fields = ["original_name", "content_type", "size", "sha256", "file"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class QuarantinedFilter(admin.SimpleListFilter):
    title = "quarantine"
    parameter_name = "quarantined"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Quarantined (no case)"), ("no", "On a case")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ErrorReport]
    ) -> QuerySet[ErrorReport]:
        if self.value() == "yes":
            return queryset.filter(case__isnull=True)
        if self.value() == "no":
            return queryset.filter(case__isnull=False)
        return queryset


@admin.register(ErrorReport)
class ErrorReportAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "received_at",
        "product",
        "version",
        "installation_id",
        "error_code",
        "case",
        "appended",
        "quarantine_code",
    ]
    list_filter = [QuarantinedFilter, "product", "quarantine_code"]
    search_fields = ["installation_id", "error_code", "product"]
    list_select_related = ["case"]
    raw_id_fields = ["token", "case", "interaction"]
    inlines = [AttachmentInline]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Retry quarantined reports (after routing their product)")
    def retry(self, request: HttpRequest, queryset: QuerySet[ErrorReport]) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101 - the admin needs a signed-in user
        done = 0
        for report in queryset.filter(case__isnull=True).order_by("id"):
            try:
                error_report_retry(actor=actor, report=report)
            except ServiceError as exc:
                self.message_user(request, f"Report {report.pk}: {exc.message}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, f"{done} report(s) now on a case.", messages.INFO)
