"""Promises: made on an open case, counted on it, and kept, broken or cancelled with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import CaseEvent, Commitment
from followthrough.cases.services import (
    case_set_status,
    commitment_break,
    commitment_cancel,
    commitment_keep,
)
from followthrough.cases.states import (
    CaseStatus,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    EventType,
)
from followthrough.cases.tests.factories import case_state, in_hours, open_case, promise
from followthrough.core.errors import ServiceError


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


# Each way of settling a promise, called as (actor, commitment).
SETTLE = {
    "keep": lambda actor, c: commitment_keep(actor=actor, commitment=c, note="Called, done"),
    "break": lambda actor, c: commitment_break(actor=actor, commitment=c, reason="Line down"),
    "cancel": lambda actor, c: commitment_cancel(actor=actor, commitment=c, reason="Not needed"),
}


# --- commitment_add -----------------------------------------------------------------------


def test_add_records_the_promise_and_counts_it_open(agent, agent2):
    case = open_case(actor=agent)
    due = in_hours(3)

    commitment = promise(
        agent,
        case,
        owed_by=CommitmentParty.CUSTOMER,
        kind=CommitmentKind.PART_RETURN,
        description="  Return the faulty switch  ",
        due_at=due,
        owner=agent2,
    )

    assert commitment.status == CommitmentStatus.OPEN
    assert commitment.description == "Return the faulty switch"
    assert (commitment.owed_by, commitment.kind) == ("customer", "part_return")
    assert (commitment.owner, commitment.created_by, commitment.due_at) == (agent2, agent, due)
    case.refresh_from_db()
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 1)
    assert case.version == 2
    event = last_event(case)
    assert event.type == EventType.COMMITMENT_ADDED
    assert event.actor == agent
    assert event.commitment == commitment
    assert event.case_version == 2
    assert event.after == {
        "description": "Return the faulty switch",
        "owed_by": CommitmentParty.CUSTOMER,
        "kind": CommitmentKind.PART_RETURN,
        "due_at": due.isoformat(),
        "owner": {"id": agent2.pk, "name": agent2.display_name},
    }


def test_open_promise_count_goes_up_and_down(agent):
    case = open_case(actor=agent)
    promises = [promise(agent, case, description=f"Promise {i}") for i in range(3)]
    case.refresh_from_db()
    assert case.open_commitment_count == 3

    commitment_keep(actor=agent, commitment=promises[0])
    case.refresh_from_db()
    assert case.open_commitment_count == 2
    commitment_break(actor=agent, commitment=promises[1], reason="Vendor never answered")
    case.refresh_from_db()
    assert case.open_commitment_count == 1
    commitment_cancel(actor=agent, commitment=promises[2], reason="Customer fixed it")
    case.refresh_from_db()
    assert case.open_commitment_count == 0
    assert case.version == 7


@pytest.mark.parametrize(
    "due",
    [
        pytest.param(lambda: timezone.now() - dt.timedelta(minutes=5), id="past"),
        pytest.param(timezone.now, id="now"),
        pytest.param(lambda: dt.datetime(2099, 1, 1, 9, 0), id="naive"),  # noqa: DTZ001
        pytest.param(lambda: None, id="missing"),
    ],
)
def test_add_refused_when_due_is_not_in_the_future(agent, due):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        promise(agent, case, due_at=due())
    assert exc.value.code == CaseError.DUE_IN_PAST
    assert case_state(case) == before


def test_add_refused_on_a_resolved_case(agent):
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        promise(agent, case)
    assert exc.value.code == CaseError.CASE_NOT_OPEN
    assert case_state(case) == before


def test_add_refused_without_the_capability(agent, customer_user):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        promise(customer_user, case, owner=agent)
    assert exc.value.code == "forbidden"
    assert case_state(case) == before


@pytest.mark.parametrize(
    "bad", [{"owed_by": "neighbour"}, {"kind": "miracle"}], ids=["owed_by", "kind"]
)
def test_add_refused_for_an_unknown_party_or_kind(agent, bad):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        promise(agent, case, **bad)
    assert exc.value.code == "invalid"
    assert exc.value.details["field"] == next(iter(bad))
    assert case_state(case) == before


@pytest.mark.parametrize(
    ("description", "code"),
    [("   ", CaseError.NOTE_REQUIRED), ("x" * 501, CaseError.TEXT_TOO_LONG)],
    ids=["blank", "too_long"],
)
def test_add_refused_without_a_usable_description(agent, description, code):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        promise(agent, case, description=description)
    assert exc.value.code == code
    assert case_state(case) == before


def test_add_refused_when_the_owner_is_not_staff(agent, customer_user):
    case = open_case(actor=agent)
    inactive = UserFactory.create(is_active=False)
    before = case_state(case)
    for owner in (customer_user, inactive):
        with pytest.raises(ServiceError) as exc:
            promise(agent, case, owner=owner)
        assert exc.value.code == CaseError.OWNER_NOT_STAFF
    assert case_state(case) == before


def test_add_refused_on_a_stale_version(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        promise(agent, case, expected_version=case.version + 1)
    assert exc.value.code == "stale_version"
    assert case_state(case) == before


# --- commitment_keep / commitment_break / commitment_cancel -------------------------------


@pytest.mark.parametrize(
    ("verb", "status", "event_type", "reason"),
    [
        ("keep", CommitmentStatus.KEPT, EventType.COMMITMENT_KEPT, "Called, done"),
        ("break", CommitmentStatus.BROKEN, EventType.COMMITMENT_BROKEN, "Line down"),
        ("cancel", CommitmentStatus.CANCELLED, EventType.COMMITMENT_CANCELLED, "Not needed"),
    ],
)
def test_settling_a_promise_records_who_when_and_why(
    agent, agent2, verb, status, event_type, reason
):
    case = open_case(actor=agent)
    commitment = promise(agent, case)

    settled = SETTLE[verb](agent2, commitment)

    settled.refresh_from_db()
    assert settled.status == status
    assert settled.reason == reason
    assert settled.settled_by == agent2
    assert settled.settled_at is not None
    case.refresh_from_db()
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    assert case.version == 3
    event = last_event(case)
    assert event.type == event_type
    assert event.actor == agent2
    assert event.commitment == commitment
    assert event.reason == reason
    assert event.before == {"status": CommitmentStatus.OPEN}
    assert event.after == {"status": status, "late": False}


def test_keeping_without_a_note_is_allowed(agent):
    case = open_case(actor=agent)
    commitment = promise(agent, case)

    commitment_keep(actor=agent, commitment=commitment)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.KEPT
    assert commitment.reason == ""
    assert last_event(case).type == EventType.COMMITMENT_KEPT


@pytest.mark.parametrize("verb", sorted(SETTLE))
def test_settling_after_the_due_time_is_marked_late(agent, verb):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    # The promise fell due while nobody settled it (made due in the past by hand: the service
    # rightly refuses to make such a promise).
    Commitment.objects.filter(pk=commitment.pk).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )

    SETTLE[verb](agent, commitment)

    assert last_event(case).after["late"] is True


@pytest.mark.parametrize("verb", ["break", "cancel"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_break_and_cancel_refused_without_a_reason(agent, verb, reason):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    settle = commitment_break if verb == "break" else commitment_cancel
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        settle(actor=agent, commitment=commitment, reason=reason)
    assert exc.value.code == CaseError.REASON_REQUIRED
    assert case_state(case) == before


def test_keep_refused_with_a_note_too_long(agent):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        commitment_keep(actor=agent, commitment=commitment, note="x" * 100_001)
    assert exc.value.code == CaseError.TEXT_TOO_LONG
    assert case_state(case) == before


@pytest.mark.parametrize("first", sorted(SETTLE))
@pytest.mark.parametrize("then", sorted(SETTLE))
def test_settling_twice_is_refused(agent, first, then):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    SETTLE[first](agent, commitment)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        SETTLE[then](agent, commitment)
    assert exc.value.code == CaseError.COMMITMENT_NOT_OPEN
    assert exc.value.details["promise_status"] != CommitmentStatus.OPEN
    assert case_state(case) == before


@pytest.mark.parametrize("verb", sorted(SETTLE))
def test_settling_refused_without_the_capability(agent, customer_user, verb):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        SETTLE[verb](customer_user, commitment)
    assert exc.value.code == "forbidden"
    assert case_state(case) == before
