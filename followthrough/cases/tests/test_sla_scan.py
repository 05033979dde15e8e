"""The deadline scan: warnings and breaches recorded once, escalations applied once, under
repeated runs and two workers at once; unaccepted handoffs passed to the lead."""

from __future__ import annotations

import datetime as dt
import signal
from functools import partial

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from followthrough.cases.models import Case, CaseEvent, Notification, SlaClock
from followthrough.cases.services import commitment_keep
from followthrough.cases.services.deadlines import (
    commitments_notice_due,
    handoffs_escalate_overdue,
    sla_scan,
)
from followthrough.cases.states import (
    CommitmentStatus,
    EventType,
    HandoffKind,
    HandoffStatus,
    Priority,
)
from followthrough.cases.tasks import deadlines_scan_task
from followthrough.cases.tests.factories import hand_off, log_call, open_case, promise
from followthrough.cases.tests.sla_fixtures import london, office
from followthrough.cases.tests.test_concurrency import run_together
from followthrough.sla.models import EscalationAction, EscalationRule, EscalationStage, SlaMetric

__all__ = ["office"]

MONDAY_10 = london(2026, 11, 23, 10, 0)
NEXT_WEEK = MONDAY_10 + dt.timedelta(days=7)


def events(case: Case, type: EventType) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, type=type).order_by("id"))


def assign_to_lead_on_breach(policy, metric=SlaMetric.FIRST_RESPONSE) -> EscalationRule:
    return EscalationRule.objects.create(
        policy=policy,
        metric=metric,
        stage=EscalationStage.BREACH,
        action=EscalationAction.ASSIGN_TO_LEAD,
    )


def test_nothing_is_recorded_before_the_warning_is_due(office, agent):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(minutes=29))
        result = sla_scan()
    assert (result.warnings, result.breaches) == (0, 0)
    assert events(case, EventType.SLA_WARNING) == []


def test_warning_then_breach_are_recorded_once_with_notifications(office, agent, tier1_lead):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(minutes=30))
        assert sla_scan().warnings == 1
        assert sla_scan().warnings == 0
        clock.shift(dt.timedelta(minutes=30))
        first = sla_scan()
        again = sla_scan()
    assert (first.breaches, again.breaches) == (1, 0)
    [warning] = events(case, EventType.SLA_WARNING)
    [breach] = events(case, EventType.SLA_BREACHED)
    assert breach.actor is None
    assert breach.after["metric"] == SlaMetric.FIRST_RESPONSE
    assert breach.after["due_at"] == london(2026, 11, 23, 11, 0).isoformat()
    for event in (warning, breach):
        notified = set(Notification.objects.filter(event=event).values_list("user_id", flat=True))
        assert notified == {agent.pk, tier1_lead.pk}
    clock_row = SlaClock.objects.get(case=case, metric=SlaMetric.FIRST_RESPONSE)
    assert clock_row.breached_at == london(2026, 11, 23, 11, 0)
    assert clock_row.warn_at is None


def test_a_response_before_the_deadline_means_no_breach(office, agent):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(minutes=50))
        log_call(agent, case)
        clock.shift(dt.timedelta(hours=3))
        result = sla_scan()
    assert result.breaches == 0
    assert events(case, EventType.SLA_BREACHED) == []


def test_breach_of_first_response_escalates_to_the_lead_once(office, agent, tier1, tier1_lead):
    assign_to_lead_on_breach(office)
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, team=tier1, owner=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(hours=1, minutes=1))
        assert sla_scan().escalations == 1
        assert sla_scan().escalations == 0
    case = Case.objects.get(pk=case.pk)
    assert case.owner == tier1_lead
    [assigned] = events(case, EventType.ASSIGNED)
    assert assigned.actor is None
    assert "First response missed" in assigned.reason
    assert assigned.before["owner"]["id"] == agent.pk


def test_raise_priority_rule_retargets_the_clocks(office, agent):
    EscalationRule.objects.create(
        policy=office,
        metric=SlaMetric.FIRST_RESPONSE,
        stage=EscalationStage.WARNING,
        action=EscalationAction.RAISE_PRIORITY,
    )
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, priority=Priority.P4, next_step_due=NEXT_WEEK)
        # P4 has the default's 16 h first response; warned at half of it.
        clock.shift(dt.timedelta(days=1))
        assert sla_scan().escalations == 1
    case = Case.objects.get(pk=case.pk)
    assert case.priority == Priority.P3
    assert SlaClock.objects.get(case=case, metric=SlaMetric.FIRST_RESPONSE).target_minutes == 60


