"""case_log_interaction, case_add_note and case_set_next_step: working a case."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team, User
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseAgent, CaseEvent
from followthrough.cases.services import case_add_note, case_set_next_step, case_set_status
from followthrough.cases.services._common import MAX_LONG_TEXT, MAX_SHORT_TEXT
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    Direction,
    Disposition,
    EventType,
    NoteVisibility,
)
from followthrough.cases.tests.factories import (
    case_state,
    hand_off,
    in_hours,
    log_call,
    open_case,
    promise,
)
from followthrough.core.errors import CommonError, ServiceError
from followthrough.customers.models import Contact, Organization
from followthrough.customers.tests.factories import ContactFactory


def _events_after(case: Case, version: int) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, case_version__gt=version).order_by("id"))


def _make_overdue(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(next_step_due=timezone.now() - dt.timedelta(hours=1))


def _counters(case: Case) -> tuple[int, int, int]:
    case.refresh_from_db()
    return case.interaction_count, case.agent_count, case.open_commitment_count


# --- case_log_interaction: success -------------------------------------------------------


def test_contact_with_a_new_next_step(agent: User, contact: Contact) -> None:
    case = open_case(actor=agent, contact=contact)
    started = timezone.now() - dt.timedelta(minutes=20)
    ended = timezone.now() - dt.timedelta(minutes=5)
    due = in_hours(24)

    interaction = log_call(
        agent,
        case,
        disposition=Disposition.CALLBACK_PROMISED,
        note="  Driver reinstalled; waiting for a reboot.  ",
        started_at=started,
        ended_at=ended,
        next_step="Call back after the reboot",
        next_step_due=due,
        expected_version=1,
    )

    interaction.refresh_from_db()
    assert interaction.note == "Driver reinstalled; waiting for a reboot."
    assert (interaction.agent, interaction.contact) == (agent, contact)
    assert (interaction.started_at, interaction.ended_at) == (started, ended)
    assert interaction.disposition == Disposition.CALLBACK_PROMISED
    assert _counters(case) == (1, 1, 0)
    assert (case.next_step, case.next_step_due) == ("Call back after the reboot", due)
    assert case.version == 2
    logged, step = _events_after(case, 1)
    assert (logged.type, logged.actor, logged.interaction) == (
        EventType.INTERACTION_LOGGED,
        agent,
        interaction,
    )
    assert logged.after == {
        "channel": Channel.PHONE,
        "direction": Direction.INBOUND,
        "disposition": Disposition.CALLBACK_PROMISED,
    }
    assert (step.type, step.actor, step.case_version) == (EventType.NEXT_STEP_SET, agent, 2)
    assert step.before["next_step"] == "Call back with the driver fix"
    assert step.after == {
        "next_step": "Call back after the reboot",
        "next_step_due": due.isoformat(),
    }


def test_contact_confirming_the_next_step(agent: User) -> None:
    case = open_case(actor=agent)
    step_before = (case.next_step, case.next_step_due)

    interaction = log_call(agent, case, confirm_next_step=True)

    assert interaction.ended_at is not None
    assert _counters(case) == (1, 1, 0)
    assert (case.next_step, case.next_step_due) == step_before
    assert case.version == 2
    logged, confirmed = _events_after(case, 1)
    assert logged.type == EventType.INTERACTION_LOGGED
    assert (confirmed.type, confirmed.actor) == (EventType.NEXT_STEP_CONFIRMED, agent)
    assert confirmed.after["next_step"] == case.next_step


def test_contact_resolving_the_case(agent: User) -> None:
    case = open_case(actor=agent)

    interaction = log_call(agent, case, disposition=Disposition.RESOLVED, resolve=True)

    assert _counters(case) == (1, 1, 0)
    assert case.status == CaseStatus.RESOLVED
    assert (case.next_step, case.next_step_due) == ("", None)
    assert case.resolved_at is not None
    assert case.version == 2
    logged, status = _events_after(case, 1)
    assert logged.type == EventType.INTERACTION_LOGGED
    assert (status.type, status.actor, status.interaction) == (
        EventType.STATUS_CHANGED,
        agent,
        interaction,
    )
    assert (status.before, status.after) == (
        {"status": CaseStatus.OPEN},
        {"status": CaseStatus.RESOLVED},
    )


def test_contact_on_a_resolved_case_reopens_it_with_a_new_next_step(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)

    log_call(agent, case, next_step="Check the fix held", next_step_due=in_hours(8))

    assert _counters(case) == (1, 1, 0)
    assert case.status == CaseStatus.OPEN
    assert case.resolved_at is None
    assert case.next_step == "Check the fix held"
    assert case.version == 3
    types = [e.type for e in _events_after(case, 2)]
    assert types == [
        EventType.INTERACTION_LOGGED,
        EventType.NEXT_STEP_SET,
        EventType.STATUS_CHANGED,
    ]
    reopened = _events_after(case, 2)[-1]
    assert (reopened.before, reopened.after) == (
        {"status": CaseStatus.RESOLVED},
        {"status": CaseStatus.OPEN},
    )


def test_agent_contact_on_a_queue_case_opens_it(agent: User, tier1: Team) -> None:
    case = open_case(actor=None, team=tier1)

    log_call(agent, case, confirm_next_step=True)

    assert _counters(case) == (1, 1, 0)
    assert case.status == CaseStatus.OPEN
    assert case.owner is None
    status = _events_after(case, 1)[-1]
    assert (status.type, status.before, status.after) == (
        EventType.STATUS_CHANGED,
        {"status": CaseStatus.NEW},
        {"status": CaseStatus.OPEN},
    )


def test_system_contact_leaves_a_queue_case_new_and_counts_no_agent(tier1: Team) -> None:
    case = open_case(actor=None, team=tier1)

    interaction = log_call(None, case, channel=Channel.ERROR_REPORT, confirm_next_step=True)

    assert interaction.agent is None
    assert _counters(case) == (1, 0, 0)
    assert case.status == CaseStatus.NEW
    assert [(e.type, e.actor) for e in _events_after(case, 1)] == [
        (EventType.INTERACTION_LOGGED, None),
        (EventType.NEXT_STEP_CONFIRMED, None),
    ]


def test_contact_records_another_contact_of_the_same_customer(
    agent: User, contact: Contact
) -> None:
    case = open_case(actor=agent, contact=contact)
    colleague = ContactFactory.create(organization=contact.organization)

    interaction = log_call(agent, case, contact=colleague, confirm_next_step=True)

    assert interaction.contact == colleague


def test_agent_count_counts_distinct_agents(agent: User, agent2: User, tier1: Team) -> None:
    case = open_case(actor=None, team=tier1)

    log_call(agent, case, confirm_next_step=True)
    log_call(agent, case, confirm_next_step=True)
    assert _counters(case) == (2, 1, 0)

    log_call(agent2, case, confirm_next_step=True)
    assert _counters(case) == (3, 2, 0)

    case_add_note(actor=agent2, case=case, body="Same fault on the second printer.")
    case_add_note(actor=agent, case=case, body="Firmware rollback scheduled.")
    assert _counters(case) == (3, 2, 0)
    assert set(CaseAgent.objects.filter(case=case).values_list("agent", flat=True)) == {
        agent.pk,
        agent2.pk,
    }


# --- case_log_interaction: refusals ------------------------------------------------------


def _refused_log(case: Case, actor: User | None, code: str, **kwargs: Any) -> None:
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        log_call(actor, case, **kwargs)
    assert exc.value.code == code
    assert case_state(case) == before


@pytest.mark.parametrize("note", ["", "  \n\t "])
def test_contact_refused_without_a_note(agent: User, note: str) -> None:
    case = open_case(actor=agent)
    _refused_log(case, agent, CaseError.NOTE_REQUIRED, note=note, confirm_next_step=True)


def test_contact_refused_with_a_note_too_long(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_log(
        case, agent, CaseError.TEXT_TOO_LONG, note="x" * (MAX_LONG_TEXT + 1), confirm_next_step=True
    )


def test_contact_refused_without_an_outcome(agent: User) -> None:
    case = open_case(actor=agent)
    # False is the service's default: the contact names no outcome (log_call would confirm).
    _refused_log(case, agent, CaseError.NEXT_STEP_REQUIRED, confirm_next_step=False)


@pytest.mark.parametrize(
    "outcomes",
    [
        {"next_step": "Ring back", "next_step_due": in_hours(2), "confirm_next_step": True},
        {"next_step": "Ring back", "next_step_due": in_hours(2), "resolve": True},
        {"confirm_next_step": True, "resolve": True},
        {"next_step_due": in_hours(2), "confirm_next_step": True},
    ],
    ids=["new-and-confirm", "new-and-resolve", "confirm-and-resolve", "due-and-confirm"],
)
def test_contact_refused_with_two_outcomes(agent: User, outcomes: dict[str, Any]) -> None:
    case = open_case(actor=agent)
    _refused_log(case, agent, CaseError.NEXT_STEP_REQUIRED, **outcomes)


def test_contact_refused_with_a_due_time_but_no_next_step(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_log(case, agent, CaseError.NEXT_STEP_REQUIRED, next_step_due=in_hours(2))


def test_contact_refused_with_a_next_step_but_no_due_time(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_log(case, agent, CaseError.NEXT_STEP_IN_PAST, next_step="Ring back")


def test_contact_refused_with_a_next_step_due_in_the_past(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_log(
        case, agent, CaseError.NEXT_STEP_IN_PAST, next_step="Ring back", next_step_due=in_hours(-1)
    )


def test_contact_refused_confirming_an_overdue_next_step(agent: User) -> None:
    case = open_case(actor=agent)
    _make_overdue(case)
    _refused_log(case, agent, CaseError.NEXT_STEP_OVERDUE, confirm_next_step=True)


def test_contact_refused_confirming_on_a_resolved_case(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    _refused_log(case, agent, CaseError.NEXT_STEP_REQUIRED, confirm_next_step=True)


def test_contact_refused_resolving_with_an_open_promise(agent: User) -> None:
    case = open_case(actor=agent)
    promise(agent, case)
    _refused_log(case, agent, CaseError.OPEN_PROMISES, resolve=True)


def test_contact_refused_resolving_with_a_pending_handoff(agent: User, agent2: User) -> None:
    case = open_case(actor=agent)
    hand_off(agent, case, to_user=agent2)
    _refused_log(case, agent, CaseError.HANDOFF_PENDING, resolve=True)


def test_contact_refused_resolving_a_resolved_case(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    _refused_log(case, agent, CaseError.INVALID_TRANSITION, resolve=True)


def test_contact_refused_on_a_closed_case(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    _refused_log(
        case, agent, CaseError.CASE_CLOSED, next_step="Ring back", next_step_due=in_hours(2)
    )


def test_contact_refused_with_a_contact_of_another_customer(
    agent: User, contact: Contact, other_organization: Organization
) -> None:
    case = open_case(actor=agent, contact=contact)
    stranger = ContactFactory.create(organization=other_organization)
    _refused_log(case, agent, CaseError.CUSTOMER_MISMATCH, contact=stranger, confirm_next_step=True)


def test_contact_refused_with_a_stale_version(agent: User) -> None:
    case = open_case(actor=agent)
    case_add_note(actor=agent, case=case, body="Checked the logs.")
    _refused_log(case, agent, CommonError.STALE_VERSION, confirm_next_step=True, expected_version=1)


def test_contact_refused_ending_before_it_started(agent: User) -> None:
    case = open_case(actor=agent)
    start = timezone.now() - dt.timedelta(minutes=5)
    _refused_log(
        case,
        agent,
        CommonError.INVALID,
        started_at=start,
        ended_at=start - dt.timedelta(minutes=1),
        confirm_next_step=True,
    )


@pytest.mark.parametrize("field", ["channel", "direction", "disposition"])
def test_contact_refused_with_an_unknown_choice(agent: User, field: str) -> None:
    case = open_case(actor=agent)
    _refused_log(case, agent, CommonError.INVALID, confirm_next_step=True, **{field: "carrier"})


def test_customer_cannot_log_a_contact(agent: User, customer_user: User, contact: Contact) -> None:
    case = open_case(actor=agent, contact=contact)
    _refused_log(case, customer_user, CommonError.FORBIDDEN, confirm_next_step=True)


# --- case_add_note -----------------------------------------------------------------------


def test_agent_adds_an_internal_note(agent: User, agent2: User) -> None:
    case = open_case(actor=agent)

    note = case_add_note(actor=agent2, case=case, body="  Seen this before: bad cable.  ")

    note.refresh_from_db()
    assert (note.body, note.author, note.visibility) == (
        "Seen this before: bad cable.",
        agent2,
        NoteVisibility.INTERNAL,
    )
    assert _counters(case) == (0, 2, 0)
    assert case.version == 2
    [event] = _events_after(case, 1)
    assert (event.type, event.actor, event.note) == (EventType.NOTE_ADDED, agent2, note)
    assert event.after == {"visibility": NoteVisibility.INTERNAL}
    assert event.case_version == 2


def test_portal_customer_adds_a_public_note(
    agent: User, customer_user: User, contact: Contact
) -> None:
    case = open_case(actor=agent, contact=contact)

    note = case_add_note(
        actor=customer_user,
        case=case,
        body="It failed again this morning.",
        visibility=NoteVisibility.PUBLIC,
        expected_version=1,
    )

    assert note.visibility == NoteVisibility.PUBLIC
    assert _counters(case) == (0, 1, 0)
    assert case.version == 2
    [event] = _events_after(case, 1)
    assert (event.type, event.actor, event.after) == (
        EventType.NOTE_ADDED,
        customer_user,
        {"visibility": NoteVisibility.PUBLIC},
    )


def _refused_note(case: Case, actor: User, code: str, **kwargs: Any) -> None:
    kwargs.setdefault("body", "A note")
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_add_note(actor=actor, case=case, **kwargs)
    assert exc.value.code == code
    assert case_state(case) == before


def test_portal_customer_cannot_add_an_internal_note(
    agent: User, customer_user: User, contact: Contact
) -> None:
    case = open_case(actor=agent, contact=contact)
    _refused_note(
        case,
        customer_user,
        CaseError.PORTAL_NOTE_MUST_BE_PUBLIC,
        visibility=NoteVisibility.INTERNAL,
    )


@pytest.mark.parametrize("body", ["", "   "])
def test_note_refused_without_a_body(agent: User, body: str) -> None:
    case = open_case(actor=agent)
    _refused_note(case, agent, CaseError.NOTE_REQUIRED, body=body)


def test_note_refused_when_too_long(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_note(case, agent, CaseError.TEXT_TOO_LONG, body="x" * (MAX_LONG_TEXT + 1))


def test_note_refused_with_an_unknown_visibility(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_note(case, agent, CommonError.INVALID, visibility=cast(NoteVisibility, "secret"))


def test_note_refused_with_a_stale_version(agent: User) -> None:
    case = open_case(actor=agent)
    case_add_note(actor=agent, case=case, body="First")
    _refused_note(case, agent, CommonError.STALE_VERSION, expected_version=1)


def test_inactive_agent_cannot_add_a_note(agent: User) -> None:
    case = open_case(actor=agent)
    gone = UserFactory.create(role=Role.AGENT, is_active=False)
    _refused_note(case, gone, CommonError.FORBIDDEN)


# --- case_set_next_step ------------------------------------------------------------------


def test_set_next_step(agent: User, agent2: User) -> None:
    case = open_case(actor=agent)
    old_due = case.next_step_due
    assert old_due is not None
    due = in_hours(30)

    returned = case_set_next_step(
        actor=agent2, case=case, next_step="  Ship a spare PSU ", next_step_due=due
    )

    assert returned.version == 2
    assert _counters(case) == (0, 1, 0)
    assert (case.next_step, case.next_step_due) == ("Ship a spare PSU", due)
    assert case.version == 2
    [event] = _events_after(case, 1)
    assert (event.type, event.actor) == (EventType.NEXT_STEP_SET, agent2)
    assert event.before == {
        "next_step": "Call back with the driver fix",
        "next_step_due": old_due.isoformat(),
    }
    assert event.after == {"next_step": "Ship a spare PSU", "next_step_due": due.isoformat()}


def test_set_next_step_replaces_an_overdue_one(agent: User) -> None:
    case = open_case(actor=agent)
    _make_overdue(case)

    case_set_next_step(actor=agent, case=case, next_step="Try again", next_step_due=in_hours(1))

    case.refresh_from_db()
    assert case.next_step == "Try again"
    assert case.version == 2


def _refused_step(case: Case, actor: User, code: str, **kwargs: Any) -> None:
    kwargs.setdefault("next_step", "Ring back")
    kwargs.setdefault("next_step_due", in_hours(2))
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_set_next_step(actor=actor, case=case, **kwargs)
    assert exc.value.code == code
    assert case_state(case) == before


@pytest.mark.parametrize("step", ["", "  "])
def test_set_next_step_refused_when_empty(agent: User, step: str) -> None:
    case = open_case(actor=agent)
    _refused_step(case, agent, CaseError.NEXT_STEP_REQUIRED, next_step=step)


def test_set_next_step_refused_when_too_long(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_step(case, agent, CaseError.TEXT_TOO_LONG, next_step="x" * (MAX_SHORT_TEXT + 1))


def test_set_next_step_refused_when_due_in_the_past(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_step(case, agent, CaseError.NEXT_STEP_IN_PAST, next_step_due=in_hours(-2))


def test_set_next_step_refused_on_a_resolved_case(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    _refused_step(case, agent, CaseError.CASE_NOT_OPEN)


def test_set_next_step_refused_with_a_stale_version(agent: User) -> None:
    case = open_case(actor=agent)
    case_add_note(actor=agent, case=case, body="Checked")
    _refused_step(case, agent, CommonError.STALE_VERSION, expected_version=1)


def test_customer_cannot_set_the_next_step(
    agent: User, customer_user: User, contact: Contact
) -> None:
    case = open_case(actor=agent, contact=contact)
    _refused_step(case, customer_user, CommonError.FORBIDDEN)
