"""Every write on webhooks: subscriptions, emitting an event, sending and replaying deliveries.

Emitting runs inside the caller's transaction: the deliveries commit with the change they
report, and their tasks are enqueued only after that commit. Sending happens in a task, outside
any transaction, because a receiver may take seconds to answer.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Invalid, ServiceError
from followthrough.webhooks import transport
from followthrough.webhooks.errors import WebhookError
from followthrough.webhooks.models import (
    MAX_ERROR,
    MAX_EXCERPT,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from followthrough.webhooks.signing import new_secret, signature
from followthrough.webhooks.targets import TargetRefused, check_target

# The wait before each retry; after the attempt that follows the last wait, the delivery
# gives up. So a delivery is tried at most len(RETRY_DELAYS) + 1 times.
RETRY_DELAYS: tuple[dt.timedelta, ...] = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_NAME = 100

_RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)

Payload = Mapping[str, Any]


def _allowed_hosts() -> list[str]:
    # Read at call time, so an administrator's change (and a test's) applies at once.
    return list(settings.FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS)


def _clean_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(e) for e in event_types))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise Invalid(f"Unknown event types: {', '.join(sorted(unknown))}.", field="event_types")
    if not chosen:
        raise Invalid("Choose at least one event type.", field="event_types")
    return chosen


def webhook_target_check(target_url: str) -> str:
    """The URL, trimmed, if webhooks may call it; else the refusal that says why."""
    url = (target_url or "").strip()
    try:
        check_target(url, allowed_hosts=_allowed_hosts())
    except TargetRefused as exc:
        raise ServiceError(WebhookError.TARGET_REFUSED, str(exc), field="target_url") from None
    return url


def webhook_subscription_create(
    *, actor: User, name: str, target_url: str, event_types: Iterable[str]
) -> tuple[WebhookSubscription, str]:
    """Subscribe a URL to events. Returns the subscription and, once only, its secret."""
    require_capability(actor, Capability.WEBHOOK_MANAGE)
    clean_name = (name or "").strip()
    if not clean_name:
        raise Invalid("A webhook needs a name that says where it goes.", field="name")
    if len(clean_name) > MAX_NAME:
        raise Invalid(f"The name is longer than {MAX_NAME} characters.", field="name")
    events = _clean_event_types(event_types)
    url = webhook_target_check(target_url)
    secret = new_secret()
    subscription = WebhookSubscription.objects.create(
        name=clean_name, target_url=url, secret=secret, event_types=events, created_by=actor
    )
    return subscription, secret


def webhook_subscription_delete(*, actor: User, subscription: WebhookSubscription) -> None:
    """Stop sending and forget the subscription with its delivery log; queued tasks for its
    deliveries find nothing and do nothing."""
    require_capability(actor, Capability.WEBHOOK_MANAGE)
    subscription.delete()


def webhook_emit(
    *, event_type: WebhookEvent | str, event_id: str, payload: Payload | Callable[[], Payload]
) -> list[WebhookDelivery]:
    """Create a delivery of this event for every active subscription that wants it, and send
    each after the caller's transaction commits. An event already delivered to a subscription
    (same event_id) is not delivered again.

    `payload` may be a function: it is then built only when someone subscribes, so the
    services that emit on every change pay one query when nobody listens.
    """
    if event_type not in WebhookEvent.values:
        raise Invalid(f"{event_type!r} is not a webhook event.", field="event_type")
    wanted = [
        s
        for s in WebhookSubscription.objects.filter(active=True).only("id", "event_types")
        if s.wants(str(event_type))
    ]
    if not wanted:
        return []
    already = set(
        WebhookDelivery.objects.filter(event_id=event_id, subscription__in=wanted).values_list(
            "subscription_id", flat=True
        )
    )
    body = dict(payload() if callable(payload) else payload)
    created = [
        WebhookDelivery.objects.create(
            subscription=s,
            event_type=str(event_type),
            event_id=event_id,
            payload=body,
            next_attempt_at=timezone.now(),
        )
        for s in wanted
        if s.pk not in already
    ]
    for delivery in created:
        transaction.on_commit(partial(_enqueue, delivery.pk, 0), robust=True)
    return created


def webhook_delivery_replay(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again from its first attempt, whatever became of it before."""
    require_capability(actor, Capability.WEBHOOK_MANAGE)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            last_status_code=None,
            last_error="",
            response_excerpt="",
            delivered_at=None,
        )
        transaction.on_commit(partial(_enqueue, delivery.pk, 0), robust=True)
    delivery.refresh_from_db()
    return delivery


