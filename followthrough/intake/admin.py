"""Django admin for intake: product routes and mailboxes are set up here; error reports and
mail in and out are for looking.

Reports are the raw record of what a product sent, so they are view-only; a quarantined one
can be retried (through the service) once its product has a route. Received and sent mail is
view-only too: agents work the mail quarantine from the mail pages (/mail/).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from followthrough.accounts.models import User
from followthrough.core.errors import ServiceError
from followthrough.intake.models import (
    ErrorReport,
    ErrorReportAttachment,
    InboundAttachment,
    InboundMessage,
    Mailbox,
    OutboundMessage,
    ProductRoute,
)
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


# --- The email channel ---


class MailboxForm(forms.ModelForm):
    """The IMAP password is never sent back to the browser: left blank, the stored one stays."""

    imap_password = forms.CharField(
        label="IMAP password",
        required=False,
        strip=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored password.",
    )
    forget_password = forms.BooleanField(
        label="Forget the stored password", required=False, help_text="Blank it on save."
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "team",
            "default_priority",
            "first_response_minutes",
            "send_acknowledgement",
            "is_active",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_password",
            "imap_folder",
            "after_fetch",
            "move_to_folder",
        ]

    def clean_address(self) -> str:
        return str(self.cleaned_data["address"]).strip().lower()

    def clean_imap_password(self) -> str:
        typed = str(self.cleaned_data.get("imap_password") or "")
        if not typed and self.instance.pk is not None:
            return self.instance.imap_password
        return typed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("forget_password"):
            cleaned["imap_password"] = ""
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "address",
        "name",
        "team",
        "imap_host",
        "last_polled_at",
        "short_poll_error",
        "is_active",
    ]
    list_filter = ["is_active", "team"]
    search_fields = ["address", "name", "imap_host"]
    list_select_related = ["team"]
    readonly_fields = ["last_polled_at", "last_poll_error", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "address",
                    "team",
                    "default_priority",
                    "first_response_minutes",
                    "send_acknowledgement",
                    "is_active",
                ]
            },
        ),
        (
            "Polling (IMAP)",
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_username",
                    "imap_password",
                    "forget_password",
                    "imap_folder",
                    "after_fetch",
                    "move_to_folder",
                ]
            },
        ),
        (
            "Last poll",
            {"fields": ["last_polled_at", "last_poll_error", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description="Last error")
    def short_poll_error(self, obj: Mailbox) -> str:
        error = obj.last_poll_error
        return error if len(error) <= 80 else error[:79] + "…"


class _ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: looked at, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    extra = 0
    can_delete = False
    fields = ["name", "content_type", "declared_type", "size", "download_only", "inline", "sha256"]
    readonly_fields = [
        "name",
        "content_type",
        "declared_type",
        "size",
        "download_only",
        "inline",
        "sha256",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnlyAdmin):
    list_display = [
        "id",
        "received_at",
        "mailbox",
        "from_address",
        "subject",
        "state",
        "reason_code",
        "case",
    ]
    list_filter = ["state", "reason_code", "source", "mailbox"]
    search_fields = ["from_address", "subject", "message_id"]
    list_select_related = ["mailbox", "case"]
    raw_id_fields = ["case", "interaction", "duplicate_of", "handled_by"]
    inlines = [InboundAttachmentInline]
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(_ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "state", "subject", "attempts", "sent_at", "case"]
    list_filter = ["state", "kind"]
    search_fields = ["subject", "message_id", "rate_key"]
    list_select_related = ["case"]
    raw_id_fields = ["mailbox", "case", "note", "user"]
    date_hierarchy = "created_at"
    show_full_result_count = False
