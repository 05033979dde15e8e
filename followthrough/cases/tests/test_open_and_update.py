"""case_open and case_update: who may open a case, what it must carry, and detail changes."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team, User
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseAgent, CaseEvent
from followthrough.cases.services import case_open, case_set_status, case_update
from followthrough.cases.services._common import MAX_LONG_TEXT
from followthrough.cases.states import CaseStatus, Channel, EventType, Priority
from followthrough.cases.tests.factories import case_state, in_hours, open_case
from followthrough.core.errors import CommonError, ServiceError
from followthrough.customers.models import Contact, Organization
from followthrough.customers.tests.factories import AssetFactory, ContactFactory


def _totals() -> dict[str, int]:
    """What a refused case_open must leave untouched: no case, event or agent row created."""
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "agents": CaseAgent.objects.count(),
    }


def _events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("id"))


def _open_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "subject": "Switch drops packets",
        "channel": Channel.PHONE,
        "next_step": "Call back with the firmware notes",
        "next_step_due": in_hours(4),
    }
    kwargs.update(overrides)
    return kwargs


def _close(case: Case, actor: User) -> Case:
    case_set_status(actor=actor, case=case, status=CaseStatus.RESOLVED)
    return case_set_status(actor=actor, case=case, status=CaseStatus.CLOSED)


# --- case_open: success ------------------------------------------------------------------


def test_open_with_owner_is_open_and_records_the_opening(agent: User, contact: Contact) -> None:
    due = in_hours(4)
    case = case_open(actor=agent, owner=agent, contact=contact, **_open_kwargs(next_step_due=due))

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.owner == agent
    assert case.team is None
    assert case.organization == contact.organization
    assert case.contact == contact
    assert case.opened_by == agent
    assert (case.next_step, case.next_step_due) == ("Call back with the firmware notes", due)
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    assert case.version == 1
    assert list(CaseAgent.objects.filter(case=case).values_list("agent", flat=True)) == [agent.pk]
    [event] = _events(case)
    assert event.type == EventType.OPENED
    assert event.actor == agent
    assert event.case_version == 1
    assert event.before == {}
    assert event.after == {
        "subject": "Switch drops packets",
        "status": CaseStatus.OPEN,
        "priority": Priority.P3,
        "channel": Channel.PHONE,
        "owner": {"id": agent.pk, "name": agent.display_name},
        "team": None,
        "next_step": "Call back with the firmware notes",
        "next_step_due": due.isoformat(),
    }


def test_open_for_a_team_queue_is_new_and_unowned(agent: User, tier1: Team) -> None:
    case = case_open(actor=agent, team=tier1, **_open_kwargs(priority=Priority.P1))

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.owner is None
    assert case.team == tier1
    assert case.priority == Priority.P1
    assert case.agent_count == 1
    [event] = _events(case)
    assert event.type == EventType.OPENED
    assert event.after["owner"] is None
    assert event.after["team"] == {"id": tier1.pk, "name": tier1.name}
    assert event.after["status"] == CaseStatus.NEW


def test_open_for_someone_else_counts_the_opener_as_agent(agent: User, agent2: User) -> None:
    case = open_case(actor=agent, owner=agent2)

    case.refresh_from_db()
    assert case.owner == agent2
    assert case.agent_count == 1
    assert list(CaseAgent.objects.filter(case=case).values_list("agent", flat=True)) == [agent.pk]


def test_open_by_the_system_has_no_actor_and_no_agent(tier1: Team) -> None:
    case = open_case(actor=None, team=tier1, channel=Channel.ERROR_REPORT)

    case.refresh_from_db()
    assert case.opened_by is None
    assert case.agent_count == 0
    assert not CaseAgent.objects.filter(case=case).exists()
    [event] = _events(case)
    assert (event.type, event.actor) == (EventType.OPENED, None)


def test_portal_customer_opens_for_own_organization(
    customer_user: User, contact: Contact, tier1: Team
) -> None:
    case = open_case(actor=customer_user, team=tier1, contact=contact, channel=Channel.PORTAL)

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.organization == contact.organization
    assert case.opened_by == customer_user
    assert case.agent_count == 0
    [event] = _events(case)
    assert (event.type, event.actor) == (EventType.OPENED, customer_user)


def test_open_takes_the_organization_from_the_asset(
    agent: User, organization: Organization
) -> None:
    asset = AssetFactory.create(organization=organization)
    case = open_case(actor=agent, asset=asset)

    case.refresh_from_db()
    assert case.organization == organization
    assert case.asset == asset


def test_open_strips_subject_and_next_step(agent: User) -> None:
    case = open_case(actor=agent, subject="  VPN down  ", next_step="  Ring back  ")

    case.refresh_from_db()
    assert (case.subject, case.next_step) == ("VPN down", "Ring back")


# --- case_open: refusals -----------------------------------------------------------------


def _refused_open(actor: User | None, code: str, **kwargs: Any) -> None:
    before = _totals()
    with pytest.raises(ServiceError) as exc:
        case_open(actor=actor, **_open_kwargs(**kwargs))
    assert exc.value.code == code
    assert _totals() == before


def test_open_refused_without_owner_or_team(agent: User) -> None:
    _refused_open(agent, CaseError.OWNER_OR_TEAM_REQUIRED, owner=None, team=None)


def test_open_refused_when_owner_is_a_customer(agent: User, customer_user: User) -> None:
    _refused_open(agent, CaseError.OWNER_NOT_STAFF, owner=customer_user)


def test_open_refused_when_owner_is_inactive(agent: User) -> None:
    gone = UserFactory.create(role=Role.AGENT, is_active=False)
    _refused_open(agent, CaseError.OWNER_NOT_STAFF, owner=gone)


@pytest.mark.parametrize("step", ["", "   "])
def test_open_refused_without_next_step(agent: User, step: str) -> None:
    _refused_open(agent, CaseError.NEXT_STEP_REQUIRED, owner=agent, next_step=step)


def test_open_refused_with_next_step_due_in_the_past(agent: User) -> None:
    _refused_open(agent, CaseError.NEXT_STEP_IN_PAST, owner=agent, next_step_due=in_hours(-1))


def test_open_refused_with_next_step_due_without_time_zone(agent: User) -> None:
    naive = timezone.make_naive(in_hours(2))
    _refused_open(agent, CaseError.NEXT_STEP_IN_PAST, owner=agent, next_step_due=naive)


@pytest.mark.parametrize("subject", ["", "  \n "])
def test_open_refused_without_subject(agent: User, subject: str) -> None:
    _refused_open(agent, CaseError.NOTE_REQUIRED, owner=agent, subject=subject)


def test_open_refused_with_subject_too_long(agent: User) -> None:
    _refused_open(agent, CaseError.TEXT_TOO_LONG, owner=agent, subject="x" * 251)


def test_open_refused_with_description_too_long(agent: User) -> None:
    _refused_open(
        agent, CaseError.TEXT_TOO_LONG, owner=agent, description="x" * (MAX_LONG_TEXT + 1)
    )


def test_open_refused_with_unknown_channel(agent: User) -> None:
    _refused_open(agent, CommonError.INVALID, owner=agent, channel=cast(Channel, "fax"))


def test_open_refused_with_unknown_priority(agent: User) -> None:
    _refused_open(agent, CommonError.INVALID, owner=agent, priority=cast(Priority, "P9"))


def test_open_refused_when_contact_and_asset_belong_to_different_customers(
    agent: User, contact: Contact, other_organization: Organization
) -> None:
    asset = AssetFactory.create(organization=other_organization)
    _refused_open(agent, CaseError.CUSTOMER_MISMATCH, owner=agent, contact=contact, asset=asset)


def test_open_refused_when_contact_is_not_of_the_organization(
    agent: User, contact: Contact, other_organization: Organization
) -> None:
    _refused_open(
        agent,
        CaseError.CUSTOMER_MISMATCH,
        owner=agent,
        organization=other_organization,
        contact=contact,
    )


def test_technician_cannot_open_a_case(agent: User) -> None:
    technician = UserFactory.create(role=Role.TECHNICIAN)
    _refused_open(technician, CommonError.FORBIDDEN, owner=agent)


def test_inactive_agent_cannot_open_a_case(agent: User) -> None:
    gone = UserFactory.create(role=Role.AGENT, is_active=False)
    _refused_open(gone, CommonError.FORBIDDEN, owner=agent)


def test_portal_customer_cannot_open_for_another_organization(
    customer_user: User, tier1: Team, other_organization: Organization
) -> None:
    other_contact = ContactFactory.create(organization=other_organization)
    _refused_open(
        customer_user,
        CaseError.CUSTOMER_MISMATCH,
        team=tier1,
        contact=other_contact,
        channel=Channel.PORTAL,
    )


def test_portal_customer_cannot_open_without_a_customer(customer_user: User, tier1: Team) -> None:
    _refused_open(customer_user, CaseError.CUSTOMER_MISMATCH, team=tier1, channel=Channel.PORTAL)


# --- case_update: success ----------------------------------------------------------------


def test_update_records_only_the_changed_fields(agent: User) -> None:
    case = open_case(actor=agent, priority=Priority.P3, category="printing")

    updated = case_update(
        actor=agent,
        case=case,
        subject="Printer offline after firmware 2.1",
        priority=Priority.P2,
        category="printing",
        reason="Customer named the firmware",
        expected_version=1,
    )

    case.refresh_from_db()
    assert updated.version == case.version == 2
    assert case.subject == "Printer offline after firmware 2.1"
    assert case.priority == Priority.P2
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    event = _events(case)[-1]
    assert event.type == EventType.UPDATED
    assert event.actor == agent
    assert event.case_version == 2
    assert event.reason == "Customer named the firmware"
    assert event.before == {
        "subject": "Printer offline after firmware update",
        "priority": Priority.P3,
    }
    assert event.after == {"subject": "Printer offline after firmware 2.1", "priority": "P2"}


def test_update_sets_contact_and_takes_its_organization(agent: User, contact: Contact) -> None:
    case = open_case(actor=agent)
    assert case.organization is None

    case_update(actor=agent, case=case, contact=contact)

    case.refresh_from_db()
    assert case.contact == contact
    assert case.organization == contact.organization
    assert case.version == 2
    event = _events(case)[-1]
    assert event.type == EventType.UPDATED
    assert event.before == {"contact": None, "organization": None}
    assert event.after == {
        "contact": {"id": contact.pk, "name": str(contact)},
        "organization": {"id": contact.organization_id, "name": str(contact.organization)},
    }


def test_update_sets_asset_of_the_same_customer(agent: User, contact: Contact) -> None:
    case = open_case(actor=agent, contact=contact)
    asset = AssetFactory.create(organization=contact.organization)

    case_update(actor=agent, case=case, asset=asset)

    case.refresh_from_db()
    assert case.asset == asset
    assert case.version == 2
    event = _events(case)[-1]
    assert event.type == EventType.UPDATED
    assert set(event.after) == {"asset"}


def test_update_of_a_resolved_case_is_allowed(agent: User) -> None:
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)

    case_update(actor=agent, case=case, category="hardware")

    case.refresh_from_db()
    assert case.category == "hardware"
    assert case.status == CaseStatus.RESOLVED
    assert case.version == 3


def test_update_without_a_change_writes_nothing(agent: User) -> None:
    case = open_case(actor=agent, priority=Priority.P2)
    before = case_state(case)

    returned = case_update(actor=agent, case=case, subject=case.subject, priority=Priority.P2)

    assert returned.version == 1
    assert case_state(case) == before


# --- case_update: refusals ---------------------------------------------------------------


def _refused_update(case: Case, actor: User, code: str, **kwargs: Any) -> None:
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_update(actor=actor, case=case, **kwargs)
    assert exc.value.code == code
    assert case_state(case) == before


def test_update_refused_on_a_closed_case(agent: User) -> None:
    case = _close(open_case(actor=agent), agent)
    _refused_update(case, agent, CaseError.CASE_CLOSED, subject="Something else")


def test_update_refused_with_a_stale_version(agent: User) -> None:
    case = open_case(actor=agent)
    case_update(actor=agent, case=case, category="network")
    _refused_update(
        case, agent, CommonError.STALE_VERSION, subject="Something else", expected_version=1
    )


def test_update_refused_with_a_contact_of_another_customer(
    agent: User, contact: Contact, other_organization: Organization
) -> None:
    case = open_case(actor=agent, contact=contact)
    stranger = ContactFactory.create(organization=other_organization)
    _refused_update(case, agent, CaseError.CUSTOMER_MISMATCH, contact=stranger)


def test_update_refused_with_an_asset_of_another_customer(
    agent: User, contact: Contact, other_organization: Organization
) -> None:
    case = open_case(actor=agent, contact=contact)
    asset = AssetFactory.create(organization=other_organization)
    _refused_update(case, agent, CaseError.CUSTOMER_MISMATCH, asset=asset)


def test_update_refused_with_an_empty_subject(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_update(case, agent, CaseError.NOTE_REQUIRED, subject="   ")


def test_update_refused_with_a_description_too_long_keeps_other_changes_out(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_update(
        case,
        agent,
        CaseError.TEXT_TOO_LONG,
        subject="A new subject",
        description="x" * (MAX_LONG_TEXT + 1),
    )


def test_update_refused_with_an_unknown_priority(agent: User) -> None:
    case = open_case(actor=agent)
    _refused_update(case, agent, CommonError.INVALID, priority=cast(Priority, "P0"))


def test_customer_cannot_update_a_case(agent: User, customer_user: User, contact: Contact) -> None:
    case = open_case(actor=agent, contact=contact)
    _refused_update(case, customer_user, CommonError.FORBIDDEN, subject="Mine now")
