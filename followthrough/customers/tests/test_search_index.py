"""Customers in the search index: contacts by name, organisation, address and phone number in
any usual form; organisations by name, notes, sites and installed products."""

from __future__ import annotations

import pytest

from followthrough.core.errors import Invalid
from followthrough.core.models import SearchDocument
from followthrough.core.search import Scope, search
from followthrough.customers.search_index import (
    CONTACT,
    ORGANIZATION,
    reindex_contacts,
    reindex_organizations,
)
from followthrough.customers.services import (
    asset_create,
    contact_add_email,
    contact_add_phone,
    contact_create,
    organization_create,
    site_create,
)

CUSTOMERS = [Scope(kind=CONTACT), Scope(kind=ORGANIZATION)]


@pytest.fixture(autouse=True)
def us_phone_region(settings):
    settings.DEFAULT_PHONE_REGION = "US"


def found(text: str) -> list[tuple[str, int]]:
    return [(h.kind, h.object_id) for h in search(text, scopes=CUSTOMERS).hits]


@pytest.fixture
def acme(agent):
    return organization_create(actor=agent, name="Acme Networks", notes="Pays late; VIP line")


def test_a_new_contact_is_found_by_name_organisation_address_and_number(agent, acme):
    maria = contact_create(
        actor=agent,
        organization=acme,
        name="María López",
        emails=["maria@acme.example"],
        phones=["(415) 555-0134"],
    )
    mine = ("contact", maria.pk)
    assert found("maria lopez") == [mine]
    assert mine in found("acme")
    assert found("maria@acme.example") == [mine]
    for typed in ("+14155550134", "415-555-0134", "(415) 555-0134", "4155550134"):
        assert found(typed) == [mine], typed
    document = SearchDocument.objects.get(kind=CONTACT)
    assert (document.organization_id, document.is_public) == (acme.pk, False)


def test_numbers_and_addresses_added_later_are_found(agent, acme):
    tom = contact_create(actor=agent, organization=acme, name="Tom Becker")
    contact_add_phone(actor=agent, contact=tom, raw="+1 202 555 0199")
    contact_add_email(actor=agent, contact=tom, address="Tom.Becker@Acme.example")
    assert found("2025550199") == [("contact", tom.pk)]
    assert found("tom.becker@acme.example") == [("contact", tom.pk)]


def test_a_refused_number_changes_nothing(agent, acme):
    tom = contact_create(actor=agent, organization=acme, name="Tom Becker", phones=["2025550199"])
    before = SearchDocument.objects.get(kind=CONTACT).body
    with pytest.raises(Invalid):
        contact_add_phone(actor=agent, contact=tom, raw="202-555-0199")
    with pytest.raises(Invalid):
        contact_add_phone(actor=agent, contact=tom, raw="not a number")
    assert SearchDocument.objects.get(kind=CONTACT).body == before


def test_an_organisation_is_found_by_notes_sites_and_assets(agent, acme):
    hq = site_create(actor=agent, organization=acme, name="Head office", city="Zürich")
    asset_create(
        actor=agent,
        organization=acme,
        product="EdgeSwitch 48",
        serial_number="ES48-2219-0457",
        site=hq,
    )
    org = ("organization", acme.pk)
    assert found("vip") == [org]
    assert found("zurich") == [org]
    assert found("head office") == [org]
    assert found("edgeswitch") == [org]
    assert found("ES48-2219-0457") == [org]


def test_portal_and_case_scopes_never_see_customer_records(agent, acme):
    contact_create(actor=agent, organization=acme, name="Maria Lopez")
    portal = [Scope(kind="case", organization_id=acme.pk)]
    assert search("maria", scopes=portal).hits == []


def test_reindexing_writes_what_the_services_wrote(agent, acme):
    maria = contact_create(
        actor=agent,
        organization=acme,
        name="Maria",
        emails=["m@acme.example"],
        phones=["4155550134"],
    )
    contact_add_phone(actor=agent, contact=maria, raw="2025550199")
    site_create(actor=agent, organization=acme, name="Depot", city="Oakland")
    asset_create(actor=agent, organization=acme, product="Router", serial_number="R-1")
    written = {(d.kind, d.object_id): (d.title, d.body) for d in SearchDocument.objects.all()}
    SearchDocument.objects.all().delete()
    assert reindex_contacts() == 1
    assert reindex_organizations() == 1
    again = {(d.kind, d.object_id): (d.title, d.body) for d in SearchDocument.objects.all()}
    assert again.keys() == written.keys()
    # The same words, perhaps in another order (numbers are listed by kind on a reindex).
    for key, (title, body) in written.items():
        assert again[key][0] == title
        assert sorted(again[key][1].split()) == sorted(body.split())
