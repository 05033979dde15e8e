"""Finding the caller (customer_lookup) and who may see a customer record (access_*)."""

from __future__ import annotations

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError, NotFound
from followthrough.customers.access import access_contact, access_organization
from followthrough.customers.models import Contact, Organization
from followthrough.customers.selectors import MatchedBy, customer_lookup
from followthrough.customers.services import asset_create, contact_create
from followthrough.customers.tests.factories import ContactFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def us_phone_region(settings):
    settings.DEFAULT_PHONE_REGION = "US"


@pytest.fixture
def helen(organization: Organization) -> Contact:
    return contact_create(
        actor=None,
        organization=organization,
        name="Helen Park",
        emails=["helen.park@acme.example"],
        phones=["+1 415 555 0134"],
    )


def test_lookup_finds_a_phone_typed_in_another_format(helen):
    for typed in ("(415) 555-0134", "415.555.0134", "+14155550134", "1 415 555 0134"):
        matches = customer_lookup(typed)
        assert [(m.contact, m.matched_by) for m in matches] == [(helen, MatchedBy.PHONE)], typed


def test_lookup_finds_an_email_in_another_case(helen):
    matches = customer_lookup("  Helen.PARK@Acme.Example ")
    assert [(m.contact, m.matched_by) for m in matches] == [(helen, MatchedBy.EMAIL)]


def test_lookup_finds_a_contact_or_an_organisation_by_name_prefix(helen, organization):
    other = contact_create(actor=None, organization=organization, name="Hector Ruiz")
    contact_create(actor=None, organization=OrganizationFactory.create(), name="Zoe Hill")
    assert [m.contact for m in customer_lookup("hel")] == [helen]
    assert [m.contact for m in customer_lookup("He")] == [other, helen]
    by_org = customer_lookup("acme net")
    assert {m.contact for m in by_org} == {helen, other}
    assert {m.matched_by for m in by_org} == {MatchedBy.NAME}


def test_lookup_finds_an_asset_by_serial(organization):
    asset = asset_create(
        actor=None, organization=organization, product="EdgeSwitch 48", serial_number="ES48-0457"
    )
    [match] = customer_lookup("ES48-0457")
    assert match.contact is None
    assert match.matched_by == MatchedBy.SERIAL
    assert match.assets == [asset]
    assert match.organization_id == organization.pk


def test_lookup_skips_inactive_contacts(helen):
    helen.is_active = False
    helen.save(update_fields=["is_active"])
    assert customer_lookup("(415) 555-0134") == []
    assert customer_lookup("helen.park@acme.example") == []
    assert customer_lookup("Helen") == []


def test_lookup_of_empty_input_is_empty_without_a_query(django_assert_num_queries, helen):
    with django_assert_num_queries(0):
        assert customer_lookup("") == []
        assert customer_lookup("   ") == []


def test_lookup_of_unknown_text_is_empty(helen):
    assert customer_lookup("(212) 555-0199") == []
    assert customer_lookup("nobody@acme.example") == []
    assert customer_lookup("Quentin") == []


def test_lookup_stops_at_the_limit(organization):
    for i in range(5):
        contact_create(actor=None, organization=organization, name=f"Sam Example {i}")
    assert len(customer_lookup("Sam", limit=3)) == 3


def _touch(matches):
    """Read what a screen-pop shows, so lazy loads would show up as extra queries."""
    for m in matches:
        if m.contact is not None:
            _ = (m.contact.organization.name, list(m.contact.phones.all()))
            _ = list(m.contact.emails.all())
        for asset in m.assets:
            _ = (asset.organization.name, asset.site)


@pytest.fixture
def crowd(organization: Organization) -> list[Contact]:
    """Several contacts sharing a phone, a name prefix and an email domain."""
    return [
        contact_create(
            actor=None,
            organization=organization,
            name=f"Helen Park {i}",
            emails=[f"helen{i}@acme.example", "desk@acme.example"],
            phones=["+1 415 555 0134", f"+1 415 555 01{50 + i}"],
        )
        for i in range(4)
    ]


@pytest.mark.parametrize(
    ("query", "queries", "found"),
    [
        # serial lookup, contacts, their phones, their emails
        ("(415) 555-0134", 4, 4),
        ("DESK@acme.example", 4, 4),
        # serial lookup, names that start so, organisations' people, then as above
        ("Helen", 6, 4),
        # serial lookup, then a name lookup that finds nobody (two queries, nothing to load)
        ("ES48-0457", 3, 1),
    ],
)
def test_lookup_query_count_does_not_grow_with_matches(
    django_assert_num_queries, organization, crowd, query, queries, found
):
    asset_create(
        actor=None, organization=organization, product="EdgeSwitch 48", serial_number="ES48-0457"
    )
    with django_assert_num_queries(queries):
        matches = customer_lookup(query)
        _touch(matches)
    assert len(matches) == found


# --- access_organization / access_contact --------------------------------------------------


def test_portal_customer_sees_their_own_organisation_and_contact(customer_user, contact):
    assert access_organization(customer_user, contact.organization_id) == contact.organization
    assert access_contact(customer_user, contact.pk) == contact


def test_portal_customer_gets_not_found_for_another_organisation(customer_user, other_organization):
    with pytest.raises(NotFound) as forbidden:
        access_organization(customer_user, other_organization.pk)
    with pytest.raises(NotFound) as missing:
        access_organization(customer_user, other_organization.pk + 1000)
    assert forbidden.value.code == CommonError.NOT_FOUND
    assert (forbidden.value.code, forbidden.value.message) == (
        missing.value.code,
        missing.value.message,
    )


def test_portal_customer_gets_not_found_for_a_contact_of_another_organisation(
    customer_user, other_organization
):
    stranger = ContactFactory.create(organization=other_organization)
    with pytest.raises(NotFound) as forbidden:
        access_contact(customer_user, stranger.pk)
    with pytest.raises(NotFound) as missing:
        access_contact(customer_user, stranger.pk + 1000)
    assert forbidden.value.code == CommonError.NOT_FOUND
    assert (forbidden.value.code, forbidden.value.message) == (
        missing.value.code,
        missing.value.message,
    )


@pytest.mark.parametrize("bad_id", ["abc", None, -1])
def test_access_refuses_malformed_ids_as_not_found(agent, bad_id):
    with pytest.raises(NotFound):
        access_organization(agent, bad_id)
    with pytest.raises(NotFound):
        access_contact(agent, bad_id)


def test_agent_sees_any_organisation(agent, other_organization):
    assert access_organization(agent, other_organization.pk) == other_organization


def test_portal_customer_whose_contact_is_deactivated_sees_nothing(customer_user, contact):
    contact.is_active = False
    contact.save(update_fields=["is_active"])
    with pytest.raises(NotFound):
        access_organization(customer_user, contact.organization_id)


def test_inactive_staff_cannot_see_customers(organization):
    nobody = UserFactory.create(role=Role.AGENT, is_active=False)
    with pytest.raises(NotFound):
        access_organization(nobody, organization.pk)
