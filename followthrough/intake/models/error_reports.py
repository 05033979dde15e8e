"""In-product error reports: which team handles each product, and every report as received.

A report is stored before it is processed (DESIGN.md §2, invariant 9); one that cannot be
processed keeps its reason and no case, where agents can see it and retry it.
"""

from __future__ import annotations

import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from followthrough.accounts.models import ApiToken, Team
from followthrough.cases.models import Case, Interaction
from followthrough.cases.states import Priority
from followthrough.intake.attachments import ALLOWED_TYPES

DEFAULT_FIRST_RESPONSE_MINUTES = 240


class ProductRoute(models.Model):
    """The team whose queue a product's error reports land in, and how urgent they are."""

    product = models.CharField(
        max_length=100,
        unique=True,
        help_text="Exactly as the product names itself in its reports (and its token).",
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="product_routes")
    default_priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    first_response_minutes = models.PositiveIntegerField(
        default=DEFAULT_FIRST_RESPONSE_MINUTES,
        validators=[MinValueValidator(1)],
        help_text="When the first next step ('Triage the error report') falls due.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_priority__in=Priority.values),
                name="product_route_priority_valid",
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gte=1),
                name="product_route_first_response_positive",
            ),
            models.CheckConstraint(condition=~Q(product=""), name="product_route_has_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product} → {self.team}"


class ErrorReport(models.Model):
    """One report as the product sent it. `case` is null while it is quarantined."""

    token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product = models.CharField(max_length=100)
    version = models.CharField(max_length=100)
    installation_id = models.CharField(max_length=200)
    error_code = models.CharField(max_length=100)
    message = models.TextField(blank=True)
    diagnostics = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField()
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="error_reports"
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # True when the report was added to a case an earlier report opened.
    appended = models.BooleanField(default=False)
    # Why the report opened no case (an IntakeError code and words for people).
    quarantine_code = models.CharField(max_length=40, blank=True)
    quarantine_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # "Is a case this installation opened for this error still open?"
            models.Index(
                fields=["product", "installation_id", "error_code", "id"],
                name="error_report_repeat",
            ),
            models.Index(
                fields=["received_at", "id"],
                condition=Q(case__isnull=True),
                name="error_report_quarantined",
            ),
        ]

    def __str__(self) -> str:
        return f"Error report {self.pk}: {self.product} {self.version} {self.error_code}"

    @property
    def is_quarantined(self) -> bool:
        return self.case_id is None


def error_report_attachment_path(instance: ErrorReportAttachment, filename: str) -> str:
    """A random name under the month the report arrived; the client's name plays no part."""
    at = instance.report.received_at
    extension = ALLOWED_TYPES.get(instance.content_type, "")
    return f"error-reports/{at:%Y}/{at:%m}/{secrets.token_hex(16)}{extension}"


class ErrorReportAttachment(models.Model):
    report = models.ForeignKey(ErrorReport, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=error_report_attachment_path, max_length=200)
    # The client's name, cleaned, for people to read; never a path.
    original_name = models.CharField(max_length=200)
    # As sniffed from the bytes, never as the client claimed.
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=list(ALLOWED_TYPES)),
                name="error_report_attachment_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.content_type}) on report {self.report_id}"
