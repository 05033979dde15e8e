"""Deliveries reach a real receiver on loopback, signed; failures retry with backoff, then give
up; replays re-send; one event is delivered once; redirects are not followed."""

from __future__ import annotations

import datetime as dt
import re
import signal
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from followthrough.cases.models import CaseEvent
from followthrough.cases.states import EventType
from followthrough.cases.tests.factories import open_case
from followthrough.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from followthrough.webhooks.services import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    webhook_delivery_replay,
    webhook_emit,
    webhook_subscription_create,
)
from followthrough.webhooks.tasks import webhook_delivery_send_task
from followthrough.webhooks.tests.conftest import queued, run_tasks

SIGNATURE = re.compile(r"^sha256=[0-9a-f]{64}$")


def _open(agent, contact, django_capture_on_commit_callbacks):
    """Open a case through the real service and commit, so its deliveries are enqueued."""
    with django_capture_on_commit_callbacks(execute=True):
        return open_case(actor=agent, contact=contact)


def _close_to(value: dt.datetime | None, expected: dt.datetime, seconds: float = 5) -> bool:
    return value is not None and abs((value - expected).total_seconds()) < seconds


def test_opening_a_case_delivers_a_signed_payload_to_the_receiver(
    agent, contact, subscription, receiver, django_capture_on_commit_callbacks
):
    case = _open(agent, contact, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    event = CaseEvent.objects.get(case=case, type=EventType.OPENED)
    assert delivery.event_type == WebhookEvent.CASE_OPENED
    assert delivery.event_id == f"case-event-{event.pk}"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert receiver.requests == []  # nothing is sent inside the service

    assert run_tasks() == 1

    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hooks"
    assert request.signature_valid
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Followthrough-Event"] == "case.opened"
    assert request.headers["X-Followthrough-Delivery"] == str(delivery.pk)
    body = request.json
    assert body["event"] == "case.opened"
    assert body["occurred_at"] == event.created_at.isoformat()
    assert body["case"] == {
        "id": case.pk,
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "owner": {"id": agent.pk, "name": agent.display_name},
        "team": None,
        "organization_id": contact.organization_id,
    }
    assert body["actor"] == {"id": agent.pk, "name": agent.display_name}
    assert body["before"] == {}
    assert body["after"]["subject"] == case.subject
    assert body["reason"] == ""
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.response_excerpt == "ok"
    assert delivery.last_error == ""
    assert delivery.next_attempt_at is None
    assert delivery.delivered_at is not None
    assert queued() == []


def test_signature_header_is_sha256_hmac_of_timestamp_dot_body(
    agent, contact, subscription, receiver, django_capture_on_commit_callbacks
):
    _open(agent, contact, django_capture_on_commit_callbacks)
    run_tasks()
    [request] = receiver.requests
    signature = request.headers["X-Followthrough-Signature"]
    timestamp = request.headers["X-Followthrough-Timestamp"]
    assert SIGNATURE.match(signature)
    assert timestamp.isdigit()
    assert abs(int(timestamp) - time.time()) < 60
    assert signature == receiver.expected_signature(timestamp, request.body)
    # A different secret, timestamp or body gives a different signature.
    assert signature != receiver.expected_signature(str(int(timestamp) + 1), request.body)
    assert signature != receiver.expected_signature(timestamp, request.body + b" ")


def test_a_failing_receiver_is_retried_with_backoff_and_then_delivered(
    agent, contact, subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.fail_next = 1
    _open(agent, contact, django_capture_on_commit_callbacks)
    before_first = timezone.now()
    assert run_tasks() == 1

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.response_excerpt == "receiver failed on purpose"
    assert delivery.last_error != ""
    assert _close_to(delivery.next_attempt_at, before_first + RETRY_DELAYS[0])
    [retry] = queued()
    assert retry.run_after == delivery.next_attempt_at
    assert retry.args_kwargs["args"] == [delivery.pk, 1]

    # Not due yet: nothing is sent before the backoff has passed.
    assert run_tasks() == 0
    assert len(receiver.requests) == 1

    assert run_tasks(at=delivery.next_attempt_at) == 1
    assert len(receiver.requests) == 2
    assert all(r.signature_valid for r in receiver.requests)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    assert delivery.next_attempt_at is None
    assert queued() == []


def test_a_delivery_gives_up_after_the_last_retry(
    agent, contact, subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.fail_next = 100
    _open(agent, contact, django_capture_on_commit_callbacks)
    assert run_tasks() == 1
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    waits = []
    while delivery.status == DeliveryStatus.FAILED:
        assert delivery.next_attempt_at is not None
        assert delivery.last_attempt_at is not None
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        assert run_tasks(at=delivery.next_attempt_at) == 1
        delivery.refresh_from_db()

    assert [round(w.total_seconds()) for w in waits] == [
        round(d.total_seconds()) for d in RETRY_DELAYS
    ]
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.attempts == MAX_ATTEMPTS == 6
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at is None
    assert delivery.delivered_at is None
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert queued() == []


def test_replay_sends_a_delivered_delivery_again(
    agent, contact, webhook_admin, subscription, receiver, django_capture_on_commit_callbacks
):
    _open(agent, contact, django_capture_on_commit_callbacks)
    run_tasks()
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.DELIVERED

    with django_capture_on_commit_callbacks(execute=True):
        replayed = webhook_delivery_replay(actor=webhook_admin, delivery=delivery)
    assert replayed.status == DeliveryStatus.PENDING
    assert replayed.attempts == 0
    assert replayed.delivered_at is None
    assert run_tasks() == 1

    first, second = receiver.requests
    assert second.signature_valid
    assert second.body == first.body
    assert second.headers["X-Followthrough-Delivery"] == first.headers["X-Followthrough-Delivery"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1


def test_replay_of_a_given_up_delivery_starts_its_attempts_again(
    agent, contact, webhook_admin, subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.fail_next = 100
    _open(agent, contact, django_capture_on_commit_callbacks)
    run_tasks()
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    while delivery.status == DeliveryStatus.FAILED:
        run_tasks(at=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP

    receiver.fail_next = 0
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_replay(actor=webhook_admin, delivery=delivery)
    assert run_tasks() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert len(receiver.requests) == MAX_ATTEMPTS + 1


def test_the_same_event_is_delivered_once(
    subscription, receiver, django_capture_on_commit_callbacks
):
    payload = {"event": "case.opened", "note": "emitted twice"}
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_emit(event_type=WebhookEvent.CASE_OPENED, event_id="x-1", payload=payload)
        second = webhook_emit(event_type=WebhookEvent.CASE_OPENED, event_id="x-1", payload=payload)
    assert len(first) == 1
    assert second == []
    assert WebhookDelivery.objects.filter(event_id="x-1").count() == 1
    [delivery] = first
    # A duplicate task for the same attempt (a worker retrying a task) sends nothing more.
    webhook_delivery_send_task.enqueue(delivery.pk, 0)
    assert run_tasks() == 2
    assert len(receiver.requests) == 1
    # And a delivered delivery is not sent again by a late task.
    webhook_delivery_send_task.enqueue(delivery.pk, 1)
    run_tasks()
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    agent, contact, subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.redirect_to = f"http://127.0.0.1:{receiver.port}/elsewhere"
    _open(agent, contact, django_capture_on_commit_callbacks)
    run_tasks()
    assert [r.path for r in receiver.requests] == ["/hooks"]
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 302
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is not None


def test_each_delivery_checks_the_target_again(
    agent, contact, subscription, receiver, settings, django_capture_on_commit_callbacks
):
    # The administrator takes loopback off the allow-list after the subscription was made.
    settings.FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS = []
    _open(agent, contact, django_capture_on_commit_callbacks)
    run_tasks()
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert "loopback" in delivery.last_error


def test_nothing_is_delivered_to_subscriptions_that_do_not_want_the_event(
    agent, contact, webhook_admin, receiver, django_capture_on_commit_callbacks
):
    webhook_subscription_create(
        actor=webhook_admin,
        name="Promises only",
        target_url=receiver.url,
        event_types=[WebhookEvent.PROMISE_KEPT],
    )
    paused, _ = webhook_subscription_create(
        actor=webhook_admin,
        name="Paused",
        target_url=receiver.url,
        event_types=[WebhookEvent.CASE_OPENED],
    )
    WebhookSubscription.objects.filter(pk=paused.pk).update(active=False)
    _open(agent, contact, django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists()
    assert queued() == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_delivers_what_is_queued(agent, contact, subscription, receiver):
    # Committed for real here: the deliveries' tasks are enqueued by the commit itself.
    open_case(actor=agent, contact=contact)
    assert len(queued()) == 1
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    [request] = receiver.requests
    assert request.signature_valid
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert queued() == []
