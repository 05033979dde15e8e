"""SLA clocks kept by the case services: started, stopped by a response, paused, re-targeted,
and the nearest deadline the queues sort by."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from followthrough.accounts.models import Membership
from followthrough.cases.models import Case, CaseEvent, SlaClock
from followthrough.cases.selectors import queue_team
from followthrough.cases.services import (
    case_add_note,
    case_assign,
    case_claim_next,
    case_set_status,
    case_update,
)
from followthrough.cases.states import (
    CaseStatus,
    Direction,
    Disposition,
    EventType,
    NoteVisibility,
    Priority,
)
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.cases.tests.sla_fixtures import london, office, set_targets, team_policy
from followthrough.customers.models import PlanTier
from followthrough.sla.models import SlaMetric, SlaPolicy

__all__ = ["office"]  # the fixture, imported so pytest finds it here

M = SlaMetric
MONDAY_10 = london(2026, 11, 23, 10, 0)


def clock_of(case: Case, metric: SlaMetric) -> SlaClock:
    return SlaClock.objects.get(case=case, metric=metric)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def later(hours: float) -> dt.datetime:
    return MONDAY_10 + dt.timedelta(hours=hours, days=7)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def test_opening_starts_first_response_and_resolution_in_business_hours(office, agent, monday):
    case = open_case(actor=agent, next_step_due=later(0))
    first = clock_of(case, M.FIRST_RESPONSE)
    resolution = clock_of(case, M.RESOLUTION)
    assert first.due_at == london(2026, 11, 23, 11, 0)
    # 480 business minutes: 7 h on Monday (10:00-17:00), the last hour on Tuesday from 09:00.
    assert resolution.due_at == london(2026, 11, 24, 10, 0)
    assert first.warn_at == london(2026, 11, 23, 10, 30)
    assert not SlaClock.objects.filter(case=case, metric=M.NEXT_RESPONSE).exists()
    case = fresh(case)
    assert (case.sla_due, case.sla_metric) == (first.due_at, M.FIRST_RESPONSE)
    assert case.nearest_due == first.due_at


def test_a_case_opened_on_friday_afternoon_is_due_on_monday(office, agent):
    with time_machine.travel(london(2026, 11, 27, 16, 30), tick=False):
        case = open_case(actor=agent, next_step_due=later(0))
    assert clock_of(case, M.FIRST_RESPONSE).due_at == london(2026, 11, 30, 9, 30)


def test_the_next_step_orders_the_queue_when_it_is_sooner_than_the_sla(office, agent, monday):
    soon = MONDAY_10 + dt.timedelta(minutes=20)
    case = fresh(open_case(actor=agent, next_step_due=soon))
    assert case.sla_due == london(2026, 11, 23, 11, 0)
    assert case.nearest_due == soon


def test_an_agents_call_is_the_first_response(office, agent, monday):
    case = open_case(actor=agent, next_step_due=later(0))
    monday.shift(dt.timedelta(minutes=25))
    log_call(agent, case)
    first = clock_of(case, M.FIRST_RESPONSE)
    assert first.met_at == MONDAY_10 + dt.timedelta(minutes=25)
    assert first.used_seconds == 25 * 60
    assert (first.due_at, first.warn_at, first.running_since) == (None, None, None)
    case = fresh(case)
    assert case.sla_metric == M.RESOLUTION
    assert case.sla_due == clock_of(case, M.RESOLUTION).due_at


def test_a_call_nobody_answered_is_not_a_response(office, agent, monday):
    case = open_case(actor=agent, next_step_due=later(0))
    log_call(agent, case, direction=Direction.OUTBOUND, disposition=Disposition.NO_ANSWER)
    first = clock_of(case, M.FIRST_RESPONSE)
    assert first.met_at is None
    assert first.due_at == london(2026, 11, 23, 11, 0)


def test_an_internal_note_is_not_a_response(office, agent, monday):
    case = open_case(actor=agent, next_step_due=later(0))
    case_add_note(actor=agent, case=case, body="Checked the logs")
    assert clock_of(case, M.FIRST_RESPONSE).met_at is None


def test_a_reply_from_the_agent_stops_the_next_response_clock(
    office, agent, customer_user, contact, monday
):
    case = open_case(actor=agent, contact=contact, next_step_due=later(0))
    case_add_note(actor=agent, case=case, body="Looking at it", visibility=NoteVisibility.PUBLIC)
    assert clock_of(case, M.FIRST_RESPONSE).met_at == MONDAY_10

    monday.shift(dt.timedelta(hours=1))
    case_add_note(
        actor=customer_user, case=case, body="Any news?", visibility=NoteVisibility.PUBLIC
    )
    following = clock_of(case, M.NEXT_RESPONSE)
    assert following.started_at == london(2026, 11, 23, 11, 0)
    assert following.due_at == london(2026, 11, 23, 13, 0)
    assert fresh(case).sla_metric == M.NEXT_RESPONSE

    monday.shift(dt.timedelta(minutes=40))
    case_add_note(actor=agent, case=case, body="Fixed it", visibility=NoteVisibility.PUBLIC)
    following = clock_of(case, M.NEXT_RESPONSE)
    assert following.met_at == london(2026, 11, 23, 11, 40)
    assert following.used_seconds == 40 * 60
    assert following.due_at is None
    assert fresh(case).sla_metric == M.RESOLUTION


def test_a_second_customer_message_before_a_reply_keeps_the_first_deadline(
    office, agent, customer_user, contact, monday
):
    case = open_case(actor=agent, contact=contact, next_step_due=later(0))
    case_add_note(actor=agent, case=case, body="On it", visibility=NoteVisibility.PUBLIC)
    case_add_note(actor=customer_user, case=case, body="Hello?", visibility=NoteVisibility.PUBLIC)
    due = clock_of(case, M.NEXT_RESPONSE).due_at
    monday.shift(dt.timedelta(minutes=30))
    case_add_note(actor=customer_user, case=case, body="Hello!!", visibility=NoteVisibility.PUBLIC)
    following = clock_of(case, M.NEXT_RESPONSE)
    assert following.due_at == due
    assert following.round == 1
    # After a reply, the next message starts a new round.
    case_add_note(actor=agent, case=case, body="Sorry", visibility=NoteVisibility.PUBLIC)
    case_add_note(actor=customer_user, case=case, body="Thanks", visibility=NoteVisibility.PUBLIC)
    assert clock_of(case, M.NEXT_RESPONSE).round == 2


def test_pausing_and_resuming_across_a_closed_weekend(office, agent, monday):
    with time_machine.travel(london(2026, 11, 27, 14, 0), tick=False) as friday:
        case = open_case(actor=agent, next_step_due=later(0))
        friday.shift(dt.timedelta(hours=2))  # Friday 16:00: 2 of the 8 hours used
        case_set_status(
            actor=agent,
            case=case,
            status=CaseStatus.PENDING_CUSTOMER,
            next_step="Wait for the logs",
            next_step_due=later(0),
        )
        resolution = clock_of(case, M.RESOLUTION)
        assert resolution.used_seconds == 2 * 3600
        assert resolution.paused_at == london(2026, 11, 27, 16, 0)
        assert resolution.due_at is None
        stored = fresh(case)
        assert stored.sla_due is None
        assert stored.sla_paused_since == london(2026, 11, 27, 16, 0)
        assert stored.nearest_due == stored.next_step_due

    # The customer answers on Monday at 08:00, before opening: the 6 h left count from 09:00.
    with time_machine.travel(london(2026, 11, 30, 8, 0), tick=False):
        case_set_status(actor=agent, case=case, status=CaseStatus.OPEN)
    resolution = clock_of(case, M.RESOLUTION)
    assert resolution.paused_at is None
    assert resolution.due_at == london(2026, 11, 30, 15, 0)
    assert resolution.pauses == [
        {
            "from": london(2026, 11, 27, 16, 0).isoformat(),
            "to": london(2026, 11, 30, 8, 0).isoformat(),
            "status": CaseStatus.PENDING_CUSTOMER,
        }
    ]


def test_a_policy_can_keep_the_clock_running_while_pending(office, agent, monday):
    office.pause_when_pending_third_party = False
    office.save()
    case = open_case(actor=agent, next_step_due=later(0))
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_THIRD_PARTY)
    resolution = clock_of(case, M.RESOLUTION)
    assert resolution.paused_at is None
    assert resolution.due_at == london(2026, 11, 24, 10, 0)


def test_raising_the_priority_shortens_the_deadline_from_the_time_used(office, agent, monday):
    case = open_case(actor=agent, next_step_due=later(0))
    monday.shift(dt.timedelta(minutes=10))
    case_update(actor=agent, case=case, priority=Priority.P1)
    first = clock_of(case, M.FIRST_RESPONSE)
    assert first.target_minutes == 15
    assert first.used_seconds == 10 * 60
    assert first.due_at == london(2026, 11, 23, 10, 15)
    assert fresh(case).sla_due == london(2026, 11, 23, 10, 15)


def test_a_team_with_another_policy_counts_on_in_its_own_calendar(
    office, agent, tier1_lead, tier2, monday
):
    around_the_clock = team_policy(tier2)
    with time_machine.travel(london(2026, 11, 27, 16, 30), tick=False) as friday:
        case = open_case(actor=agent, next_step_due=later(0))
        friday.shift(dt.timedelta(minutes=20))  # 20 of the 60 office minutes used
        case_assign(actor=tier1_lead, case=case, owner=None, team=tier2)
    first = clock_of(case, M.FIRST_RESPONSE)
    assert first.policy == around_the_clock
    assert first.target_minutes == 30
    assert first.used_seconds == 20 * 60
    # Ten minutes left on a 24/7 calendar: due at 17:00 on Friday, not on Monday.
    assert first.due_at == london(2026, 11, 27, 17, 0)


def test_a_plan_tier_policy_applies_only_to_that_tier(office, agent, organization, monday):
    premium = SlaPolicy.objects.create(
        name="Premium", calendar=office.calendar, match_plan_tier=PlanTier.PREMIUM, position=5
    )
    set_targets(premium, "P3", 30, 60, 240)
    free_case = open_case(actor=agent, organization=organization, next_step_due=later(0))
    assert clock_of(free_case, M.FIRST_RESPONSE).policy == office
    organization.plan_tier = PlanTier.PREMIUM
    organization.save()
    premium_case = open_case(actor=agent, organization=organization, next_step_due=later(0))
    first = clock_of(premium_case, M.FIRST_RESPONSE)
    assert (first.policy, first.due_at) == (premium, london(2026, 11, 23, 10, 30))


def test_resolving_stops_every_clock_and_reopening_resumes_resolution(office, agent, monday):
    case = open_case(actor=agent, next_step_due=later(0))
    monday.shift(dt.timedelta(hours=1))
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    first, resolution = clock_of(case, M.FIRST_RESPONSE), clock_of(case, M.RESOLUTION)
    assert first.met_at == resolution.met_at == london(2026, 11, 23, 11, 0)
    assert resolution.used_seconds == 3600
    assert fresh(case).nearest_due is None

    monday.shift(dt.timedelta(hours=1))
    case_set_status(
        actor=agent,
        case=case,
        status=CaseStatus.OPEN,
        next_step="Check it again",
        next_step_due=later(0),
    )
    resolution = clock_of(case, M.RESOLUTION)
    assert resolution.met_at is None
    # Seven of the eight hours are left, counted from the reopening at 12:00.
    assert resolution.due_at == london(2026, 11, 24, 11, 0)


def test_team_queue_and_take_next_follow_the_nearest_deadline_then_age(
    office, agent, tier1, monday
):
    low = open_case(actor=agent, owner=None, team=tier1, subject="Low", next_step_due=later(0))
    low = fresh(low)
    case_update(actor=agent, case=low, priority=Priority.P4)
    urgent = open_case(
        actor=agent,
        owner=None,
        team=tier1,
        subject="Urgent",
        priority=Priority.P1,
        next_step_due=later(0),
    )
    older = open_case(actor=agent, owner=None, team=tier1, subject="Same", next_step_due=later(0))
    newer = open_case(actor=agent, owner=None, team=tier1, subject="Same", next_step_due=later(0))
    order = [c.subject for c in queue_team(tier1).items]
    assert order[0] == "Urgent"
    assert [c.pk for c in queue_team(tier1).items][1:3] == [older.pk, newer.pk]
    member = agent
    Membership.objects.get_or_create(user=member, team=tier1)
    assert case_claim_next(actor=member, team=tier1).pk == urgent.pk
    assert case_claim_next(actor=member, team=tier1).pk == older.pk


def test_the_api_explains_each_deadline(office, agent, client):
    with time_machine.travel(london(2026, 11, 27, 16, 30), tick=False):
        case = open_case(actor=agent, next_step_due=later(0))
        client.force_login(agent)
        response = client.get(f"/api/v1/cases/{case.pk}/deadlines")
    assert response.status_code == 200
    first, resolution = response.json()
    assert (first["metric"], first["state"]) == (M.FIRST_RESPONSE, "running")
    assert first["due_at"] == "2026-11-30T09:30:00Z"
    assert first["target"] == "1 h"
    assert "London office" in first["calendar"]
    assert any("not counted (closed on Saturdays)" in line for line in first["why"])
    assert resolution["metric"] == M.RESOLUTION


def test_a_customer_reply_takes_the_case_off_pending_and_starts_the_clocks_again(
    office, agent, customer_user, contact, monday
):
    case = open_case(actor=agent, contact=contact, next_step_due=later(0))
    case_add_note(actor=agent, case=case, body="Send the logs?", visibility=NoteVisibility.PUBLIC)
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    assert clock_of(case, M.RESOLUTION).paused_at == MONDAY_10
    monday.shift(dt.timedelta(hours=1))
    case_add_note(actor=customer_user, case=case, body="Here", visibility=NoteVisibility.PUBLIC)
    case = fresh(case)
    assert case.status == CaseStatus.OPEN
    assert clock_of(case, M.RESOLUTION).running_since == london(2026, 11, 23, 11, 0)
    following = clock_of(case, M.NEXT_RESPONSE)
    assert (following.running_since, following.due_at) == (
        london(2026, 11, 23, 11, 0),
        london(2026, 11, 23, 13, 0),
    )
    [changed] = CaseEvent.objects.filter(
        case=case, type=EventType.STATUS_CHANGED, actor=customer_user
    )
    assert changed.reason == "The customer replied."


def test_an_inbound_message_from_intake_takes_the_case_off_pending(office, agent, contact, monday):
    case = open_case(actor=agent, contact=contact, next_step_due=later(0))
    case_add_note(actor=agent, case=case, body="Send the logs?", visibility=NoteVisibility.PUBLIC)
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    monday.shift(dt.timedelta(hours=1))
    log_call(None, case, channel="email", note="Logs attached")
    case = fresh(case)
    assert case.status == CaseStatus.OPEN
    assert clock_of(case, M.NEXT_RESPONSE).due_at == london(2026, 11, 23, 13, 0)
    [changed] = CaseEvent.objects.filter(case=case, type=EventType.STATUS_CHANGED, actor=None)
    assert (changed.before, changed.after) == (
        {"status": CaseStatus.PENDING_CUSTOMER},
        {"status": CaseStatus.OPEN},
    )
    assert changed.reason == "The customer replied."
