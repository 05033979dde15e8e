"""Webhook subscriptions and their delivery log.

A subscription names a target URL and the events it wants; every event it wants becomes one
delivery, sent by a background task with retries, and kept as the log admins read and replay.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from followthrough.accounts.models import User
from followthrough.core.models import TimestampedModel


class WebhookEvent(models.TextChoices):
    CASE_OPENED = "case.opened", "Case opened"
    CASE_ASSIGNED = "case.assigned", "Case assigned or claimed"
    CASE_HANDED_OFF = "case.handed_off", "Case handed off"
    CASE_HANDOFF_ACCEPTED = "case.handoff_accepted", "Handoff accepted"
    CASE_STATUS_CHANGED = "case.status_changed", "Case status changed (other than resolved)"
    CASE_RESOLVED = "case.resolved", "Case resolved"
    PROMISE_ADDED = "promise.added", "Promise made"
    PROMISE_KEPT = "promise.kept", "Promise kept"
    PROMISE_BROKEN = "promise.broken", "Promise broken"
    PROMISE_CANCELLED = "promise.cancelled", "Promise cancelled"
    PROMISE_DUE = "promise.due", "Promise fell due and is not kept yet"
    CASE_MERGED = "case.merged", "Case merged into another"
    CASE_SLA_WARNING = "case.sla_warning", "A deadline of a case is close"
    CASE_SLA_BREACHED = "case.sla_breached", "A deadline of a case was missed"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    # The last attempt failed; another is scheduled at next_attempt_at.
    FAILED = "failed", "Failed, retry scheduled"
    GAVE_UP = "gave_up", "Gave up after the last retry"


MAX_URL = 2000
MAX_ERROR = 500
MAX_EXCERPT = 1000


class WebhookSubscription(TimestampedModel):
    """Where to send which events. The secret signs every delivery; it is shown once, when
    the subscription is made, and never again (not in the admin, not in the API)."""

    name = models.CharField(max_length=100)
    target_url = models.CharField(max_length=MAX_URL)
    secret = models.CharField(max_length=64)
    event_types = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(secret=""), name="webhook_has_secret")]
        indexes = [models.Index(fields=["created_at", "id"], name="webhook_created")]

    def __str__(self) -> str:
        return f"{self.name} → {self.target_url}"

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event for one subscription: sent once, retried on failure, replayable."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # The event's own id (e.g. "case-event-42"): one delivery per event and subscription.
    event_id = models.CharField(max_length=100)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=MAX_ERROR, blank=True)
    response_excerpt = models.CharField(max_length=MAX_EXCERPT, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
        ]
        # The delivery log of one subscription is a range scan, newest first.
        indexes = [
            models.Index(fields=["subscription", "created_at", "id"], name="webhook_delivery_log")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → subscription {self.subscription_id}"
