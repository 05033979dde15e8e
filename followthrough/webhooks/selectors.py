"""Reads of the webhooks app: the subscriptions and each one's delivery log, newest first."""

from __future__ import annotations

from followthrough.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from followthrough.webhooks.models import WebhookDelivery, WebhookSubscription


def webhook_subscription_page(
    *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[WebhookSubscription]:
    return keyset_page(
        WebhookSubscription.objects.all(),
        field="created_at",
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def webhook_delivery_page(
    *, subscription: WebhookSubscription, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[WebhookDelivery]:
    return keyset_page(
        WebhookDelivery.objects.filter(subscription=subscription),
        field="created_at",
        cursor=cursor,
        limit=limit,
        descending=True,
    )
