"""access_* helpers: who may see a case, and the same answer for missing and forbidden."""

from __future__ import annotations

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.access import (
    access_case,
    access_commitment,
    access_decision,
    access_handoff,
    visible_cases,
)
from followthrough.cases.services import case_add_note, case_open, decision_record
from followthrough.cases.states import Channel, NoteVisibility
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.core.errors import NotFound, ServiceError
from followthrough.customers.tests.factories import ContactFactory


@pytest.mark.parametrize(
    "role", [Role.AGENT, Role.LEAD, Role.DISPATCHER, Role.TECHNICIAN, Role.ADMIN]
)
def test_staff_roles_see_any_case(agent, contact, role):
    case = open_case(actor=agent, contact=contact)
    viewer = UserFactory.create(role=role)
    assert access_case(viewer, case.pk) == case


def test_customer_sees_only_own_organisations_cases(agent, contact, customer_user):
    own = open_case(actor=agent, contact=contact)
    colleague = ContactFactory.create(organization=contact.organization)
    colleagues_case = open_case(actor=agent, contact=colleague)
    stranger = ContactFactory.create()
    foreign = open_case(actor=agent, contact=stranger)
    assert access_case(customer_user, own.pk) == own
    assert access_case(customer_user, colleagues_case.pk) == colleagues_case
    assert set(visible_cases(customer_user)) == {own, colleagues_case}
    with pytest.raises(NotFound) as forbidden:
        access_case(customer_user, foreign.pk)
    with pytest.raises(NotFound) as missing:
        access_case(customer_user, foreign.pk + 1000)
    assert (forbidden.value.code, forbidden.value.message) == (
        missing.value.code,
        missing.value.message,
    )


@pytest.mark.parametrize("bad_id", ["abc", "", None, "1; DROP TABLE cases_case", "1[]"])
def test_malformed_case_ids_are_not_found(agent, bad_id):
    open_case(actor=agent)
    with pytest.raises(NotFound):
        access_case(agent, bad_id)


def test_inactive_staff_and_customer_without_contact_see_nothing(agent, contact):
    case = open_case(actor=agent, contact=contact)
    gone = UserFactory.create(role=Role.AGENT, is_active=False)
    orphan = UserFactory.create(role=Role.CUSTOMER)
    for user in (gone, orphan):
        with pytest.raises(NotFound):
            access_case(user, case.pk)
        assert not visible_cases(user).exists()


def test_records_on_a_case_follow_the_cases_visibility(
    agent, tier1_lead, tier2, contact, customer_user
):
    stranger_case = open_case(actor=agent, contact=ContactFactory.create())
    own_case = open_case(actor=agent, contact=contact)
    records = {}
    for name, case in (("foreign", stranger_case), ("own", own_case)):
        records[name] = (
            (
                access_commitment,
                promise(agent, case),
            ),
            (
                access_decision,
                decision_record(
                    actor=agent,
                    case=case,
                    policy="Returns within 30 days",
                    decision="Accepted a return on day 40",
                    rationale="Shipping delay on our side",
                    approved_by=tier1_lead,
                ),
            ),
            (
                access_handoff,
                hand_off(agent, case, to_team=tier2),
            ),
        )
    for access, record in records["own"]:
        assert access(customer_user, record.pk) == record
        assert access(agent, record.pk) == record
    for access, record in records["foreign"]:
        with pytest.raises(NotFound) as forbidden:
            access(customer_user, record.pk)
        with pytest.raises(NotFound) as missing:
            access(customer_user, record.pk + 1000)
        assert forbidden.value.message == missing.value.message
        assert access(agent, record.pk) == record


def test_customer_may_not_write_internal_notes(agent, contact, customer_user):
    case = open_case(actor=agent, contact=contact)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_add_note(actor=customer_user, case=case, body="Hello", visibility="internal")
    assert exc.value.code == "portal_note_must_be_public"
    assert case_state(case) == before
    note = case_add_note(
        actor=customer_user, case=case, body="It works now", visibility=NoteVisibility.PUBLIC
    )
    assert note.author == customer_user


def test_customer_opens_portal_case_for_own_organisation_only(
    tier1, contact, customer_user, other_organization
):
    case = case_open(
        actor=customer_user,
        team=tier1,
        contact=contact,
        subject="Portal: VPN drops",
        channel=Channel.PORTAL,
        next_step="Tier 1 to review",
        next_step_due=in_hours(8),
    )
    assert case.organization == contact.organization
    with pytest.raises(ServiceError) as exc:
        case_open(
            actor=customer_user,
            team=tier1,
            organization=other_organization,
            subject="Someone else's",
            channel=Channel.PORTAL,
            next_step="x",
            next_step_due=in_hours(8),
        )
    assert exc.value.code == "customer_mismatch"
    assert list(visible_cases(customer_user)) == [case]
