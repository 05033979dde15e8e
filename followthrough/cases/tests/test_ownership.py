"""case_assign, case_claim and case_claim_next: who owns a case, and who may take one."""

from __future__ import annotations

from typing import Any

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team, User
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseEvent, Handoff
from followthrough.cases.services import case_assign, case_claim, case_claim_next, case_set_status
from followthrough.cases.states import CaseStatus, EventType, HandoffStatus
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case
from followthrough.core.errors import CommonError, ServiceError


def _ref(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name}


def _team_ref(team: Team) -> dict[str, Any]:
    return {"id": team.pk, "name": team.name}


def _events_after(case: Case, version: int) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, case_version__gt=version).order_by("id"))


def _counters(case: Case) -> tuple[int, int, int]:
    return case.interaction_count, case.agent_count, case.open_commitment_count


# --- case_assign -------------------------------------------------------------------------


def test_lead_assigns_a_case_to_another_agent(
    agent: User, agent2: User, tier1: Team, tier1_lead: User
) -> None:
    case = open_case(actor=agent, team=tier1, owner=agent)

    returned = case_assign(
        actor=tier1_lead,
        case=case,
        owner=agent2,
        team=tier1,
        reason="Adam is on leave",
        expected_version=1,
    )

    case.refresh_from_db()
    assert (case.owner, case.team, case.status) == (agent2, tier1, CaseStatus.OPEN)
    assert case.version == returned.version == 2
    assert _counters(case) == (0, 1, 0)
    [event] = _events_after(case, 1)
    assert (event.type, event.actor, event.reason) == (
        EventType.ASSIGNED,
        tier1_lead,
        "Adam is on leave",
    )
    assert event.before == {"owner": _ref(agent), "team": _team_ref(tier1)}
    assert event.after == {"owner": _ref(agent2), "team": _team_ref(tier1)}


def test_assigning_a_queue_case_to_an_owner_opens_it(
    agent: User, tier1: Team, tier1_lead: User
) -> None:
    case = open_case(actor=None, team=tier1)

    case_assign(actor=tier1_lead, case=case, owner=agent, team=tier1)

    case.refresh_from_db()
    assert (case.owner, case.status, case.version) == (agent, CaseStatus.OPEN, 2)
    [event] = _events_after(case, 1)
    assert event.type == EventType.ASSIGNED
    assert event.before == {"owner": None, "team": _team_ref(tier1)}


def test_assigning_to_a_team_queue_without_owner(
    agent: User, tier2: Team, tier1_lead: User
) -> None:
    case = open_case(actor=agent)

    case_assign(actor=tier1_lead, case=case, owner=None, team=tier2)

    case.refresh_from_db()
    assert (case.owner, case.team) == (None, tier2)
    assert case.version == 2
    [event] = _events_after(case, 1)
    assert event.after == {"owner": None, "team": _team_ref(tier2)}


def test_dispatcher_may_assign(agent: User, agent2: User) -> None:
    dispatcher = UserFactory.create(role=Role.DISPATCHER)
    case = open_case(actor=agent)

    case_assign(actor=dispatcher, case=case, owner=agent2, team=None)

    case.refresh_from_db()
    assert case.owner == agent2
    assert _events_after(case, 1)[0].actor == dispatcher


def test_assign_cancels_a_pending_handoff(
    agent: User, agent2: User, tier2_agent: User, tier1_lead: User
) -> None:
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    case.refresh_from_db()
    version = case.version

    case_assign(actor=tier1_lead, case=case, owner=tier2_agent, team=None)

    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CANCELLED
    assert handoff.responded_by == tier1_lead
    assert handoff.responded_at is not None
    assert handoff.response_reason == "Superseded by an assignment."
    case.refresh_from_db()
    assert case.owner == tier2_agent
    assert case.version == version + 1
    events = _events_after(case, version)
    assert [(e.type, e.actor, e.case_version) for e in events] == [
        (EventType.HANDOFF_CANCELLED, tier1_lead, version + 1),
        (EventType.ASSIGNED, tier1_lead, version + 1),
    ]
    assert events[0].handoff == handoff


