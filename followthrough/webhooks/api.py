"""The webhooks part of the REST API (/api/v1/): subscriptions, their delivery log, replay.

Everything here needs webhook.manage (administrators); a subscription or delivery asked for
without it is "not found", like a missing one.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from followthrough.accounts.decorators import signed_in_user
from followthrough.core.pagination import Page
from followthrough.core.schemas import Problem
from followthrough.webhooks.access import (
    access_webhook_delivery,
    access_webhook_subscription,
    require_webhook_manager,
)
from followthrough.webhooks.models import WebhookDelivery, WebhookSubscription
from followthrough.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    PageQuery,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPage,
)
from followthrough.webhooks.selectors import webhook_delivery_page, webhook_subscription_page
from followthrough.webhooks.services import (
    webhook_delivery_replay,
    webhook_subscription_create,
    webhook_subscription_delete,
)

router = Router(tags=["webhooks"])


@router.post(
    "/webhooks", response={201: WebhookCreatedOut, 403: Problem, 422: Problem}, summary="Subscribe"
)
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[WebhookCreatedOut]:
    actor = signed_in_user(request)
    require_webhook_manager(actor)
    subscription, secret = webhook_subscription_create(
        actor=actor,
        name=payload.name,
        target_url=payload.target_url,
        event_types=payload.event_types,
    )
    shown = WebhookOut.model_validate(subscription).model_dump()
    return Status(201, WebhookCreatedOut(**shown, secret=secret))


@router.get("/webhooks", response={200: WebhookPage, 403: Problem, 422: Problem})
def list_webhooks(request: HttpRequest, query: Query[PageQuery]) -> Page[WebhookSubscription]:
    require_webhook_manager(signed_in_user(request))
    return webhook_subscription_page(cursor=query.cursor, limit=query.limit)


@router.get("/webhooks/{subscription_id}", response={200: WebhookOut, 404: Problem})
def get_webhook(request: HttpRequest, subscription_id: int) -> WebhookSubscription:
    return access_webhook_subscription(signed_in_user(request), subscription_id)


@router.delete("/webhooks/{subscription_id}", response={204: None, 404: Problem})
def delete_webhook(request: HttpRequest, subscription_id: int) -> Status[None]:
    actor = signed_in_user(request)
    subscription = access_webhook_subscription(actor, subscription_id)
    webhook_subscription_delete(actor=actor, subscription=subscription)
    return Status(204, None)


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response={200: DeliveryPage, 404: Problem, 422: Problem},
    summary="The delivery log, newest first",
)
def list_deliveries(
    request: HttpRequest, subscription_id: int, query: Query[PageQuery]
) -> Page[WebhookDelivery]:
    subscription = access_webhook_subscription(signed_in_user(request), subscription_id)
    return webhook_delivery_page(subscription=subscription, cursor=query.cursor, limit=query.limit)


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    response={200: DeliveryOut, 404: Problem},
    summary="Send a delivery again",
)
def replay_delivery(request: HttpRequest, delivery_id: int) -> WebhookDelivery:
    actor = signed_in_user(request)
    delivery = access_webhook_delivery(actor, delivery_id)
    return webhook_delivery_replay(actor=actor, delivery=delivery)
