"""case_open_from_call: a new case and the call that opened it, written together or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseAgent, CaseEvent, Interaction
from followthrough.cases.selectors import queue_unassigned
from followthrough.cases.services import case_open_from_call
from followthrough.cases.services.calls import RESOLVE_ON_CALL_STEP
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    Direction,
    Disposition,
    EventType,
    Priority,
)
from followthrough.cases.tests.factories import in_hours
from followthrough.core.errors import CommonError, ServiceError
from followthrough.customers.tests.factories import AssetFactory, ContactFactory


def _desk_state() -> dict[str, int]:
    """What a refused call must leave untouched: no case, contact, event or agent row."""
    return {
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "events": CaseEvent.objects.count(),
        "agents": CaseAgent.objects.count(),
    }


def _call(actor, contact, **kw):
    kw.setdefault("subject", "Printer offline after firmware update")
    kw.setdefault("note", "Printer shows offline since the update; power cycle did not help.")
    kw.setdefault("disposition", Disposition.NEXT_STEP_SET)
    kw.setdefault("started_at", timezone.now() - dt.timedelta(minutes=6))
    kw.setdefault("priority", Priority.P2)
    kw.setdefault("owner", actor)
    kw.setdefault("team", None)
    kw.setdefault("next_step", "Call back with the driver fix")
    kw.setdefault("next_step_due", in_hours(4))
    return case_open_from_call(actor=actor, contact=contact, **kw)


def _refused(code, actor, contact, **kw):
    before = _desk_state()
    with pytest.raises(ServiceError) as exc:
        _call(actor, contact, **kw)
    assert exc.value.code == code
    assert _desk_state() == before


def test_open_from_call_opens_the_case_and_logs_the_call(agent, tier1, contact):
    due = in_hours(4)
    started = timezone.now() - dt.timedelta(minutes=6)
    case = _call(
        agent, contact, team=tier1, next_step_due=due, started_at=started, category="Printing"
    )

    assert case.subject == "Printer offline after firmware update"
    assert (case.contact, case.organization) == (contact, contact.organization)
    assert (case.owner, case.team, case.status) == (agent, tier1, CaseStatus.OPEN)
    assert (case.next_step, case.next_step_due) == ("Call back with the driver fix", due)
    assert (case.priority, case.category, case.channel) == (Priority.P2, "Printing", Channel.PHONE)
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (1, 1, 0)
    assert case.version == 2  # opened at 1; the logged call bumps it

    [call] = Interaction.objects.filter(case=case)
    assert call.note.startswith("Printer shows offline")
    assert (call.channel, call.direction) == (Channel.PHONE, Direction.INBOUND)
    assert (call.disposition, call.agent, call.contact) == (
        Disposition.NEXT_STEP_SET,
        agent,
        contact,
    )
    assert call.started_at == started
    assert call.ended_at >= started

    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [e.type for e in events] == [
        EventType.OPENED,
        EventType.INTERACTION_LOGGED,
        EventType.NEXT_STEP_CONFIRMED,
    ]
    assert {e.actor for e in events} == {agent}
    assert events[0].after["next_step"] == "Call back with the driver fix"
    assert events[1].interaction == call
    assert events[1].after == {
        "channel": Channel.PHONE,
        "direction": Direction.INBOUND,
        "disposition": Disposition.NEXT_STEP_SET,
    }
    assert [e.case_version for e in events] == [1, 2, 2]


def test_open_from_call_resolved_on_the_call(agent, contact):
    case = _call(
        agent,
        contact,
        disposition=Disposition.RESOLVED,
        next_step="",
        next_step_due=None,
        resolve=True,
    )

    assert case.status == CaseStatus.RESOLVED
    assert (case.next_step, case.next_step_due) == ("", None)
    assert case.resolved_at is not None
    assert (case.interaction_count, case.agent_count) == (1, 1)
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [e.type for e in events] == [
        EventType.OPENED,
        EventType.INTERACTION_LOGGED,
        EventType.STATUS_CHANGED,
    ]
    assert events[0].after["next_step"] == RESOLVE_ON_CALL_STEP
    assert (events[2].before, events[2].after) == (
        {"status": CaseStatus.OPEN},
        {"status": CaseStatus.RESOLVED},
    )
    assert Interaction.objects.get(case=case).disposition == Disposition.RESOLVED


def test_open_from_call_into_the_team_queue(agent, tier1, contact):
    case = _call(agent, contact, owner=None, team=tier1)

    assert (case.owner, case.team) == (None, tier1)
    assert case.interaction_count == 1
    assert [c.pk for c in queue_unassigned(agent).items] == [case.pk]


def test_open_from_call_about_an_asset_without_a_named_caller(agent, organization):
    asset = AssetFactory.create(organization=organization, serial_number="ES48-0457")

    case = _call(agent, None, asset=asset)

    assert (case.organization, case.asset, case.contact) == (organization, asset, None)
    assert Interaction.objects.get(case=case).contact is None


def test_open_from_call_refused_without_a_note(agent, contact):
    _refused(CaseError.NOTE_REQUIRED, agent, contact, note="   ")


def test_open_from_call_refused_with_the_next_step_in_the_past(agent, contact):
    _refused(CaseError.NEXT_STEP_IN_PAST, agent, contact, next_step_due=in_hours(-1))


def test_open_from_call_refused_without_a_next_step(agent, contact):
    _refused(CaseError.NEXT_STEP_REQUIRED, agent, contact, next_step="")
    _refused(CaseError.NEXT_STEP_IN_PAST, agent, contact, next_step_due=None)


def test_open_from_call_refused_with_both_a_next_step_and_resolved(agent, contact):
    _refused(CaseError.NEXT_STEP_REQUIRED, agent, contact, resolve=True)


def test_open_from_call_refused_without_a_subject(agent, contact):
    _refused(CaseError.NOTE_REQUIRED, agent, contact, subject="")


def test_open_from_call_refused_without_owner_or_queue(agent, contact):
    _refused(CaseError.OWNER_OR_TEAM_REQUIRED, agent, contact, owner=None, team=None)


def test_open_from_call_refused_when_the_asset_is_another_customers(
    agent, contact, other_organization
):
    asset = AssetFactory.create(organization=other_organization)
    _refused(CaseError.CUSTOMER_MISMATCH, agent, contact, asset=asset)


def test_open_from_call_refused_without_a_caller_or_asset(agent):
    _refused(CommonError.INVALID, agent, None)


def test_open_from_call_refused_when_the_call_ends_before_it_started(agent, contact):
    # The refusal comes from logging the call, after the case was opened: all is undone.
    _refused(
        CommonError.INVALID,
        agent,
        contact,
        started_at=timezone.now() + dt.timedelta(minutes=5),
        ended_at=timezone.now(),
    )


def test_open_from_call_refused_with_an_unknown_disposition(agent, contact):
    _refused(CommonError.INVALID, agent, contact, disposition="hung_up_angrily")


def test_open_from_call_refused_for_a_portal_customer(customer_user, contact):
    _refused(CommonError.FORBIDDEN, customer_user, contact, owner=None, team=None)


def test_open_from_call_refused_when_the_owner_is_not_staff(agent, contact, customer_user):
    _refused(CaseError.OWNER_NOT_STAFF, agent, contact, owner=customer_user)


def test_open_from_call_keeps_the_other_contacts_apart(agent, contact):
    colleague = ContactFactory.create(organization=contact.organization, name="Colleague")
    case = _call(agent, colleague)
    assert Interaction.objects.get(case=case).contact == colleague
    assert case.contact == colleague
