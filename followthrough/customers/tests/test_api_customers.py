"""Customers in the REST API: organisations, contacts, sites and assets (list, get, create),
the caller lookup, and who may see what (a portal customer only their own organisation)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.tests.api_client import (
    API,
    api_get,
    api_post,
    assert_problem,
    token_for,
)
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError
from followthrough.customers.models import Asset, Contact, Organization, Site
from followthrough.customers.services import contact_create
from followthrough.customers.tests.factories import (
    AssetFactory,
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    OrganizationFactory,
    SiteFactory,
)


@pytest.fixture(autouse=True)
def us_phone_region(settings):
    settings.DEFAULT_PHONE_REGION = "US"


@pytest.fixture
def agent_token(agent):
    return token_for(agent)


def customer_rows():
    return (
        list(Organization.objects.values()),
        list(Contact.objects.values()),
        list(Site.objects.values()),
        list(Asset.objects.values()),
    )


# --- Organisations --------------------------------------------------------------------------


def test_list_organizations_pages_with_a_cursor(client, agent_token):
    made = [OrganizationFactory.create(name=f"Org {n}") for n in range(5)]
    first = api_get(client, "/customers/organizations", agent_token, limit=3)
    assert first.status_code == 200
    body = first.json()
    assert [o["id"] for o in body["items"]] == [o.pk for o in made[:3]]
    assert body["next_cursor"]
    second = api_get(
        client, "/customers/organizations", agent_token, limit=3, cursor=body["next_cursor"]
    )
    assert [o["id"] for o in second.json()["items"]] == [o.pk for o in made[3:]]
    assert second.json()["next_cursor"] is None


@pytest.mark.parametrize("rows", [1, 30])
def test_list_organizations_takes_the_same_queries_for_1_and_30_rows(
    client, agent, agent_token, django_assert_num_queries, rows
):
    for _ in range(rows):
        OrganizationFactory.create(account_manager=agent)
    # token lookup, count the request (update + read), organisations with their managers
    with django_assert_num_queries(4):
        response = api_get(client, "/customers/organizations", agent_token, limit=200)
    assert len(response.json()["items"]) == rows
    assert response.json()["items"][0]["account_manager"]["name"] == agent.display_name


def test_get_organization_shows_notes_to_staff(client, agent_token):
    org = OrganizationFactory.create(name="Acme", notes="Pays late; be kind.")
    response = api_get(client, f"/customers/organizations/{org.pk}", agent_token)
    assert response.status_code == 200
    assert response.json()["name"] == "Acme"
    assert response.json()["notes"] == "Pays late; be kind."


def test_portal_customer_lists_and_gets_only_their_own_organization(
    client, customer_user, organization, other_organization
):
    organization.notes = "Internal remark"
    organization.save()
    client.force_login(customer_user)
    listed = client.get(f"{API}/customers/organizations")
    assert [o["id"] for o in listed.json()["items"]] == [organization.pk]
    own = client.get(f"{API}/customers/organizations/{organization.pk}")
    assert own.status_code == 200
    assert own.json()["notes"] is None


def test_another_organization_and_a_missing_one_look_the_same(
    client, customer_user, other_organization
):
    client.force_login(customer_user)
    forbidden = client.get(f"{API}/customers/organizations/{other_organization.pk}")
    missing = client.get(f"{API}/customers/organizations/999999")
    assert_problem(forbidden, 404, CommonError.NOT_FOUND)
    assert forbidden.json() == missing.json()


def test_create_organization_answers_201_with_the_record(client, agent, tier1_lead):
    token = token_for(agent)
    response = api_post(
        client,
        "/customers/organizations",
        token,
        {"name": "  Globex  ", "plan_tier": "premium", "account_manager_id": tier1_lead.pk},
    )
    assert response.status_code == 201
    org = Organization.objects.get()
    assert response.json()["id"] == org.pk
    assert (org.name, org.plan_tier, org.account_manager) == ("Globex", "premium", tier1_lead)
    assert response.json()["account_manager"] == {
        "id": tier1_lead.pk,
        "name": tier1_lead.display_name,
        "direct_line": tier1_lead.direct_line,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Globex", "colour": "blue"},  # unknown field
        {"name": ""},
        {"name": "x" * 201},
        {"name": ["Globex"]},  # array where a string belongs
        {"name": "Globex", "plan_tier": "platinum"},
    ],
)
def test_create_organization_refuses_bad_input_and_creates_nothing(client, agent_token, body):
    before = customer_rows()
    response = api_post(client, "/customers/organizations", agent_token, body)
    assert_problem(response, 422, CommonError.INVALID)
    assert customer_rows() == before


def test_create_organization_refuses_a_customer_as_account_manager(
    client, agent_token, customer_user
):
    before = customer_rows()
    response = api_post(
        client,
        "/customers/organizations",
        agent_token,
        {"name": "Globex", "account_manager_id": customer_user.pk},
    )
    body = assert_problem(response, 422, CommonError.INVALID)
    assert body["field"] == "account_manager_id"
    assert customer_rows() == before


def test_portal_customer_cannot_create_an_organization(client, customer_user):
    client.force_login(customer_user)
    before = customer_rows()
    response = client.post(
        f"{API}/customers/organizations",
        data=json.dumps({"name": "Sneaky"}),
        content_type="application/json",
    )
    assert_problem(response, 403, CommonError.FORBIDDEN)
    assert customer_rows() == before


# --- Contacts -------------------------------------------------------------------------------


def test_create_contact_normalises_phones_and_emails(client, agent_token, organization):
    response = api_post(
        client,
        "/customers/contacts",
        agent_token,
        {
            "organization_id": organization.pk,
            "name": "Helen Park",
            "emails": ["Helen.Park@Acme.Example"],
            "phones": [{"number": "(415) 555-0134", "kind": "mobile"}],
            "time_zone": "America/Los_Angeles",
        },
    )
    assert response.status_code == 201
    contact = Contact.objects.get(name="Helen Park")
    body = response.json()
    assert body["id"] == contact.pk
    assert body["organization"] == {"id": organization.pk, "name": organization.name}
    assert body["emails"] == [{"address": "helen.park@acme.example", "is_primary": True}]
    assert body["phones"] == [{"number": "+14155550134", "raw": "(415) 555-0134", "kind": "mobile"}]
    assert list(contact.phones.values_list("number", flat=True)) == ["+14155550134"]


def test_create_contact_refuses_a_phone_that_is_no_number(client, agent_token, organization):
    before = customer_rows()
    response = api_post(
        client,
        "/customers/contacts",
        agent_token,
        {"organization_id": organization.pk, "name": "Helen", "phones": [{"number": "call me"}]},
    )
    body = assert_problem(response, 422, CommonError.INVALID)
    assert body["field"] == "phones"
    assert customer_rows() == before


def test_create_contact_refuses_too_many_emails(client, agent_token, organization):
    before = customer_rows()
    emails = [f"p{n}@acme.example" for n in range(11)]
    response = api_post(
        client,
        "/customers/contacts",
        agent_token,
        {"organization_id": organization.pk, "name": "Helen", "emails": emails},
    )
    assert_problem(response, 422, CommonError.INVALID)
    assert customer_rows() == before


def test_portal_customer_gets_404_creating_a_contact_in_another_organization(
    client, customer_user, other_organization
):
    client.force_login(customer_user)
    before = customer_rows()
    response = client.post(
        f"{API}/customers/contacts",
        data=json.dumps({"organization_id": other_organization.pk, "name": "Eve"}),
        content_type="application/json",
    )
    assert_problem(response, 404, CommonError.NOT_FOUND)
    assert customer_rows() == before


def test_get_contact_with_emails_and_phones(client, agent_token, contact):
    ContactEmailFactory.create(contact=contact, address="maria@acme.example", is_primary=True)
    ContactPhoneFactory.create(contact=contact, number="+12025550100")
    response = api_get(client, f"/customers/contacts/{contact.pk}", agent_token)
    assert response.status_code == 200
    assert response.json()["name"] == "Maria Lopez"
    assert [e["address"] for e in response.json()["emails"]] == ["maria@acme.example"]
    assert [p["number"] for p in response.json()["phones"]] == ["+12025550100"]


def test_portal_customer_sees_contacts_of_their_organization_only(
    client, customer_user, contact, other_organization
):
    stranger = ContactFactory.create(organization=other_organization)
    client.force_login(customer_user)
    listed = client.get(f"{API}/customers/contacts")
    assert [c["id"] for c in listed.json()["items"]] == [contact.pk]
    assert_problem(client.get(f"{API}/customers/contacts/{stranger.pk}"), 404, "not_found")
    filtered = client.get(f"{API}/customers/contacts", {"organization": other_organization.pk})
    assert_problem(filtered, 404, CommonError.NOT_FOUND)


@pytest.mark.parametrize("rows", [1, 30])
def test_list_contacts_takes_the_same_queries_for_1_and_30_rows(
    client, agent_token, organization, django_assert_num_queries, rows
):
    for _ in range(rows):
        person = ContactFactory.create(organization=organization)
        ContactEmailFactory.create(contact=person)
        ContactPhoneFactory.create(contact=person)
    # token (3), the organisation filter, contacts, their emails, their phones
    with django_assert_num_queries(7):
        response = api_get(
            client, "/customers/contacts", agent_token, organization=organization.pk, limit=200
        )
    items = response.json()["items"]
    assert len(items) == rows
    assert all(len(c["emails"]) == 1 and len(c["phones"]) == 1 for c in items)


def test_a_forged_cursor_is_refused(client, agent_token):
    response = api_get(client, "/customers/contacts", agent_token, cursor="not-a-cursor")
    body = assert_problem(response, 422, CommonError.INVALID)
    assert body["field"] == "cursor"


def test_a_page_larger_than_200_is_refused(client, agent_token):
    response = api_get(client, "/customers/contacts", agent_token, limit=201)
    assert_problem(response, 422, CommonError.INVALID)


# --- Sites and assets -----------------------------------------------------------------------


def test_create_and_get_a_site(client, agent_token, organization):
    response = api_post(
        client,
        "/customers/sites",
        agent_token,
        {
            "organization_id": organization.pk,
            "name": "Warehouse",
            "city": "Reno",
            "country": "us",
            "time_zone": "America/Los_Angeles",
        },
    )
    assert response.status_code == 201
    site = Site.objects.get()
    assert (site.name, site.country, site.organization) == ("Warehouse", "US", organization)
    again = api_get(client, f"/customers/sites/{site.pk}", agent_token)
    assert again.json()["country"] == "US"
    assert again.json()["organization"]["id"] == organization.pk


def test_create_site_refuses_an_unknown_time_zone(client, agent_token, organization):
    before = customer_rows()
    response = api_post(
        client,
        "/customers/sites",
        agent_token,
        {"organization_id": organization.pk, "name": "HQ", "time_zone": "Mars/Olympus"},
    )
    assert assert_problem(response, 422, CommonError.INVALID)["field"] == "time_zone"
    assert customer_rows() == before


def test_list_sites_of_one_organization(client, agent_token, organization, other_organization):
    mine = SiteFactory.create(organization=organization)
    SiteFactory.create(organization=other_organization)
    response = api_get(client, "/customers/sites", agent_token, organization=organization.pk)
    assert [s["id"] for s in response.json()["items"]] == [mine.pk]


def test_create_asset_at_a_site(client, agent_token, organization):
    site = SiteFactory.create(organization=organization)
    response = api_post(
        client,
        "/customers/assets",
        agent_token,
        {
            "organization_id": organization.pk,
            "site_id": site.pk,
            "product": "EdgeSwitch 48",
            "serial_number": "SN-1",
            "warranty_end": "2030-01-31",
        },
    )
    assert response.status_code == 201
    asset = Asset.objects.get()
    assert (asset.site, asset.warranty_end) == (site, dt.date(2030, 1, 31))
    assert response.json()["site"] == {"id": site.pk, "name": site.name}


def test_create_asset_refuses_a_site_of_another_organization(
    client, agent_token, organization, other_organization
):
    elsewhere = SiteFactory.create(organization=other_organization)
    before = customer_rows()
    response = api_post(
        client,
        "/customers/assets",
        agent_token,
        {
            "organization_id": organization.pk,
            "site_id": elsewhere.pk,
            "product": "EdgeSwitch 48",
            "serial_number": "SN-1",
        },
    )
    assert assert_problem(response, 422, CommonError.INVALID)["field"] == "site"
    assert customer_rows() == before


def test_create_asset_refuses_a_serial_registered_already(client, agent_token, organization):
    AssetFactory.create(organization=organization, product="EdgeSwitch 48", serial_number="SN-1")
    before = customer_rows()
    response = api_post(
        client,
        "/customers/assets",
        agent_token,
        {"organization_id": organization.pk, "product": "EdgeSwitch 48", "serial_number": "SN-1"},
    )
    assert assert_problem(response, 422, CommonError.INVALID)["field"] == "serial_number"
    assert customer_rows() == before


def test_get_and_list_assets_by_site(client, agent_token, organization):
    site = SiteFactory.create(organization=organization)
    here = AssetFactory.create(organization=organization, site=site)
    AssetFactory.create(organization=organization)
    listed = api_get(client, "/customers/assets", agent_token, site=site.pk)
    assert [a["id"] for a in listed.json()["items"]] == [here.pk]
    one = api_get(client, f"/customers/assets/{here.pk}", agent_token)
    assert one.json()["serial_number"] == here.serial_number


def test_portal_customer_gets_404_for_another_organizations_site_and_asset(
    client, customer_user, other_organization
):
    site = SiteFactory.create(organization=other_organization)
    asset = AssetFactory.create(organization=other_organization, site=site)
    client.force_login(customer_user)
    for path in (f"/customers/sites/{site.pk}", f"/customers/assets/{asset.pk}"):
        assert_problem(client.get(API + path), 404, CommonError.NOT_FOUND)
    assert client.get(f"{API}/customers/assets").json()["items"] == []


@pytest.mark.parametrize("path", ["/customers/sites/999999", "/customers/assets/999999"])
def test_missing_site_or_asset_is_404(client, agent_token, path):
    assert_problem(api_get(client, path, agent_token), 404, CommonError.NOT_FOUND)


# --- Lookup ---------------------------------------------------------------------------------


@pytest.fixture
def helen(organization):
    return contact_create(
        actor=None,
        organization=organization,
        name="Helen Park",
        emails=["helen.park@acme.example"],
        phones=["+1 415 555 0134"],
    )


@pytest.mark.parametrize(
    ("typed", "how"),
    [
        ("(415) 555-0134", "phone"),
        ("415.555.0134", "phone"),
        ("HELEN.park@acme.example", "email"),
        ("hel", "name"),
    ],
)
def test_lookup_finds_the_caller(client, agent_token, helen, typed, how):
    response = api_get(client, "/customers/lookup", agent_token, q=typed)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(m["contact"]["id"], m["matched_by"]) for m in items] == [(helen.pk, how)]
    assert items[0]["organization"]["id"] == helen.organization_id
    assert "cases" not in json.dumps(response.json())


def test_lookup_by_serial_number_returns_the_asset_and_its_owner(client, agent_token, organization):
    asset = AssetFactory.create(organization=organization, serial_number="SN-777")
    items = api_get(client, "/customers/lookup", agent_token, q="SN-777").json()["items"]
    assert len(items) == 1
    assert items[0]["matched_by"] == "serial"
    assert items[0]["contact"] is None
    assert items[0]["organization"] == {"id": organization.pk, "name": organization.name}
    assert [a["id"] for a in items[0]["assets"]] == [asset.pk]


def test_lookup_is_for_staff_not_portal_customers(client, customer_user, helen):
    client.force_login(customer_user)
    response = client.get(f"{API}/customers/lookup", {"q": "hel"})
    assert_problem(response, 403, CommonError.FORBIDDEN)


def test_lookup_needs_customer_view_in_the_token(client, agent, helen):
    token = token_for(agent, [Capability.CASE_VIEW])
    response = api_get(client, "/customers/lookup", token, q="hel")
    assert_problem(response, 403, CommonError.FORBIDDEN)


def test_lookup_refuses_an_overlong_query(client, agent_token):
    response = api_get(client, "/customers/lookup", agent_token, q="x" * 201)
    assert_problem(response, 422, CommonError.INVALID)


def test_technician_without_customer_edit_cannot_create(client, db):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    before = customer_rows()
    response = api_post(
        client, "/customers/organizations", token_for(technician), {"name": "Globex"}
    )
    assert_problem(response, 403, CommonError.FORBIDDEN)
    assert customer_rows() == before