def webhook_delivery_attempt(*, delivery_id: int, attempt: int) -> WebhookDelivery | None:
    """Make attempt number `attempt + 1` of a delivery (the task's work).

    The attempt is claimed first (attempts moves from `attempt` to `attempt + 1`), so a
    duplicate task, a delivered or given-up delivery, or one replayed meanwhile sends nothing
    and returns None. A 2xx answer delivers; anything else schedules the next retry, or gives
    up after the last.
    """
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, attempts=attempt, status__in=_RETRYABLE
    ).update(attempts=attempt + 1, last_attempt_at=timezone.now())
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    code, excerpt, error = _send(delivery)
    return _record_outcome(delivery, attempt + 1, code, excerpt, error)


def _send(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(status code or None, response excerpt, error) of one POST to the subscription."""
    subscription = delivery.subscription
    if not subscription.active:
        return None, "", "The subscription is not active."
    body = json.dumps(
        delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Followthrough-Event": delivery.event_type,
        "X-Followthrough-Delivery": str(delivery.pk),
        "X-Followthrough-Timestamp": str(timestamp),
        "X-Followthrough-Signature": signature(subscription.secret, timestamp, body),
    }
    try:
        # Checked at every attempt: the host may resolve elsewhere than when it was created.
        target = check_target(subscription.target_url, allowed_hosts=_allowed_hosts())
        reply = transport.post(target, body, headers)
    except TargetRefused as exc:
        return None, "", f"Refused: {exc}"
    except Exception as exc:
        # Whatever kept an answer from coming back (DNS, refused, timeout, TLS, a garbled
        # reply) is a failed attempt, recorded in the log, not a crashed task.
        return None, "", f"{type(exc).__name__}: {exc}"
    error = "" if 200 <= reply.status < 300 else f"The receiver answered HTTP {reply.status}."
    return reply.status, reply.excerpt, error


def _record_outcome(
    delivery: WebhookDelivery, attempts: int, code: int | None, excerpt: str, error: str
) -> WebhookDelivery:
    at = timezone.now()
    fields: dict[str, Any] = {
        "last_status_code": code,
        "response_excerpt": excerpt[:MAX_EXCERPT],
        "last_error": error[:MAX_ERROR],
    }
    retry_at: dt.datetime | None = None
    if not error:
        fields |= {"status": DeliveryStatus.DELIVERED, "delivered_at": at, "next_attempt_at": None}
    elif attempts >= MAX_ATTEMPTS or not delivery.subscription.active:
        fields |= {"status": DeliveryStatus.GAVE_UP, "next_attempt_at": None}
    else:
        retry_at = at + RETRY_DELAYS[attempts - 1]
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": retry_at}
    with transaction.atomic():
        # Only if nobody replayed it while it was being sent; the replay owns it now.
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, attempts=attempts, status__in=_RETRYABLE
        ).update(**fields)
        if updated and retry_at is not None:
            transaction.on_commit(partial(_enqueue, delivery.pk, attempts, retry_at), robust=True)
    delivery.refresh_from_db()
    return delivery


def _enqueue(delivery_id: int, attempt: int, run_after: dt.datetime | None = None) -> None:
    # Imported here: the task module imports this one.
    from followthrough.webhooks.tasks import webhook_delivery_send_task

    task = webhook_delivery_send_task
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id, attempt)
