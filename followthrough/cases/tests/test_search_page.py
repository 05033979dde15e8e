"""The top bar's search: case numbers go straight to the case, anything else lists matches."""

from __future__ import annotations

import pytest

from followthrough.cases.models import Case
from followthrough.cases.selectors import case_id_from_number
from followthrough.cases.tests.factories import open_case
from followthrough.customers.tests.factories import (
    AssetFactory,
    ContactEmailFactory,
    ContactPhoneFactory,
)

SEARCH = "/search/"


@pytest.fixture(autouse=True)
def us_phone_region(settings):
    settings.DEFAULT_PHONE_REGION = "US"


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


@pytest.mark.parametrize("typed", ["FT-{n}", "ft-{n}", "#{n}", "{n}", " FT {n} ", "ft{n}"])
def test_a_case_number_goes_straight_to_the_case(signed_in, agent, typed):
    case = open_case(actor=agent)
    response = signed_in.get(SEARCH, {"q": typed.format(n=case.pk)})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FT-12", 12),
        ("ft 12", 12),
        ("#12", 12),
        ("12", 12),
        ("FT-", None),
        ("0", None),
        ("12a", None),
        ("FT-1-2", None),
        ("١٢", None),
        ("9" * 19, None),
        ("", None),
    ],
)
def test_case_id_from_number_reads_only_case_numbers(text, expected):
    assert case_id_from_number(text) == expected


def test_a_case_number_that_does_not_exist_searches_instead(signed_in, agent):
    open_case(actor=agent, subject="Case 4242 of the printer saga")
    response = signed_in.get(SEARCH, {"q": "4242"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "No case has the number 4242" in page
    assert "Case 4242 of the printer saga" in page


def test_search_lists_customers_and_cases(signed_in, agent, contact, organization):
    ContactPhoneFactory.create(contact=contact, number="+14155550134")
    ContactEmailFactory.create(contact=contact, address="maria@acme.example")
    mine = open_case(actor=agent, contact=contact, subject="Maria's VPN keeps dropping")
    open_case(actor=agent, subject="Unrelated printer")

    page = signed_in.get(SEARCH, {"q": "Maria"}).content.decode()

    assert f'href="/contacts/{contact.pk}/"' in page
    assert "+1 415-555-0134" in page
    assert "Found by name" in page
    assert f'href="/cases/{mine.pk}/"' in page
    assert "Maria&#x27;s VPN keeps dropping" in page
    assert "Unrelated printer" not in page


def test_search_by_serial_links_the_organisation(signed_in, organization):
    AssetFactory.create(organization=organization, serial_number="ES48-2219-0457")
    page = signed_in.get(SEARCH, {"q": "ES48-2219-0457"}).content.decode()
    assert f'href="/customers/{organization.pk}/"' in page
    assert "Found by serial number" in page


def test_search_lists_at_most_twenty_cases_newest_first(signed_in, agent):
    cases = [open_case(actor=agent, subject=f"Modem trouble {n}") for n in range(23)]
    page = signed_in.get(SEARCH, {"q": "modem trouble"}).content.decode()
    shown = [c for c in cases if f'href="/cases/{c.pk}/"' in page]
    assert shown == cases[3:]
    assert page.index(cases[-1].subject) < page.index(cases[3].subject)
    assert "The 20 newest matches" in page


def test_an_empty_search_gives_a_hint(signed_in, db):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = signed_in.get(SEARCH, params)
        assert response.status_code == 200
        assert "What are you looking for?" in response.content.decode()


def test_search_takes_the_last_of_repeated_values(signed_in, agent):
    open_case(actor=agent, subject="Yellow modem")
    response = signed_in.get(f"{SEARCH}?q[]=purple&q[]=yellow")
    assert response.status_code == 200
    assert "Yellow modem" in response.content.decode()
    response = signed_in.get(f"{SEARCH}?q=purple&q=yellow")
    assert "Yellow modem" in response.content.decode()


def test_an_overlong_query_is_cut_not_refused(signed_in, db):
    response = signed_in.get(SEARCH, {"q": "x" * 250})
    page = response.content.decode()
    assert response.status_code == 200
    assert "x" * 200 in page
    assert "x" * 201 not in page


def test_search_echoes_script_as_text(signed_in, agent):
    open_case(actor=agent, subject="<script>alert(1)</script> in the subject")
    page = signed_in.get(SEARCH, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; in the subject" in page


def test_portal_customer_gets_403(client, customer_user, agent, contact):
    case = open_case(actor=agent, contact=contact)
    client.force_login(customer_user)
    assert client.get(SEARCH, {"q": case.number}).status_code == 403
    assert client.get(SEARCH, {"q": "Maria"}).status_code == 403


# session, user, serial, name (+ phones, emails), case subjects, team
SEARCH_QUERIES = 8


@pytest.mark.parametrize("cases", [1, 30])
def test_search_query_count_does_not_grow(
    signed_in, django_assert_num_queries, agent, contact, cases
):
    for n in range(cases):
        open_case(actor=agent, contact=contact, subject=f"Maria's modem {n}")
    with django_assert_num_queries(SEARCH_QUERIES):
        response = signed_in.get(SEARCH, {"q": "Maria"})
    assert response.status_code == 200
    assert Case.objects.count() == cases


def test_search_redirect_costs_three_queries(signed_in, django_assert_num_queries, agent):
    case = open_case(actor=agent)
    with django_assert_num_queries(3):  # session, user, the case
        assert signed_in.get(SEARCH, {"q": case.number}).status_code == 302


def test_control_characters_are_dropped_from_the_query(signed_in, agent):
    open_case(actor=agent, subject="Yellow modem")
    response = signed_in.get(SEARCH, {"q": "yel\x00low\tmodem"})
    assert response.status_code == 200
    assert 'Results for “<span class="query-echo">yel low modem</span>”' in (
        response.content.decode()
    )
    assert "What are you looking for?" in signed_in.get(SEARCH, {"q": "\x00\x01"}).content.decode()
