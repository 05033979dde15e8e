"""Which case events go out as webhooks, and what their payload says.

record() calls case_event_webhook for every case event it writes, inside the service's
transaction; an event type not mapped here sends nothing.
"""

from __future__ import annotations

from typing import Any

from followthrough.accounts.models import User
from followthrough.cases.models import CaseEvent
from followthrough.cases.states import CaseStatus, EventType
from followthrough.webhooks.models import WebhookEvent
from followthrough.webhooks.services import webhook_emit

WEBHOOK_EVENTS: dict[str, WebhookEvent] = {
    EventType.OPENED: WebhookEvent.CASE_OPENED,
    EventType.ASSIGNED: WebhookEvent.CASE_ASSIGNED,
    EventType.CLAIMED: WebhookEvent.CASE_ASSIGNED,
    EventType.HANDOFF_REQUESTED: WebhookEvent.CASE_HANDED_OFF,
    EventType.HANDOFF_ACCEPTED: WebhookEvent.CASE_HANDOFF_ACCEPTED,
    EventType.STATUS_CHANGED: WebhookEvent.CASE_STATUS_CHANGED,
    EventType.COMMITMENT_ADDED: WebhookEvent.PROMISE_ADDED,
    EventType.COMMITMENT_KEPT: WebhookEvent.PROMISE_KEPT,
    EventType.COMMITMENT_BROKEN: WebhookEvent.PROMISE_BROKEN,
    EventType.COMMITMENT_CANCELLED: WebhookEvent.PROMISE_CANCELLED,
    EventType.COMMITMENT_DUE: WebhookEvent.PROMISE_DUE,
    # Sent once per merge, for the case that was merged away (its `after.case` is the target).
    EventType.MERGED_INTO: WebhookEvent.CASE_MERGED,
    EventType.SLA_WARNING: WebhookEvent.CASE_SLA_WARNING,
    EventType.SLA_BREACHED: WebhookEvent.CASE_SLA_BREACHED,
}


def webhook_event_for(event: CaseEvent) -> WebhookEvent | None:
    """The webhook event a case event is, if any. A status change to resolved is
    case.resolved (not also case.status_changed): subscribe to both to hear every change."""
    mapped = WEBHOOK_EVENTS.get(event.type)
    if mapped is WebhookEvent.CASE_STATUS_CHANGED and (
        event.after.get("status") == CaseStatus.RESOLVED
    ):
        return WebhookEvent.CASE_RESOLVED
    return mapped


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


def case_event_payload(event: CaseEvent, webhook_event: WebhookEvent) -> dict[str, Any]:
    case = event.case
    return {
        "event": str(webhook_event),
        "occurred_at": event.created_at.isoformat(),
        "case": {
            "id": case.pk,
            "number": case.number,
            "subject": case.subject,
            "status": case.status,
            "priority": case.priority,
            "owner": _person(case.owner),
            "team": None if case.team is None else {"id": case.team.pk, "name": case.team.name},
            "organization_id": case.organization_id,
        },
        "actor": _person(event.actor),
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }


def case_event_webhook(event: CaseEvent) -> None:
    webhook_event = webhook_event_for(event)
    if webhook_event is None:
        return
    webhook_emit(
        event_type=webhook_event,
        event_id=f"case-event-{event.pk}",
        payload=lambda: case_event_payload(event, webhook_event),
    )
