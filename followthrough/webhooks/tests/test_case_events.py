"""Which case events become webhooks: every mapped service emits its event, once, from the
same transaction; unmapped events (notes, contacts) send nothing, and a refused change
sends nothing either."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followthrough.cases.errors import CaseError
from followthrough.cases.models import CaseEvent
from followthrough.cases.services import (
    case_add_note,
    case_assign,
    case_claim,
    case_merge,
    case_set_status,
    commitment_break,
    commitment_cancel,
    commitment_keep,
    handoff_accept,
)
from followthrough.cases.states import CaseStatus, EventType
from followthrough.cases.tests.factories import (
    case_state,
    hand_off,
    log_call,
    open_case,
    promise,
)
from followthrough.cases.webhook_events import WEBHOOK_EVENTS
from followthrough.core.errors import ServiceError
from followthrough.webhooks.models import WebhookDelivery, WebhookEvent


def _sent(subscription) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def test_every_webhook_event_comes_from_a_case_event():
    # case.resolved is the resolving kind of status change; all others are in the map.
    assert set(WEBHOOK_EVENTS.values()) | {WebhookEvent.CASE_RESOLVED} == set(WebhookEvent)


def test_each_case_service_emits_its_webhook_event(
    agent, agent2, tier1, tier1_lead, contact, subscription
):
    case = open_case(actor=agent, owner=None, team=tier1, contact=contact)
    case_claim(actor=agent, case=case)
    kept = promise(agent, case)
    commitment_keep(actor=agent, commitment=kept)
    broken = promise(agent, case)
    commitment_break(actor=agent, commitment=broken, reason="Missed the window")
    cancelled = promise(agent, case)
    commitment_cancel(actor=agent, commitment=cancelled, reason="No longer needed")
    handoff = hand_off(agent, case, to_user=agent2)
    handoff_accept(actor=agent2, handoff=handoff)
    case_add_note(actor=agent2, case=case, body="Checked the logs")
    log_call(agent2, case)
    duplicate = open_case(actor=agent2, contact=contact, subject="Same printer again")
    case_merge(actor=tier1_lead, source=duplicate, target=case, reason="Same problem")
    case_assign(actor=tier1_lead, case=case, owner=agent, team=tier1, reason="Back to Adam")
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)

    assert _sent(subscription) == [
        "case.opened",
        "case.assigned",
        "promise.added",
        "promise.kept",
        "promise.added",
        "promise.broken",
        "promise.added",
        "promise.cancelled",
        "case.handed_off",
        "case.handoff_accepted",
        "case.opened",  # the duplicate
        "case.merged",
        "case.assigned",
        "case.status_changed",
        "case.resolved",
    ]
    # Each delivery names its own case event, and carries that event's before/after.
    for delivery in WebhookDelivery.objects.filter(subscription=subscription):
        event = CaseEvent.objects.get(pk=int(delivery.event_id.removeprefix("case-event-")))
        assert delivery.payload["event"] == delivery.event_type
        assert delivery.payload["case"]["id"] == event.case_id
        assert delivery.payload["before"] == event.before
        assert delivery.payload["after"] == event.after
        assert delivery.payload["reason"] == event.reason
    merged = WebhookDelivery.objects.get(event_type=WebhookEvent.CASE_MERGED)
    assert merged.payload["case"]["id"] == duplicate.pk
    assert merged.payload["case"]["status"] == CaseStatus.CLOSED
    assert merged.payload["after"]["case"] == case.number
    assert merged.payload["actor"] == {"id": tier1_lead.pk, "name": tier1_lead.display_name}
    resolved = WebhookDelivery.objects.get(event_type=WebhookEvent.CASE_RESOLVED)
    assert resolved.payload["case"]["status"] == CaseStatus.RESOLVED
    assert resolved.payload["before"]["status"] == CaseStatus.PENDING_CUSTOMER
    claimed = WebhookDelivery.objects.filter(event_type=WebhookEvent.CASE_ASSIGNED).first()
    assert claimed is not None
    assert claimed.payload["case"]["owner"] == {"id": agent.pk, "name": agent.display_name}
    assert claimed.payload["case"]["team"] == {"id": tier1.pk, "name": tier1.name}


def test_resolving_through_a_contact_is_case_resolved(agent, contact, subscription):
    case = open_case(actor=agent, contact=contact)
    log_call(agent, case, resolve=True)
    events = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert EventType.STATUS_CHANGED in events
    assert _sent(subscription) == ["case.opened", "case.resolved"]


def test_a_refused_change_emits_nothing(agent, contact, subscription):
    case = open_case(actor=agent, contact=contact)
    promise(agent, case)
    sent = _sent(subscription)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert exc.value.code == CaseError.OPEN_PROMISES
    assert case_state(case) == before
    assert _sent(subscription) == sent


def test_with_nobody_subscribed_an_event_costs_one_lookup(agent, contact):
    case = open_case(actor=agent, contact=contact)
    with CaptureQueriesContext(connection) as captured:
        case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    webhook_queries = [q["sql"] for q in captured.captured_queries if "webhooks_" in q["sql"]]
    assert len(webhook_queries) == 1
    assert "webhooks_webhooksubscription" in webhook_queries[0]
    assert not WebhookDelivery.objects.exists()
