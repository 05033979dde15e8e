"""The organisation and contact pages: who the customer is, and their cases, open ones first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case
from followthrough.cases.states import CaseStatus
from followthrough.cases.tests.factories import in_hours, open_case
from followthrough.customers.tests.factories import (
    AssetFactory,
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    SiteFactory,
)


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def desk(agent, contact, organization):
    """A customer with a phone, an email, a site, two products and a case of each kind."""
    ContactPhoneFactory.create(contact=contact, number="+14155550134", raw="415 555 0134")
    ContactEmailFactory.create(contact=contact, address="maria.lopez@acme.example")
    site = SiteFactory.create(
        organization=organization,
        name="Main office",
        address="2140 Mission St",
        city="San Francisco",
        region="Bay Area",
        time_zone="America/Los_Angeles",
    )
    today = timezone.localdate()
    AssetFactory.create(
        organization=organization,
        site=site,
        product="EdgeSwitch 48",
        serial_number="ES48-OLD",
        warranty_end=today - dt.timedelta(days=3),
    )
    AssetFactory.create(
        organization=organization,
        product="FiberLink FX-200",
        serial_number="FX-NEW",
        warranty_end=today + dt.timedelta(days=300),
    )
    finished = open_case(actor=agent, contact=contact, subject="Finished business")
    Case.objects.filter(pk=finished.pk).update(status=CaseStatus.RESOLVED)
    current = open_case(actor=agent, contact=contact, subject="Current trouble")
    return {"finished": finished, "current": current}


def test_organisation_page_shows_the_whole_customer(signed_in, desk, organization, contact):
    manager = UserFactory.create(first_name="Ava", last_name="Manager", direct_line="ext. 77")
    organization.account_manager = manager
    organization.save(update_fields=["account_manager"])

    response = signed_in.get(f"/customers/{organization.pk}/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "Acme Networks" in page and "Standard plan" in page
    assert "Ava Manager" in page and "ext. 77" in page
    assert f'href="/contacts/{contact.pk}/"' in page
    assert "+1 415-555-0134" in page and "maria.lopez@acme.example" in page
    assert "2140 Mission St" in page and "America/Los_Angeles" in page and "Bay Area" in page
    assert "ES48-OLD" in page and "Warranty expired on" in page
    assert "FX-NEW" in page and "Under warranty until" in page
    assert f'href="/cases/{desk["current"].pk}/"' in page
    # Open cases first, then the history.
    assert page.index("Current trouble") < page.index("Recent history")
    assert page.index("Recent history") < page.index("Finished business")


def test_organisation_page_shows_owner_and_how_to_reach_them(signed_in, agent, desk, organization):
    page = signed_in.get(f"/customers/{organization.pk}/").content.decode()
    assert f"{agent.display_name}, {agent.direct_line}" in page
    assert "Due in" in page


def test_contact_page_shows_the_contact_and_their_cases_first(
    signed_in, agent, desk, organization, contact
):
    colleague = ContactFactory.create(organization=organization, name="Colleague Person")
    sooner = open_case(
        actor=agent, contact=colleague, subject="Colleague trouble", next_step_due=in_hours(1)
    )

    response = signed_in.get(f"/contacts/{contact.pk}/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "Maria Lopez" in page
    assert f'href="/customers/{organization.pk}/"' in page
    assert "+1 415-555-0134" in page and "maria.lopez@acme.example" in page
    assert "Their time:" in page and "Europe/Berlin" in page
    assert f'href="/calls/new/?contact={contact.pk}"' in page
    # Maria's case before her colleague's (which falls due sooner), then the history.
    assert page.index("Current trouble") < page.index(sooner.subject)
    assert page.index(sooner.subject) < page.index("Recent history")
    assert page.index("Recent history") < page.index("Finished business")
    assert f'href="/contacts/{colleague.pk}/"' in page


def test_customer_pages_show_subjects_as_text(signed_in, agent, contact, organization):
    open_case(actor=agent, contact=contact, subject="<script>alert(1)</script> <img src=x>")
    for url in (f"/customers/{organization.pk}/", f"/contacts/{contact.pk}/"):
        page = signed_in.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x&gt;" in page


@pytest.mark.parametrize("url", ["/customers/999999/", "/contacts/999999/"])
def test_missing_customer_records_are_not_found(signed_in, db, url):
    assert signed_in.get(url).status_code == 404


def test_portal_customer_gets_403_even_for_their_own_organisation(
    client, customer_user, contact, organization
):
    client.force_login(customer_user)
    assert client.get(f"/customers/{organization.pk}/").status_code == 403
    assert client.get(f"/contacts/{contact.pk}/").status_code == 403


def test_technician_may_see_customers(client, contact, organization):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    client.force_login(technician)
    assert client.get(f"/customers/{organization.pk}/").status_code == 200


def _many(agent, organization, contact, cases):
    for n in range(cases):
        ContactPhoneFactory.create(contact=ContactFactory.create(organization=organization))
        open_case(actor=agent, contact=contact, subject=f"Open {n}", next_step_due=in_hours(n + 1))
        done = open_case(actor=agent, contact=contact, subject=f"Done {n}")
        Case.objects.filter(pk=done.pk).update(status=CaseStatus.CLOSED)
        AssetFactory.create(
            organization=organization, site=SiteFactory.create(organization=organization)
        )


# session, user, team; organisation; open cases, history, contacts (+ phones, emails),
# sites, products
ORGANISATION_QUERIES = 11
# session, user, team; contact; open cases, history, contacts, sites, products; its phones, emails
CONTACT_QUERIES = 11


@pytest.mark.parametrize("cases", [1, 30])
def test_organisation_page_query_count_does_not_grow(
    signed_in, django_assert_num_queries, agent, organization, contact, cases
):
    _many(agent, organization, contact, cases)
    with django_assert_num_queries(ORGANISATION_QUERIES):
        assert signed_in.get(f"/customers/{organization.pk}/").status_code == 200


@pytest.mark.parametrize("cases", [1, 30])
def test_contact_page_query_count_does_not_grow(
    signed_in, django_assert_num_queries, agent, organization, contact, cases
):
    _many(agent, organization, contact, cases)
    with django_assert_num_queries(CONTACT_QUERIES):
        assert signed_in.get(f"/contacts/{contact.pk}/").status_code == 200
