"""Writes for customer records: contacts with normalised phones, sites, assets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError, ServiceError
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    PhoneKind,
    PlanTier,
    Site,
)
from followthrough.customers.services import (
    asset_create,
    contact_add_email,
    contact_add_phone,
    contact_create,
    organization_create,
    site_create,
)
from followthrough.customers.tests.factories import OrganizationFactory, SiteFactory


@pytest.fixture(autouse=True)
def us_phone_region(settings):
    settings.DEFAULT_PHONE_REGION = "US"


def customer_rows() -> dict[str, int]:
    """How many customer rows exist: refusals must leave every count unchanged."""
    models = [Organization, Contact, ContactEmail, ContactPhone, Site, Asset]
    return {m.__name__: m._default_manager.count() for m in models}


def test_contact_create_normalises_a_national_number_with_the_default_region(agent, organization):
    contact = contact_create(
        actor=agent, organization=organization, name="Helen Park", phones=["(415) 555-0134"]
    )
    phone = contact.phones.get()
    assert phone.number == "+14155550134"
    assert phone.raw == "(415) 555-0134"
    assert phone.kind == PhoneKind.WORK


def test_contact_create_normalises_an_international_number(agent, organization):
    contact = contact_create(
        actor=agent,
        organization=organization,
        name="Oliver Finch",
        phones=[("+44 20 7946 0958", PhoneKind.MOBILE)],
        time_zone="Europe/London",
    )
    phone = contact.phones.get()
    assert phone.number == "+442079460958"
    assert phone.kind == PhoneKind.MOBILE
    assert contact.time_zone == "Europe/London"


def test_contact_create_keeps_one_row_for_a_number_typed_two_ways(agent, organization):
    contact = contact_create(
        actor=agent,
        organization=organization,
        name="Helen Park",
        phones=["+1 415 555 0134", "(415) 555-0134"],
    )
    assert list(contact.phones.values_list("number", "raw")) == [
        ("+14155550134", "+1 415 555 0134")
    ]


def test_contact_create_lowercases_emails_dedupes_them_and_marks_the_first_primary(
    agent, organization
):
    contact = contact_create(
        actor=agent,
        organization=organization,
        name="Helen Park",
        emails=[" Helen.Park@Bluebird.example ", "helen.park@bluebird.example", "hp@home.example"],
    )
    assert list(
        contact.emails.order_by("-is_primary", "address").values_list("address", "is_primary")
    ) == [
        ("helen.park@bluebird.example", True),
        ("hp@home.example", False),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"phones": ["+1 415 555 0134", "not a number"]}, "phones"),
        ({"phones": ["12"]}, "phones"),
        ({"phones": ["5" * 80]}, "phones"),
        ({"emails": ["helen@bluebird.example", "helen at bluebird"]}, "emails"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"name": "   "}, "name"),
    ],
)
def test_contact_create_refuses_invalid_input_and_creates_nothing(
    agent, organization, kwargs, field
):
    arguments = {"name": "Helen Park", "emails": ["helen@bluebird.example"]} | kwargs
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        contact_create(actor=agent, organization=organization, **arguments)
    assert exc.value.code == CommonError.INVALID
    assert exc.value.details["field"] == field
    assert customer_rows() == before


def test_contact_create_refused_for_a_role_that_cannot_edit_customers(organization):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        contact_create(actor=technician, organization=organization, name="Helen Park")
    assert exc.value.code == CommonError.FORBIDDEN
    assert customer_rows() == before


def test_contact_create_by_the_system_needs_no_actor(organization):
    contact = contact_create(actor=None, organization=organization, name="Helen Park")
    assert contact.organization == organization
    assert contact.time_zone == "UTC"


def test_contact_add_phone_refuses_a_number_the_contact_has_in_another_format(agent, organization):
    contact = contact_create(
        actor=agent, organization=organization, name="Helen Park", phones=["+1 415 555 0134"]
    )
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        contact_add_phone(actor=agent, contact=contact, raw="415.555.0134")
    assert exc.value.code == CommonError.INVALID
    assert customer_rows() == before
    added = contact_add_phone(actor=agent, contact=contact, raw="415 555 0199", kind=PhoneKind.HOME)
    assert (added.number, added.kind) == ("+14155550199", PhoneKind.HOME)


def test_contact_add_email_makes_the_first_address_primary_and_refuses_a_repeat(
    agent, organization
):
    contact = contact_create(actor=agent, organization=organization, name="Helen Park")
    first = contact_add_email(actor=agent, contact=contact, address="Helen@Bluebird.example")
    second = contact_add_email(actor=agent, contact=contact, address="hp@home.example")
    assert (first.address, first.is_primary) == ("helen@bluebird.example", True)
    assert second.is_primary is False
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        contact_add_email(actor=agent, contact=contact, address="HELEN@bluebird.example")
    assert exc.value.code == CommonError.INVALID
    assert customer_rows() == before


def test_organization_create_refuses_an_unknown_plan_and_a_blank_name(agent):
    before = customer_rows()
    refused: list[dict[str, Any]] = [{"name": "Acme", "plan_tier": "platinum"}, {"name": "  "}]
    for kwargs in refused:
        with pytest.raises(ServiceError) as exc:
            organization_create(actor=agent, **kwargs)
        assert exc.value.code == CommonError.INVALID
    assert customer_rows() == before
    org = organization_create(actor=agent, name="  Acme  ", plan_tier=PlanTier.PREMIUM)
    assert (org.name, org.plan_tier) == ("Acme", PlanTier.PREMIUM)


def test_site_create_checks_country_and_time_zone(agent, organization):
    before = customer_rows()
    for kwargs in ({"country": "USA"}, {"country": "1A"}, {"time_zone": "Chicago"}):
        with pytest.raises(ServiceError) as exc:
            site_create(actor=agent, organization=organization, name="Depot", **kwargs)
        assert exc.value.code == CommonError.INVALID
    assert customer_rows() == before
    site = site_create(
        actor=agent,
        organization=organization,
        name="Depot",
        country="us",
        region="Puget Sound",
        time_zone="America/Los_Angeles",
    )
    assert (site.country, site.region, site.time_zone) == (
        "US",
        "Puget Sound",
        "America/Los_Angeles",
    )


def test_asset_serial_is_unique_per_product(agent, organization, other_organization):
    asset_create(
        actor=agent, organization=organization, product="EdgeSwitch 48", serial_number="ES-1"
    )
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        asset_create(
            actor=agent,
            organization=other_organization,
            product="EdgeSwitch 48",
            serial_number=" ES-1 ",
        )
    assert exc.value.code == CommonError.INVALID
    assert exc.value.details["field"] == "serial_number"
    assert customer_rows() == before


def test_asset_same_serial_on_another_product_is_fine(agent, organization):
    asset_create(
        actor=agent, organization=organization, product="EdgeSwitch 48", serial_number="ES-1"
    )
    other = asset_create(
        actor=agent,
        organization=organization,
        product="EdgeSwitch 24",
        serial_number="ES-1",
        warranty_end=dt.date(2030, 1, 31),
    )
    assert (other.product, other.serial_number) == ("EdgeSwitch 24", "ES-1")
    assert Asset.objects.filter(serial_number="ES-1").count() == 2


def test_asset_create_refuses_a_site_of_another_organisation(agent, organization):
    foreign_site = SiteFactory.create(organization=OrganizationFactory.create())
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        asset_create(
            actor=agent,
            organization=organization,
            product="EdgeSwitch 48",
            serial_number="ES-9",
            site=foreign_site,
        )
    assert exc.value.code == CommonError.INVALID
    assert exc.value.details["field"] == "site"
    assert customer_rows() == before


def test_asset_create_refuses_a_blank_serial(agent, organization):
    before = customer_rows()
    with pytest.raises(ServiceError) as exc:
        asset_create(
            actor=agent, organization=organization, product="EdgeSwitch 48", serial_number="  "
        )
    assert exc.value.code == CommonError.INVALID
    assert customer_rows() == before