def test_assign_to_the_current_owner_and_team_changes_nothing(
    agent: User, tier1: Team, tier1_lead: User
) -> None:
    case = open_case(actor=agent, owner=agent, team=tier1)
    before = case_state(case)

    returned = case_assign(actor=tier1_lead, case=case, owner=agent, team=tier1)

    assert returned.version == 1
    assert case_state(case) == before


def _refused_assign(case: Case, actor: User, code: str, **kwargs: Any) -> None:
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_assign(actor=actor, case=case, **kwargs)
    assert exc.value.code == code
    assert case_state(case) == before


def test_agent_cannot_assign(agent: User, agent2: User) -> None:
    case = open_case(actor=agent)
    _refused_assign(case, agent, CommonError.FORBIDDEN, owner=agent2, team=None)


def test_assign_refused_to_nobody(agent: User, tier1_lead: User) -> None:
    case = open_case(actor=agent)
    _refused_assign(case, tier1_lead, CaseError.OWNER_OR_TEAM_REQUIRED, owner=None, team=None)


def test_assign_refused_to_a_customer(agent: User, tier1_lead: User, customer_user: User) -> None:
    case = open_case(actor=agent)
    _refused_assign(case, tier1_lead, CaseError.OWNER_NOT_STAFF, owner=customer_user, team=None)


