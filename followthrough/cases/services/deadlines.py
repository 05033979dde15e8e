"""The deadline scan: warnings and breaches recorded once, escalation rules applied once.

Run by the worker (cases/tasks.py), enqueued by `followthrough scheduler`. It reads the two
partial indexes of SLA clocks (due warnings, due breaches), never the cases, so its cost
follows the number of deadlines falling due, not the number of open cases. Each clock is
handled in its own transaction under the case's row lock and re-checked there, so repeated
runs and two workers at once record each warning and breach exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from followthrough.accounts.models import Team, User
from followthrough.accounts.selectors import primary_team
from followthrough.cases.models import Case, CaseEvent, Commitment, Handoff, SlaClock
from followthrough.cases.services._common import lock_case, now, record, save_case, team_ref, who
from followthrough.cases.services.handoffs import handoff_escalate_unaccepted
from followthrough.cases.services.notifications import notify
from followthrough.cases.services.ownership import cancel_pending_handoff
from followthrough.cases.services.sla import sla_track
from followthrough.cases.states import (
    CommitmentStatus,
    EventType,
    HandoffKind,
    HandoffStatus,
    NotificationKind,
    Priority,
)
from followthrough.core.errors import ServiceError
from followthrough.sla.models import EscalationAction, EscalationRule, EscalationStage, SlaMetric

logger = logging.getLogger(__name__)

SCAN_BATCH = 500
_RAISED = {Priority.P4: Priority.P3, Priority.P3: Priority.P2, Priority.P2: Priority.P1}


@dataclass
class ScanResult:
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    # A batch came back full: more may be due (the task runs another batch).
    more: bool = False


# Per stage: the clocks it is due on (each filter matches its partial index) and their order.
_DUE = {
    EscalationStage.WARNING: (Q(warn_at__isnull=False), "warn_at"),
    EscalationStage.BREACH: (Q(breached_at__isnull=True, due_at__isnull=False), "due_at"),
}


def sla_scan(*, at: dt.datetime | None = None, limit: int | None = None) -> ScanResult:
    """Record every warning and breach due by `at` (at most `limit` of each per run).

    Warnings first, so a clock whose warning and deadline both passed keeps them in order."""
    at = at or now()
    limit = limit or SCAN_BATCH
    result = ScanResult()
    for stage, (pending, field_name) in _DUE.items():
        due = list(
            SlaClock.objects.filter(pending, **{f"{field_name}__lte": at})
            .order_by(field_name, "id")
            .values_list("pk", "case_id")[:limit]
        )
        result.more = result.more or len(due) == limit
        for clock_id, case_id in due:
            if not _record_stage(clock_id, case_id, stage, at, result):
                continue
            if stage == EscalationStage.WARNING:
                result.warnings += 1
            else:
                result.breaches += 1
    return result


def _record_stage(
    clock_id: int, case_id: int, stage: EscalationStage, at: dt.datetime, result: ScanResult
) -> bool:
    with transaction.atomic():
        case = lock_case(case_id)
        # Only the clock row is locked (the policy join is an outer one).
        sla_clock = (
            SlaClock.objects.select_for_update(of=("self",))
            .select_related("policy", "calendar")
            .get(pk=clock_id)
        )
        if not _still_due(sla_clock, stage, at):
            return False
        metric = SlaMetric(sla_clock.metric)
        due = _in_calendar_zone(sla_clock)
        if stage == EscalationStage.WARNING:
            sla_clock.warned_at = at
            sla_clock.warn_at = None
            sla_clock.save(update_fields=["warned_at", "warn_at"])
            event_type = EventType.SLA_WARNING
            message = f"{case.number}: {metric.label.lower()} is due {due} ({case.subject})."
        else:
            sla_clock.breached_at = at
            sla_clock.warn_at = None
            sla_clock.save(update_fields=["breached_at", "warn_at"])
            event_type = EventType.SLA_BREACHED
            message = (
                f"{case.number}: {metric.label.lower()} was due {due} and is missed "
                f"({case.subject})."
            )
        event = record(
            case,
            event_type,
            None,
            after={
                "metric": metric.value,
                "due_at": sla_clock.due_at.isoformat() if sla_clock.due_at else None,
                "target_minutes": sla_clock.target_minutes,
                "policy": sla_clock.policy_name,
            },
        )
        lead = _lead_of(case)
        notify(
            [case.owner, lead],
            case=case,
            kind=NotificationKind.DEADLINE,
            event=event,
            message=message,
        )
        if sla_clock.policy is not None:
            rules = EscalationRule.objects.filter(
                policy=sla_clock.policy, metric=metric, stage=stage
            ).select_related("team")
            for rule in rules:
                if _escalate(case, rule, event):
                    result.escalations += 1
    return True


def _in_calendar_zone(sla_clock: SlaClock) -> str:
    """The deadline as the desk that counts it reads it: "Mon 16 Nov 09:30 (Europe/London)"."""
    if sla_clock.due_at is None:
        return "now"
    zone = sla_clock.calendar.time_zone if sla_clock.calendar is not None else "UTC"
    local = sla_clock.due_at.astimezone(ZoneInfo(zone))
    return f"{local:%a %d %b %H:%M} ({zone})"


def _still_due(sla_clock: SlaClock, stage: EscalationStage, at: dt.datetime) -> bool:
    """Checked again under the lock: another worker, or the agent's reply, may have got there."""
    if sla_clock.running_since is None or sla_clock.met_at is not None:
        return False
    if stage == EscalationStage.WARNING:
        return sla_clock.warn_at is not None and sla_clock.warn_at <= at
    return sla_clock.breached_at is None and sla_clock.due_at is not None and sla_clock.due_at <= at


