"""Sticky ownership: a customer's new contact stays with the owner, or goes to the team queue
when the owner is away or has left; and who may set someone away."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from followthrough.accounts.models import User
from followthrough.accounts.services import user_set_away
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, CaseEvent, Notification, SlaClock
from followthrough.cases.selectors import queue_team
from followthrough.cases.services import case_add_note, case_log_interaction
from followthrough.cases.states import Channel, Direction, Disposition, EventType, NoteVisibility
from followthrough.cases.tests.factories import in_hours, open_case
from followthrough.cases.tests.sla_fixtures import london, office, team_policy
from followthrough.core.errors import Forbidden
from followthrough.sla.models import SlaMetric

__all__ = ["office"]  # the fixture, imported so pytest finds it here


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def routed_events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, type=EventType.ROUTED).order_by("id"))


def notified(user: User, case: Case) -> list[Notification]:
    return list(Notification.objects.filter(user=user, case=case).order_by("id"))


def customer_writes(customer: User, case: Case, body: str = "Any news on this?") -> None:
    case_add_note(actor=customer, case=case, body=body, visibility=NoteVisibility.PUBLIC)


def email_arrives(case: Case) -> None:
    """A customer's email threaded onto the case by intake: the system logs it."""
    case_log_interaction(
        actor=None,
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        disposition=Disposition.INFORMATION_GIVEN,
        note="Customer replied: still broken after the reboot",
        started_at=timezone.now() - dt.timedelta(minutes=1),
        confirm_next_step=True,
    )


def set_away(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_away=True)


def test_a_customer_note_keeps_the_case_with_its_owner_and_tells_them(
    agent, tier1, tier1_lead, customer_user, contact
):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    customer_writes(customer_user, case)
    case = fresh(case)
    assert (case.owner, case.team) == (agent, tier1)
    assert routed_events(case) == []
    [note] = notified(agent, case)
    assert "got in touch again" in note.message
    assert notified(tier1_lead, case) == []


def test_a_customer_note_while_the_owner_is_away_goes_to_the_team_queue(
    agent, tier1, tier1_lead, customer_user, contact
):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    set_away(agent)
    customer_writes(customer_user, case)
    case = fresh(case)
    assert case.owner is None
    assert case.team == tier1
    [routed] = routed_events(case)
    assert routed.actor is None
    assert "Adam Agent is away" in routed.reason
    assert routed.before["owner"]["id"] == agent.pk
    assert routed.after == {"owner": None, "team": {"id": tier1.pk, "name": "Tier 1"}}
    [lead_note] = notified(tier1_lead, case)
    assert lead_note.event == routed
    assert "Adam Agent is away" in lead_note.message
    assert notified(agent, case) == []
    assert case.pk in [c.pk for c in queue_team(tier1).items]


def test_a_customer_note_on_a_case_of_someone_who_left_goes_to_the_team_queue(
    agent, tier1, tier1_lead, customer_user, contact
):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    User.objects.filter(pk=agent.pk).update(is_active=False)
    customer_writes(customer_user, case)
    case = fresh(case)
    assert (case.owner, case.team) == (None, tier1)
    [routed] = routed_events(case)
    assert "has left" in routed.reason
    assert len(notified(tier1_lead, case)) == 1


def test_an_away_owner_with_no_team_keeps_the_case(db, customer_user, contact):
    loner = UserFactory.create(first_name="Lone", last_name="Ranger")
    case = open_case(actor=loner, owner=loner, contact=contact)
    set_away(loner)
    customer_writes(customer_user, case)
    case = fresh(case)
    assert case.owner == loner
    assert case.team is None
    assert routed_events(case) == []
    assert len(notified(loner, case)) == 1


def test_an_inbound_email_logged_by_the_system_keeps_the_case_with_its_owner(
    agent, tier1, tier1_lead, contact
):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    email_arrives(case)
    case = fresh(case)
    assert case.owner == agent
    assert routed_events(case) == []
    assert len(notified(agent, case)) == 1


def test_an_inbound_email_while_the_owner_is_away_goes_to_the_team_queue(
    agent, tier1, tier1_lead, contact
):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    set_away(agent)
    email_arrives(case)
    case = fresh(case)
    assert (case.owner, case.team) == (None, tier1)
    [routed] = routed_events(case)
    assert routed.actor is None
    assert "Adam Agent is away" in routed.reason
    assert [n.event for n in notified(tier1_lead, case)] == [routed]
    assert case.pk in [c.pk for c in queue_team(tier1).items]


def test_an_agents_own_inbound_call_does_not_route_the_case(agent, agent2, tier1, contact):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    set_away(agent)
    # A colleague takes the customer's call: they are there, so nothing needs rerouting.
    case_log_interaction(
        actor=agent2,
        case=case,
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        disposition=Disposition.INFORMATION_GIVEN,
        note="Customer called; told them Adam is back tomorrow",
        started_at=timezone.now() - dt.timedelta(minutes=5),
        confirm_next_step=True,
    )
    assert fresh(case).owner == agent
    assert routed_events(case) == []


def test_an_away_owners_case_without_a_team_goes_to_their_primary_team(
    agent, tier1, tier1_lead, customer_user, contact
):
    case = open_case(actor=agent, owner=agent, contact=contact)
    set_away(agent)
    customer_writes(customer_user, case)
    case = fresh(case)
    assert (case.owner, case.team) == (None, tier1)
    assert len(notified(tier1_lead, case)) == 1


def test_the_routed_event_records_that_the_case_had_no_team_before(
    agent, tier1, customer_user, contact
):
    case = open_case(actor=agent, owner=agent, contact=contact)
    set_away(agent)
    customer_writes(customer_user, case)
    [routed] = routed_events(case)
    assert routed.before["team"] is None
    assert routed.after["team"]["id"] == tier1.pk


def test_a_case_routed_into_a_team_counts_under_that_teams_policy(
    office, agent, tier1, customer_user, contact
):
    around_the_clock = team_policy(tier1, name="Tier 1 around the clock")
    with time_machine.travel(london(2026, 11, 23, 10, 0), tick=False):
        case = open_case(actor=agent, owner=agent, contact=contact, next_step_due=in_hours(48))
        assert SlaClock.objects.get(case=case, metric=SlaMetric.RESOLUTION).policy == office
        set_away(agent)
        customer_writes(customer_user, case)
    assert fresh(case).team == tier1
    resolution = SlaClock.objects.get(case=case, metric=SlaMetric.RESOLUTION)
    assert resolution.policy == around_the_clock


def test_an_agent_sets_themselves_away_and_back(agent):
    user_set_away(actor=agent, user=agent, away=True)
    assert User.objects.get(pk=agent.pk).is_away is True
    user_set_away(actor=agent, user=agent, away=False)
    assert User.objects.get(pk=agent.pk).is_away is False


def test_an_agent_cannot_set_a_colleague_away(agent, agent2):
    with pytest.raises(Forbidden):
        user_set_away(actor=agent, user=agent2, away=True)
    assert User.objects.get(pk=agent2.pk).is_away is False


def test_a_lead_sets_an_agent_away(agent, tier1_lead):
    user_set_away(actor=tier1_lead, user=agent, away=True)
    assert User.objects.get(pk=agent.pk).is_away is True