def test_assign_refused_on_a_resolved_case(agent: User, agent2: User, tier1_lead: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    _refused_assign(case, tier1_lead, CaseError.CASE_NOT_OPEN, owner=agent2, team=None)


def test_assign_refused_with_a_stale_version(agent: User, agent2: User, tier1_lead: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    _refused_assign(
        case, tier1_lead, CommonError.STALE_VERSION, owner=agent2, team=None, expected_version=1
    )


def test_assign_refused_with_a_pending_handoff_leaves_it_pending(
    agent: User, agent2: User, tier1_lead: User
) -> None:
    case = open_case(actor=agent)
    hand_off(agent, case, to_user=agent2)
    _refused_assign(case, tier1_lead, CaseError.OWNER_OR_TEAM_REQUIRED, owner=None, team=None)
    assert Handoff.objects.get(case=case).status == HandoffStatus.PENDING


# --- case_claim --------------------------------------------------------------------------


def test_team_member_claims_a_queue_case(agent: User, tier1: Team) -> None:
    case = open_case(actor=None, team=tier1)

    returned = case_claim(actor=agent, case=case)

    case.refresh_from_db()
    assert (case.owner, case.team, case.status) == (agent, tier1, CaseStatus.OPEN)
    assert case.version == returned.version == 2
    assert _counters(case) == (0, 0, 0)
    [event] = _events_after(case, 1)
    assert (event.type, event.actor) == (EventType.CLAIMED, agent)
    assert (event.before, event.after) == ({"owner": None}, {"owner": _ref(agent)})


def test_claiming_a_pending_queue_case_keeps_its_status(
    agent: User, agent2: User, tier1: Team
) -> None:
    case = open_case(actor=None, team=tier1)
    case_set_status(actor=agent2, case=case, status=CaseStatus.PENDING_CUSTOMER)

    case_claim(actor=agent, case=case)

    case.refresh_from_db()
    assert (case.owner, case.status, case.version) == (agent, CaseStatus.PENDING_CUSTOMER, 3)


def test_lead_of_another_team_may_claim(tier1: Team, tier2_lead: User) -> None:
    case = open_case(actor=None, team=tier1)

    case_claim(actor=tier2_lead, case=case)

    case.refresh_from_db()
    assert case.owner == tier2_lead


def _refused_claim(case: Case, actor: User, code: str) -> ServiceError:
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_claim(actor=actor, case=case)
    assert exc.value.code == code
    assert case_state(case) == before
    return exc.value


def test_claim_refused_when_already_owned(agent: User, agent2: User, tier1: Team) -> None:
    case = open_case(actor=agent, owner=agent, team=tier1)
    error = _refused_claim(case, agent2, CaseError.ALREADY_OWNED)
    assert error.details["owner_id"] == agent.pk


def test_claim_refused_for_a_non_member(tier1: Team, tier2_agent: User) -> None:
    case = open_case(actor=None, team=tier1)
    _refused_claim(case, tier2_agent, CaseError.NOT_TEAM_MEMBER)


def test_claim_refused_when_the_case_is_not_open(agent: User, agent2: User, tier1: Team) -> None:
    case = open_case(actor=None, team=tier1)
    case_set_status(actor=agent2, case=case, status=CaseStatus.RESOLVED)
    _refused_claim(case, agent, CaseError.CASE_NOT_OPEN)


def test_customer_cannot_claim(tier1: Team, customer_user: User) -> None:
    case = open_case(actor=None, team=tier1)
    _refused_claim(case, customer_user, CommonError.FORBIDDEN)


# --- case_claim_next ---------------------------------------------------------------------


def test_claim_next_takes_the_earliest_due_unowned_case_of_the_team(
    agent: User, agent2: User, tier1: Team, tier2: Team
) -> None:
    later = open_case(actor=None, team=tier1, next_step_due=in_hours(5))
    soonest = open_case(actor=None, team=tier1, next_step_due=in_hours(2))
    last = open_case(actor=None, team=tier1, next_step_due=in_hours(8))
    # Sooner, but owned, of another team, or no longer open: never taken.
    open_case(actor=agent2, owner=agent2, team=tier1, next_step_due=in_hours(1))
    open_case(actor=None, team=tier2, next_step_due=in_hours(1))
    done = open_case(actor=None, team=tier1, next_step_due=in_hours(1))
    case_set_status(actor=agent2, case=done, status=CaseStatus.RESOLVED)

    taken = [case_claim_next(actor=agent, team=tier1).pk for _ in range(3)]

    assert taken == [soonest.pk, later.pk, last.pk]
    soonest.refresh_from_db()
    assert (soonest.owner, soonest.status, soonest.version) == (agent, CaseStatus.OPEN, 2)
    assert _counters(soonest) == (0, 0, 0)
    [event] = _events_after(soonest, 1)
    assert (event.type, event.actor) == (EventType.CLAIMED, agent)
    assert (event.before, event.after) == ({"owner": None}, {"owner": _ref(agent)})
    with pytest.raises(ServiceError) as exc:
        case_claim_next(actor=agent, team=tier1)
    assert exc.value.code == CaseError.QUEUE_EMPTY


def test_claim_next_breaks_a_tie_by_the_oldest_case(agent: User, tier1: Team) -> None:
    due = in_hours(3)
    first = open_case(actor=None, team=tier1, next_step_due=due)
    open_case(actor=None, team=tier1, next_step_due=due)

    assert case_claim_next(actor=agent, team=tier1).pk == first.pk


def _refused_claim_next(actor: User, team: Team, code: str, cases: list[Case]) -> None:
    before = [case_state(c) for c in cases]
    with pytest.raises(ServiceError) as exc:
        case_claim_next(actor=actor, team=team)
    assert exc.value.code == code
    assert [case_state(c) for c in cases] == before


def test_claim_next_refused_when_the_queue_is_empty(agent: User, tier1: Team) -> None:
    owned = open_case(actor=agent, owner=agent, team=tier1)
    resolved = open_case(actor=None, team=tier1)
    case_set_status(actor=agent, case=resolved, status=CaseStatus.RESOLVED)
    _refused_claim_next(agent, tier1, CaseError.QUEUE_EMPTY, [owned, resolved])


def test_claim_next_refused_for_a_non_member(tier1: Team, tier2_agent: User) -> None:
    queued = open_case(actor=None, team=tier1)
    _refused_claim_next(tier2_agent, tier1, CaseError.NOT_TEAM_MEMBER, [queued])


def test_customer_cannot_claim_next(tier1: Team, customer_user: User) -> None:
    queued = open_case(actor=None, team=tier1)
    _refused_claim_next(customer_user, tier1, CommonError.FORBIDDEN, [queued])