def _lead_of(case: Case) -> User | None:
    team: Team | None = case.team
    if team is None and case.owner is not None:
        team = primary_team(case.owner)
    return team.lead if team is not None else None


def _escalate(case: Case, rule: EscalationRule, cause: CaseEvent) -> bool:
    """Apply one escalation rule as the system; returns whether it changed the case."""
    metric = SlaMetric(rule.metric).label.lower()
    stage = "missed" if rule.stage == EscalationStage.BREACH else "close to its deadline"
    why = f"{metric.capitalize()} {stage}: {rule.get_action_display().lower()} (policy rule)."
    before: dict[str, Any] = {
        "owner": who(case.owner),
        "team": team_ref(case.team),
        "priority": case.priority,
    }
    after: dict[str, Any]
    if rule.action == EscalationAction.ASSIGN_TO_LEAD:
        lead = _lead_of(case)
        if lead is None or lead.pk == case.owner_id or not lead.is_active:
            return False
        case.owner = lead
        if case.team is None:
            case.team = primary_team(lead)
        event_type = EventType.ASSIGNED
        after = {"owner": who(lead), "team": team_ref(case.team)}
        fields = ["owner", "team"]
    elif rule.action == EscalationAction.MOVE_TO_TEAM:
        if rule.team is None or (case.team_id == rule.team_id and case.owner_id is None):
            return False
        case.owner = None
        case.team = rule.team
        event_type = EventType.ASSIGNED
        after = {"owner": None, "team": team_ref(rule.team)}
        fields = ["owner", "team"]
    else:
        raised = _RAISED.get(Priority(case.priority))
        if raised is None:
            return False
        case.priority = raised
        event_type = EventType.UPDATED
        before = {"priority": before["priority"]}
        after = {"priority": raised}
        fields = ["priority"]
    sla_track(case)
    save_case(case, *fields)
    if event_type == EventType.ASSIGNED:
        cancel_pending_handoff(case, None, "Superseded by an escalation.")
    event = record(case, event_type, None, before=before, after=after, reason=why)
    notify(
        [case.owner, _lead_of(case)],
        case=case,
        kind=NotificationKind.ESCALATION,
        event=event,
        message=f"{case.number}: {why}",
    )
    logger.info("Escalated %s by rule %s after %s", case.number, rule.pk, cause.pk)
    return True


def commitments_notice_due(*, at: dt.datetime | None = None, limit: int | None = None) -> int:
    """Tell whoever answers for each open promise that has fallen due, once: a case event
    (and the promise.due webhook) and a notification to the promise's owner and the case
    owner. The promise stays open: only a person keeps, breaks or cancels it."""
    at = at or now()
    due = list(
        Commitment.objects.filter(
            status=CommitmentStatus.OPEN, due_noticed_at__isnull=True, due_at__lte=at
        )
        .order_by("due_at", "id")
        .values_list("pk", "case_id")[: limit or SCAN_BATCH]
    )
    noticed = 0
    for commitment_id, case_id in due:
        with transaction.atomic():
            case = lock_case(case_id)
            promise = (
                Commitment.objects.select_for_update(of=("self",))
                .select_related("owner")
                .get(pk=commitment_id)
            )
            if promise.status != CommitmentStatus.OPEN or promise.due_noticed_at is not None:
                continue
            promise.due_noticed_at = at
            promise.save(update_fields=["due_noticed_at"])
            event = record(
                case,
                EventType.COMMITMENT_DUE,
                None,
                after={"due_at": promise.due_at.isoformat(), "owed_by": promise.owed_by},
                commitment=promise,
            )
            notify(
                [promise.owner, case.owner],
                case=case,
                kind=NotificationKind.PROMISE_DUE,
                event=event,
                message=(
                    f"{case.number}: promise due - {promise.description}. Keep it, or break or "
                    "cancel it with a reason."
                ),
            )
            noticed += 1
    return noticed


def handoffs_escalate_overdue(*, at: dt.datetime | None = None, limit: int | None = None) -> int:
    """Pass handoffs nobody accepted within FOLLOWTHROUGH_HANDOFF_ACCEPT_MINUTES to the lead
    (invariant 4). An escalation to the lead is not escalated again."""
    minutes = settings.FOLLOWTHROUGH_HANDOFF_ACCEPT_MINUTES
    cutoff = (at or now()) - dt.timedelta(minutes=minutes)
    overdue = (
        Handoff.objects.filter(status=HandoffStatus.PENDING, created_at__lt=cutoff)
        .exclude(kind=HandoffKind.LEAD_ESCALATION)
        .order_by("created_at", "id")[: limit or SCAN_BATCH]
    )
    escalated = 0
    for handoff in list(overdue):
        try:
            handoff_escalate_unaccepted(
                actor=None,
                handoff=handoff,
                reason=f"Not accepted within {minutes} minutes.",
            )
        except ServiceError as error:
            # No other lead to go to, or someone answered it meanwhile: nothing to do.
            logger.info("Handoff %s not escalated: %s", handoff.pk, error)
            continue
        escalated += 1
    return escalated
