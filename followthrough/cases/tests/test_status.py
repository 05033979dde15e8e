"""case_set_status and the ALLOWED_TRANSITIONS table, each case brought there by services."""

from __future__ import annotations

from typing import Any, cast

import pytest

from followthrough.accounts.models import Team, User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.services import case_set_status, commitment_cancel
from followthrough.cases.states import ALLOWED_TRANSITIONS, CaseStatus, EventType
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.core.errors import CommonError, ServiceError

S = CaseStatus

ALLOWED = sorted((old, new) for old, targets in ALLOWED_TRANSITIONS.items() for new in targets)
REFUSED = sorted(
    (old, new)
    for old in CaseStatus.values
    for new in CaseStatus.values
    if new not in ALLOWED_TRANSITIONS[old]
)


def _case_in(status: str, agent: User, team: Team | None = None) -> Case:
    """A case in `status`, reached only through the services."""
    # Only a queue case (no owner) stays new; the others are opened owned by the agent.
    case = open_case(actor=agent, team=team if status == S.NEW else None)
    if status in {S.PENDING_CUSTOMER, S.PENDING_THIRD_PARTY, S.SCHEDULED, S.RESOLVED}:
        case = case_set_status(actor=agent, case=case, status=S(status))
    elif status == S.CLOSED:
        case_set_status(actor=agent, case=case, status=S.RESOLVED)
        case = case_set_status(actor=agent, case=case, status=S.CLOSED)
    case.refresh_from_db()
    assert case.status == status
    return case


def _last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


def _counters(case: Case) -> tuple[int, int, int]:
    return case.interaction_count, case.agent_count, case.open_commitment_count


def test_the_table_covers_every_status_and_closed_is_final() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(CaseStatus.values)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()
    assert all(
        new in CaseStatus.values for targets in ALLOWED_TRANSITIONS.values() for new in targets
    )
    assert len(ALLOWED) + len(REFUSED) == len(CaseStatus.values) ** 2


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{o}->{n}" for o, n in ALLOWED])
def test_allowed_transition(agent: User, tier1: Team, old: str, new: str) -> None:
    case = _case_in(old, agent, tier1)
    version, counters = case.version, _counters(case)
    step: dict[str, Any] = {}
    if old == S.RESOLVED and new != S.CLOSED:
        step = {"next_step": "Check the fix held", "next_step_due": in_hours(6)}

    returned = case_set_status(actor=agent, case=case, status=S(new), reason="Moving it on", **step)

    case.refresh_from_db()
    assert returned.status == case.status == new
    assert case.version == returned.version == version + 1
    assert _counters(case) == counters
    event = _last_event(case)
    assert (event.type, event.actor, event.case_version) == (
        EventType.STATUS_CHANGED,
        agent,
        version + 1,
    )
    assert event.before["status"] == old
    assert event.after["status"] == new
    assert event.reason == "Moving it on"
    if new in {S.RESOLVED, S.CLOSED}:
        assert (case.next_step, case.next_step_due) == ("", None)
    else:
        assert case.next_step and case.next_step_due is not None


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=[f"{o}->{n}" for o, n in REFUSED])
def test_refused_transition(agent: User, tier1: Team, old: str, new: str) -> None:
    case = _case_in(old, agent, tier1)
    before = case_state(case)

    with pytest.raises(ServiceError) as exc:
        case_set_status(
            actor=agent,
            case=case,
            status=S(new),
            next_step="Check the fix held",
            next_step_due=in_hours(6),
        )

    assert exc.value.code == CaseError.INVALID_TRANSITION
    assert exc.value.details["case_status"] == old
    assert exc.value.details["allowed"] == sorted(ALLOWED_TRANSITIONS[old])
    assert case_state(case) == before


# --- the effect of each kind of move -----------------------------------------------------


def test_resolve_clears_the_next_step_and_records_it(agent: User) -> None:
    case = open_case(actor=agent)
    due = case.next_step_due
    assert due is not None

    case_set_status(actor=agent, case=case, status=S.RESOLVED, expected_version=1)

    case.refresh_from_db()
    assert case.status == S.RESOLVED
    assert case.resolved_at is not None
    assert case.version == 2
    event = _last_event(case)
    assert event.before == {
        "status": S.OPEN,
        "next_step": "Call back with the driver fix",
        "next_step_due": due.isoformat(),
    }
    assert event.after == {"status": S.RESOLVED, "next_step": "", "next_step_due": None}


