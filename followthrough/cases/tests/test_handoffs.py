"""Handoffs: the sender keeps the case until the receiver accepts; unaccepted ones go to a lead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Membership, TierLevel
from followthrough.accounts.tests.factories import TeamFactory, UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import CaseEvent, Handoff
from followthrough.cases.services import (
    case_set_status,
    handoff_accept,
    handoff_cancel,
    handoff_decline,
    handoff_escalate_unaccepted,
)
from followthrough.cases.states import CaseStatus, EventType, HandoffKind, HandoffStatus
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case
from followthrough.core.errors import ServiceError


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


# Each way of answering a handoff, called as (handoff, receiver, sender).
ANSWERS = {
    "accept": lambda h, receiver, sender: handoff_accept(actor=receiver, handoff=h),
    "decline": lambda h, receiver, sender: handoff_decline(actor=receiver, handoff=h, reason="No"),
    "cancel": lambda h, receiver, sender: handoff_cancel(actor=sender, handoff=h, reason="Done"),
    "escalate": lambda h, receiver, sender: handoff_escalate_unaccepted(
        actor=None, handoff=h, reason="Timed out"
    ),
}


# --- case_hand_off ------------------------------------------------------------------------


def test_hand_off_leaves_the_case_with_the_sender_until_accepted(agent, agent2, tier1):
    case = open_case(actor=agent, owner=agent, team=tier1)
    due = in_hours(6)

    handoff = hand_off(agent, case, to_user=agent2, next_step="Call the vendor", next_step_due=due)

    assert handoff.status == HandoffStatus.PENDING
    assert (handoff.from_user, handoff.from_team, handoff.to_user) == (agent, tier1, agent2)
    assert handoff.next_step == "Call the vendor"
    assert handoff.next_step_due == due
    case.refresh_from_db()
    assert case.owner == agent
    assert case.team == tier1
    assert case.next_step == "Call back with the driver fix"
    assert case.version == 2
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    event = last_event(case)
    assert event.type == EventType.HANDOFF_REQUESTED
    assert event.actor == agent
    assert event.handoff == handoff
    assert event.case_version == 2
    assert event.after == {
        "kind": HandoffKind.TRANSFER,
        "to_user": {"id": agent2.pk, "name": agent2.display_name},
        "to_team": None,
    }


def test_lead_may_hand_off_a_case_someone_else_owns(agent, tier1, tier1_lead, tier2):
    case = open_case(actor=agent, owner=agent, team=tier1)

    handoff = hand_off(tier1_lead, case, to_team=tier2)

    case.refresh_from_db()
    assert handoff.from_user == tier1_lead
    assert case.owner == agent
    assert case.agent_count == 2
    assert case.version == 2
    assert last_event(case).actor == tier1_lead


def test_team_member_may_hand_off_an_unowned_queue_case(agent, agent2, tier1, tier2):
    case = open_case(actor=agent, owner=None, team=tier1)

    handoff = hand_off(agent2, case, to_team=tier2)

    case.refresh_from_db()
    assert handoff.to_team == tier2
    assert case.owner is None
    assert case.agent_count == 2
    assert last_event(case).type == EventType.HANDOFF_REQUESTED


def test_tier_escalation_to_a_higher_tier_is_accepted(agent, tier1, tier2):
    case = open_case(actor=agent, owner=agent, team=tier1)

    handoff = hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2)

    assert handoff.kind == HandoffKind.TIER_ESCALATION
    assert handoff.to_team == tier2
    assert last_event(case).after["to_team"] == {"id": tier2.pk, "name": tier2.name}


def test_lead_escalation_without_a_receiver_goes_to_the_case_team_lead(agent, tier1, tier1_lead):
    case = open_case(actor=agent, owner=agent, team=tier1)

    handoff = hand_off(agent, case, kind=HandoffKind.LEAD_ESCALATION)

    assert handoff.to_user == tier1_lead
    assert handoff.to_team is None
    assert last_event(case).after["to_user"] == {
        "id": tier1_lead.pk,
        "name": tier1_lead.display_name,
    }


def test_lead_escalation_to_another_team_goes_to_that_team_lead(agent, tier1, tier2, tier2_lead):
    case = open_case(actor=agent, owner=agent, team=tier1)

    handoff = hand_off(agent, case, kind=HandoffKind.LEAD_ESCALATION, to_team=tier2)

    assert (handoff.to_user, handoff.to_team) == (tier2_lead, tier2)


@pytest.mark.parametrize(
    "blank",
    [
        ["summary"],
        ["tried"],
        ["promised"],
        ["next_step"],
        ["summary", "tried", "promised", "next_step"],
    ],
)
def test_hand_off_refused_when_the_summary_is_incomplete(agent, agent2, blank):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent2, **dict.fromkeys(blank, "  "))
    assert exc.value.code == CaseError.HANDOFF_INCOMPLETE
    assert exc.value.details["missing"] == blank
    assert case_state(case) == before


def test_hand_off_refused_when_the_next_step_is_too_long(agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent2, next_step="x" * 501)
    assert exc.value.code == CaseError.TEXT_TOO_LONG
    assert case_state(case) == before


@pytest.mark.parametrize(
    "due",
    [
        pytest.param(lambda: timezone.now() - dt.timedelta(minutes=1), id="past"),
        pytest.param(lambda: dt.datetime(2099, 1, 1, 9, 0), id="naive"),  # noqa: DTZ001
    ],
)
def test_hand_off_refused_when_the_next_step_is_not_a_future_time(agent, agent2, due):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent2, next_step_due=due())
    assert exc.value.code == CaseError.NEXT_STEP_IN_PAST
    assert case_state(case) == before


def test_hand_off_refused_without_the_capability(agent, customer_user, tier2):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(customer_user, case, to_team=tier2)
    assert exc.value.code == "forbidden"
    assert case_state(case) == before


def test_hand_off_refused_for_an_unknown_kind(agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent2, kind="sideways")
    assert exc.value.code == "invalid"
    assert case_state(case) == before


def test_hand_off_refused_on_a_stale_version(agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent2, expected_version=case.version - 1)
    assert exc.value.code == "stale_version"
    assert case_state(case) == before


def test_hand_off_refused_on_a_resolved_case(agent, agent2):
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent2)
    assert exc.value.code == CaseError.CASE_NOT_OPEN
    assert case_state(case) == before


def test_agent_cannot_hand_off_a_case_someone_else_owns(agent, agent2, tier1, tier2):
    case = open_case(actor=agent, owner=agent, team=tier1)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent2, case, to_team=tier2)
    assert exc.value.code == CaseError.NOT_CASE_OWNER
    assert case_state(case) == before


def test_non_member_cannot_hand_off_another_team_queue_case(agent, tier1, tier2_agent):
    case = open_case(actor=agent, owner=None, team=tier1)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(tier2_agent, case, to_user=agent)
    assert exc.value.code == CaseError.NOT_CASE_OWNER
    assert case_state(case) == before


def test_only_one_handoff_may_be_pending_per_case(agent, agent2, tier2):
    case = open_case(actor=agent)
    hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_team=tier2)
    assert exc.value.code == CaseError.HANDOFF_PENDING
    assert case_state(case) == before


@pytest.mark.parametrize("leaderless_team", [False, True])
def test_lead_escalation_refused_when_there_is_no_lead(agent, leaderless_team):
    team = TeamFactory.create(name="Night shift", lead=None) if leaderless_team else None
    case = open_case(actor=agent, owner=agent, team=team)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, kind=HandoffKind.LEAD_ESCALATION)
    assert exc.value.code == CaseError.NO_LEAD
    assert case_state(case) == before


def test_hand_off_refused_without_a_receiver(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case)
    assert exc.value.code == "invalid"
    assert case_state(case) == before


def test_hand_off_refused_to_a_customer(agent, customer_user):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=customer_user)
    assert exc.value.code == CaseError.OWNER_NOT_STAFF
    assert case_state(case) == before


def test_hand_off_refused_to_yourself(agent, tier2):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, to_user=agent, to_team=tier2)
    assert exc.value.code == CaseError.HANDOFF_TO_SELF
    assert case_state(case) == before


@pytest.mark.parametrize(
    ("case_tier", "target_tier"),
    [
        (TierLevel.TIER_1, TierLevel.TIER_1),
        (TierLevel.TIER_2, TierLevel.TIER_1),
        (TierLevel.TIER_1, TierLevel.FIELD),
        (TierLevel.TIER_1, None),  # to a person, with no team to climb to
    ],
)
def test_tier_escalation_refused_unless_the_target_tier_is_higher(
    agent, tier2_agent, case_tier, target_tier
):
    case = open_case(actor=agent, owner=agent, team=TeamFactory.create(tier=case_tier))
    to = {"to_user": tier2_agent} if target_tier is None else {}
    to_team = TeamFactory.create(tier=target_tier) if target_tier is not None else None
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=to_team, **to)
    assert exc.value.code == CaseError.TIER_NOT_HIGHER
    assert case_state(case) == before


# --- handoff_accept -----------------------------------------------------------------------


def test_named_receiver_accepting_becomes_owner_in_the_new_team(agent, tier1, tier2, tier2_agent):
    case = open_case(actor=agent, owner=agent, team=tier1)
    due = in_hours(8)
    handoff = hand_off(
        agent,
        case,
        kind=HandoffKind.TIER_ESCALATION,
        to_user=tier2_agent,
        to_team=tier2,
        next_step="Roll back the firmware remotely",
        next_step_due=due,
    )
    old_due = case.next_step_due
    assert old_due is not None

    case = handoff_accept(actor=tier2_agent, handoff=handoff)

    case.refresh_from_db()
    assert case.owner == tier2_agent
    assert case.team == tier2
    assert case.next_step == "Roll back the firmware remotely"
    assert case.next_step_due == due
    assert case.version == 3
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 2, 0)
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED
    assert handoff.responded_by == tier2_agent
    assert handoff.responded_at is not None
    event = last_event(case)
    assert event.type == EventType.HANDOFF_ACCEPTED
    assert event.actor == tier2_agent
    assert event.handoff == handoff
    assert event.before == {
        "owner": {"id": agent.pk, "name": agent.display_name},
        "team": {"id": tier1.pk, "name": tier1.name},
        "next_step": "Call back with the driver fix",
        "next_step_due": old_due.isoformat(),
    }
    assert event.after == {
        "owner": {"id": tier2_agent.pk, "name": tier2_agent.display_name},
        "team": {"id": tier2.pk, "name": tier2.name},
        "next_step": "Roll back the firmware remotely",
        "next_step_due": due.isoformat(),
    }


def test_any_member_may_accept_a_team_handoff_of_a_queue_case(agent, tier1, tier2, tier2_agent):
    case = open_case(actor=agent, owner=None, team=tier1)
    assert case.status == CaseStatus.NEW
    handoff = hand_off(agent, case, to_team=tier2)

    handoff_accept(actor=tier2_agent, handoff=handoff)

    case.refresh_from_db()
    assert case.owner == tier2_agent
    assert case.team == tier2
    assert case.status == CaseStatus.OPEN
    assert case.agent_count == 2
    assert case.version == 3
    assert last_event(case).type == EventType.HANDOFF_ACCEPTED


def test_accepting_a_person_handoff_keeps_the_case_team(agent, agent2, tier1):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(agent, case, to_user=agent2)

    handoff_accept(actor=agent2, handoff=handoff)

    case.refresh_from_db()
    assert (case.owner, case.team) == (agent2, tier1)


def test_non_member_cannot_accept_a_team_handoff(agent, agent2, tier2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_team=tier2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_accept(actor=agent2, handoff=handoff)
    assert exc.value.code == CaseError.HANDOFF_NOT_RECEIVER
    assert case_state(case) == before


def test_only_the_named_receiver_may_accept(agent, tier2, tier2_agent, tier2_lead):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=tier2_agent, to_team=tier2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_accept(actor=tier2_lead, handoff=handoff)
    assert exc.value.code == CaseError.HANDOFF_NOT_RECEIVER
    assert case_state(case) == before


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_customer_cannot_accept_or_decline_a_handoff(agent, customer_user, tier2, answer):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_team=tier2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        ANSWERS[answer](handoff, customer_user, agent)
    assert exc.value.code == "forbidden"
    assert case_state(case) == before


# --- handoff_decline ----------------------------------------------------------------------


def test_decline_needs_a_reason_and_leaves_the_case_with_the_sender(agent, agent2, tier1):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(agent, case, to_user=agent2)

    handoff_decline(actor=agent2, handoff=handoff, reason="  Not my product line  ")

    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DECLINED
    assert handoff.response_reason == "Not my product line"
    assert handoff.responded_by == agent2
    case.refresh_from_db()
    assert (case.owner, case.team) == (agent, tier1)
    assert case.version == 3
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    event = last_event(case)
    assert event.type == EventType.HANDOFF_DECLINED
    assert event.actor == agent2
    assert event.handoff == handoff
    assert event.reason == "Not my product line"
    # Declined is settled: a new handoff may be made.
    assert hand_off(agent, case, to_user=agent2).status == HandoffStatus.PENDING


def test_decline_refused_for_someone_who_is_not_the_receiver(agent, agent2, tier2_agent):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_decline(actor=tier2_agent, handoff=handoff, reason="Busy")
    assert exc.value.code == CaseError.HANDOFF_NOT_RECEIVER
    assert case_state(case) == before


# --- handoff_cancel -----------------------------------------------------------------------


@pytest.mark.parametrize("by_lead", [False, True])
def test_sender_or_lead_may_cancel_a_pending_handoff(agent, agent2, tier1_lead, by_lead):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    actor = tier1_lead if by_lead else agent

    handoff_cancel(actor=actor, handoff=handoff, reason="Customer called back, fixed")

    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CANCELLED
    assert handoff.responded_by == actor
    case.refresh_from_db()
    assert case.owner == agent
    assert case.version == 3
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    event = last_event(case)
    assert event.type == EventType.HANDOFF_CANCELLED
    assert event.actor == actor
    assert event.handoff == handoff
    assert event.reason == "Customer called back, fixed"


@pytest.mark.parametrize("answer", ["decline", "cancel"])
def test_decline_and_cancel_refused_without_a_reason(agent, agent2, answer):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        if answer == "decline":
            handoff_decline(actor=agent2, handoff=handoff, reason="   ")
        else:
            handoff_cancel(actor=agent, handoff=handoff, reason="")
    assert exc.value.code == CaseError.REASON_REQUIRED
    assert case_state(case) == before


def test_receiver_cannot_cancel_a_handoff(agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_cancel(actor=agent2, handoff=handoff, reason="Do not want it")
    assert exc.value.code == CaseError.HANDOFF_NOT_SENDER
    assert case_state(case) == before


# --- handoff_escalate_unaccepted ----------------------------------------------------------


def test_unaccepted_team_handoff_escalates_to_the_receiving_team_lead(
    agent, tier1, tier2, tier2_lead
):
    case = open_case(actor=agent, owner=agent, team=tier1)
    old = hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2)

    new = handoff_escalate_unaccepted(actor=None, handoff=old, reason="Not accepted in 2 hours")

    old.refresh_from_db()
    assert old.status == HandoffStatus.ESCALATED
    assert old.responded_by is None
    assert old.response_reason == "Not accepted in 2 hours"
    assert new.status == HandoffStatus.PENDING
    assert new.kind == HandoffKind.LEAD_ESCALATION
    assert (new.to_user, new.to_team) == (tier2_lead, tier2)
    assert new.escalated_from == old
    assert (new.from_user, new.from_team) == (agent, tier1)
    fields = ("summary", "tried", "promised", "next_step", "next_step_due")
    assert [getattr(new, f) for f in fields] == [getattr(old, f) for f in fields]
    case.refresh_from_db()
    assert (case.owner, case.team) == (agent, tier1)
    assert case.version == 3
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    event = last_event(case)
    assert event.type == EventType.HANDOFF_ESCALATED
    assert event.actor is None
    assert event.handoff == new
    assert event.reason == "Not accepted in 2 hours"
    assert event.before == {"to_user": None, "to_team": {"id": tier2.pk, "name": tier2.name}}
    assert event.after == {"to_user": {"id": tier2_lead.pk, "name": tier2_lead.display_name}}


def test_escalated_handoff_is_taken_by_the_lead_on_acceptance(agent, tier1, tier2, tier2_lead):
    case = open_case(actor=agent, owner=agent, team=tier1)
    old = hand_off(agent, case, to_team=tier2)
    new = handoff_escalate_unaccepted(actor=None, handoff=old, reason="Timed out")

    handoff_accept(actor=tier2_lead, handoff=new)

    case.refresh_from_db()
    assert (case.owner, case.team) == (tier2_lead, tier2)
    assert Handoff.objects.get(pk=new.pk).status == HandoffStatus.ACCEPTED


def test_unaccepted_person_handoff_escalates_to_the_case_team_lead(
    agent, agent2, tier1, tier1_lead
):
    case = open_case(actor=agent, owner=agent, team=tier1)
    old = hand_off(agent, case, to_user=agent2)

    new = handoff_escalate_unaccepted(actor=None, handoff=old, reason="Timed out")

    assert (new.to_user, new.to_team) == (tier1_lead, None)
    assert last_event(case).before["to_user"] == {"id": agent2.pk, "name": agent2.display_name}


def test_escalation_refused_when_the_receiving_team_has_no_lead(agent):
    leaderless = TeamFactory.create(name="Night shift", tier=TierLevel.TIER_2, lead=None)
    member = UserFactory.create(role=Role.AGENT)
    Membership.objects.create(user=member, team=leaderless)
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_team=leaderless)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_escalate_unaccepted(actor=None, handoff=handoff, reason="Timed out")
    assert exc.value.code == CaseError.NO_LEAD
    assert case_state(case) == before


def test_escalation_refused_when_the_lead_already_has_it(agent, tier1, tier1_lead):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(agent, case, kind=HandoffKind.LEAD_ESCALATION)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_escalate_unaccepted(actor=None, handoff=handoff, reason="Timed out")
    assert exc.value.code == CaseError.NO_LEAD
    assert case_state(case) == before


# --- answering a settled handoff -------------------------------------------------------


@pytest.mark.parametrize("first", ["accept", "decline", "cancel"])
@pytest.mark.parametrize("then", sorted(ANSWERS))
def test_a_settled_handoff_cannot_be_answered_again(agent, agent2, tier1, first, then):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(agent, case, to_user=agent2)
    ANSWERS[first](handoff, agent2, agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        ANSWERS[then](handoff, agent2, agent)
    assert exc.value.code == CaseError.HANDOFF_NOT_PENDING
    assert exc.value.details["handoff_status"] != HandoffStatus.PENDING
    assert case_state(case) == before


def test_escalation_refused_when_the_sender_is_the_lead(agent, tier1, tier1_lead):
    case = open_case(actor=tier1_lead, owner=tier1_lead, team=tier1)
    handoff = hand_off(tier1_lead, case, to_user=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        handoff_escalate_unaccepted(actor=None, handoff=handoff, reason="Timed out")
    assert exc.value.code == CaseError.NO_LEAD
    assert case_state(case) == before


def test_escalation_by_hand_is_for_the_sender_or_a_lead(agent, agent2, tier1, tier2, customer_user):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(agent, case, to_team=tier2)
    before = case_state(case)
    for outsider in (agent2, customer_user):
        with pytest.raises(ServiceError) as exc:
            handoff_escalate_unaccepted(actor=outsider, handoff=handoff, reason="Hurry")
        assert exc.value.code == CaseError.HANDOFF_NOT_SENDER
    assert case_state(case) == before
    escalation = handoff_escalate_unaccepted(actor=agent, handoff=handoff, reason="Hurry")
    assert escalation.escalated_from == handoff
    assert last_event(case).actor == agent
