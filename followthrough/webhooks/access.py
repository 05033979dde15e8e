"""Who may see webhooks: administrators with webhook.manage. Missing and forbidden look alike."""

from __future__ import annotations

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import NotFound
from followthrough.webhooks.models import WebhookDelivery, WebhookSubscription


def require_webhook_manager(actor: User) -> None:
    """For the collection (list, create): a plain 403 names the missing capability."""
    require_capability(actor, Capability.WEBHOOK_MANAGE)


def access_webhook_subscription(actor: User, subscription_id: int) -> WebhookSubscription:
    if not actor.has_capability(Capability.WEBHOOK_MANAGE):
        raise NotFound("Webhook")
    try:
        return WebhookSubscription.objects.get(pk=subscription_id)
    except (WebhookSubscription.DoesNotExist, ValueError, TypeError):
        raise NotFound("Webhook") from None


def access_webhook_delivery(actor: User, delivery_id: int) -> WebhookDelivery:
    if not actor.has_capability(Capability.WEBHOOK_MANAGE):
        raise NotFound("Webhook delivery")
    try:
        return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise NotFound("Webhook delivery") from None