def test_paused_clocks_are_not_breached(office, agent):
    from followthrough.cases.services import case_set_status
    from followthrough.cases.states import CaseStatus

    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        log_call(agent, case)
        case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
        clock.shift(dt.timedelta(days=5))
        result = sla_scan()
    assert (result.warnings, result.breaches) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_record_each_breach_once(office, agent, tier1_lead, tier1):
    assign_to_lead_on_breach(office)
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        cases = [
            open_case(actor=agent, team=tier1, owner=agent, next_step_due=NEXT_WEEK)
            for _ in range(6)
        ]
        clock.shift(dt.timedelta(hours=2))
        results = run_together([partial(sla_scan), partial(sla_scan)])
    assert sum(r.breaches for r in results) == 6
    assert sum(r.warnings for r in results) == 6
    assert sum(r.escalations for r in results) == 6
    for case in cases:
        assert len(events(case, EventType.SLA_BREACHED)) == 1
        assert len(events(case, EventType.SLA_WARNING)) == 1
        assert len(events(case, EventType.ASSIGNED)) == 1
        assert Case.objects.get(pk=case.pk).owner == tier1_lead


def test_a_handoff_nobody_accepts_goes_to_the_lead(office, agent, tier2, tier2_lead, settings):
    settings.FOLLOWTHROUGH_HANDOFF_ACCEPT_MINUTES = 30
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        handoff = hand_off(agent, case, to_team=tier2, kind=HandoffKind.TIER_ESCALATION)
        clock.shift(dt.timedelta(minutes=29))
        assert handoffs_escalate_overdue() == 0
        clock.shift(dt.timedelta(minutes=2))
        assert handoffs_escalate_overdue() == 1
        # The escalation to the lead is not escalated again.
        clock.shift(dt.timedelta(hours=2))
        assert handoffs_escalate_overdue() == 0
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ESCALATED
    assert len(events(case, EventType.HANDOFF_ESCALATED)) == 1


@pytest.mark.django_db(transaction=True)
def test_scheduler_enqueues_one_scan_and_the_worker_runs_it(office, agent):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(hours=2))
        call_command("scheduler", "--once", "--only", "deadlines")
        call_command("scheduler", "--once", "--only", "deadlines")  # one still waits: no second
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command("worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
    scans = DBTaskResult.objects.filter(task_path=deadlines_scan_task.module_path)
    assert scans.filter(status="SUCCESSFUL").count() == 1
    assert len(events(case, EventType.SLA_BREACHED)) == 1


def test_a_wave_larger_than_one_batch_is_worked_through_by_one_task(office, agent, monkeypatch):
    monkeypatch.setattr("followthrough.cases.services.deadlines.SCAN_BATCH", 2)
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        cases = [open_case(actor=agent, next_step_due=NEXT_WEEK) for _ in range(5)]
        clock.shift(dt.timedelta(hours=2))
        first = sla_scan(limit=2)
        assert (first.breaches, first.more) == (2, True)
        deadlines_scan_task.call()
    for case in cases:
        assert len(events(case, EventType.SLA_BREACHED)) == 1


def test_a_promise_that_falls_due_is_noticed_once_and_stays_open(office, agent, tier1_lead):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        callback = promise(agent, case, due_at=MONDAY_10 + dt.timedelta(hours=1))
        clock.shift(dt.timedelta(minutes=59))
        assert commitments_notice_due() == 0
        clock.shift(dt.timedelta(minutes=2))
        assert commitments_notice_due() == 1
        assert commitments_notice_due() == 0
    callback.refresh_from_db()
    assert callback.status == CommitmentStatus.OPEN
    [due] = events(case, EventType.COMMITMENT_DUE)
    assert due.actor is None
    assert due.commitment_id == callback.pk
    [note] = Notification.objects.filter(event=due)
    assert note.user == agent
    assert "promise due - Call back with the fix" in note.message


def test_a_promise_kept_in_time_is_not_noticed(office, agent):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        callback = promise(agent, case, due_at=MONDAY_10 + dt.timedelta(hours=1))
        commitment_keep(actor=agent, commitment=callback)
        clock.shift(dt.timedelta(hours=2))
        assert commitments_notice_due() == 0
    assert events(case, EventType.COMMITMENT_DUE) == []