def test_resolve_after_every_promise_is_settled(agent: User) -> None:
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    commitment_cancel(actor=agent, commitment=commitment, reason="Customer fixed it himself")

    case_set_status(actor=agent, case=case, status=S.RESOLVED)

    case.refresh_from_db()
    assert case.status == S.RESOLVED
    assert case.open_commitment_count == 0


def test_close_records_when(agent: User) -> None:
    case = _case_in(S.RESOLVED, agent)

    case_set_status(actor=agent, case=case, status=S.CLOSED)

    case.refresh_from_db()
    assert case.closed_at is not None
    assert case.resolved_at is not None
    assert _last_event(case).after == {"status": S.CLOSED}


def test_reopen_sets_the_new_next_step(agent: User) -> None:
    case = _case_in(S.RESOLVED, agent)
    due = in_hours(10)

    case_set_status(
        actor=agent, case=case, status=S.OPEN, next_step="Check the fix held", next_step_due=due
    )

    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (S.OPEN, None)
    assert (case.next_step, case.next_step_due) == ("Check the fix held", due)
    event = _last_event(case)
    assert event.before == {"status": S.RESOLVED, "next_step": "", "next_step_due": None}
    assert event.after == {
        "status": S.OPEN,
        "next_step": "Check the fix held",
        "next_step_due": due.isoformat(),
    }


def test_pending_customer_keeps_the_next_step_unless_a_new_one_is_given(agent: User) -> None:
    case = open_case(actor=agent)
    step = (case.next_step, case.next_step_due)

    case_set_status(actor=agent, case=case, status=S.PENDING_CUSTOMER)

    case.refresh_from_db()
    assert (case.next_step, case.next_step_due) == step
    assert _last_event(case).after == {"status": S.PENDING_CUSTOMER}

    due = in_hours(72)
    case_set_status(
        actor=agent, case=case, status=S.OPEN, next_step="Chase the logs", next_step_due=due
    )

    case.refresh_from_db()
    assert (case.next_step, case.next_step_due) == ("Chase the logs", due)
    assert _last_event(case).after == {
        "status": S.OPEN,
        "next_step": "Chase the logs",
        "next_step_due": due.isoformat(),
    }


# --- refusals other than the table -------------------------------------------------------


def _refused(case: Case, actor: User, code: str, **kwargs: Any) -> ServiceError:
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_set_status(actor=actor, case=case, **kwargs)
    assert exc.value.code == code
    assert case_state(case) == before
    return exc.value


def test_resolve_refused_while_promise_open(agent: User) -> None:
    case = open_case(actor=agent)
    promise(agent, case)
    error = _refused(case, agent, CaseError.OPEN_PROMISES, status=S.RESOLVED)
    assert error.details["open_promises"] == 1


def test_resolve_refused_while_handoff_pending(agent: User, agent2: User) -> None:
    case = open_case(actor=agent)
    hand_off(agent, case, to_user=agent2)
    _refused(case, agent, CaseError.HANDOFF_PENDING, status=S.RESOLVED)


def test_reopen_refused_without_a_next_step(agent: User) -> None:
    case = _case_in(S.RESOLVED, agent)
    _refused(case, agent, CaseError.NEXT_STEP_REQUIRED, status=S.OPEN)


def test_reopen_refused_with_a_next_step_due_in_the_past(agent: User) -> None:
    case = _case_in(S.RESOLVED, agent)
    _refused(
        case,
        agent,
        CaseError.NEXT_STEP_IN_PAST,
        status=S.OPEN,
        next_step="Check",
        next_step_due=in_hours(-1),
    )


def test_status_change_refused_with_a_new_next_step_due_in_the_past(agent: User) -> None:
    case = open_case(actor=agent)
    _refused(
        case,
        agent,
        CaseError.NEXT_STEP_IN_PAST,
        status=S.SCHEDULED,
        next_step="Technician visit",
        next_step_due=in_hours(-1),
    )


def test_status_change_refused_with_an_unknown_status(agent: User) -> None:
    case = open_case(actor=agent)
    _refused(case, agent, CommonError.INVALID, status=cast(CaseStatus, "archived"))


def test_status_change_refused_with_a_stale_version(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=S.PENDING_CUSTOMER)
    _refused(case, agent, CommonError.STALE_VERSION, status=S.OPEN, expected_version=1)


def test_customer_cannot_change_the_status(agent: User, customer_user: User) -> None:
    case = open_case(actor=agent)
    _refused(case, customer_user, CommonError.FORBIDDEN, status=S.RESOLVED)
