"""The search page: case numbers go straight to the case; the exact customer lookup stands on
top; everything else the person may see comes ranked, highlighted, filtered and paged."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from followthrough.cases.models import Case
from followthrough.cases.selectors import case_id_from_number
from followthrough.cases.selectors.search import MAX_PAGE
from followthrough.cases.services import case_add_note, case_set_status
from followthrough.cases.states import CaseStatus
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.core.models import SearchDocument, SearchQueryLog
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


def page_of(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def linked_cases(page: str) -> list[int]:
    """The cases the results list links to, in the order shown."""
    results = page.split('class="search-results"', 1)[-1]
    return [int(n) for n in re.findall(r'href="/cases/(\d+)/"', results)]


# --- Case numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["FT-{n}", "ft-{n}", "#{n}", "{n}", " FT {n} ", "ft{n}"])
def test_a_case_number_goes_straight_to_the_case(signed_in, agent, typed):
    case = open_case(actor=agent)
    response = signed_in.get(SEARCH, {"q": typed.format(n=case.pk)})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert SearchQueryLog.objects.get().result_count == 1


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
    page = page_of(signed_in.get(SEARCH, {"q": "4242"}))
    assert "No case has the number 4242" in page
    assert "Case <mark>4242</mark> of the printer saga" in page


# --- What is found -----------------------------------------------------------------------


def test_the_exact_customer_lookup_stands_above_the_ranked_results(
    signed_in, agent, contact, organization
):
    ContactPhoneFactory.create(contact=contact, number="+14155550134")
    ContactEmailFactory.create(contact=contact, address="maria@acme.example")
    mine = open_case(actor=agent, contact=contact, subject="Maria's VPN keeps dropping")
    open_case(actor=agent, subject="Unrelated printer")

    page = page_of(signed_in.get(SEARCH, {"q": "Maria"}))

    assert page.index(f'href="/contacts/{contact.pk}/"') < page.index("search-results")
    assert "+1 415-555-0134" in page
    assert "Found by name" in page
    assert linked_cases(page) == [mine.pk]
    assert "<mark>Maria</mark>&#x27;s VPN keeps dropping" in page
    assert "Unrelated printer" not in page


def test_search_by_serial_links_the_organisation(signed_in, organization):
    AssetFactory.create(organization=organization, serial_number="ES48-2219-0457")
    page = page_of(signed_in.get(SEARCH, {"q": "ES48-2219-0457"}))
    assert f'href="/customers/{organization.pk}/"' in page
    assert "Found by serial number" in page


def test_results_are_ranked_and_show_where_the_words_were(signed_in, agent, contact):
    in_title = open_case(actor=agent, contact=contact, subject="Firewall blocks the VPN")
    in_notes = open_case(actor=agent, contact=contact, subject="Slow internet")
    log_call(agent, in_notes, note="Turned off the firewall for a test")
    open_case(actor=agent, contact=contact, subject="Nothing to do with it")

    page = page_of(signed_in.get(SEARCH, {"q": "firewall"}))

    assert linked_cases(page) == [in_title.pk, in_notes.pk]
    assert "Turned off the <mark>firewall</mark> for a test" in page
    assert "Internal notes" in page
    assert "Adam Agent" in page  # the owner, beside each case


def test_words_stemmed_and_prefixed_and_phrases_work_on_the_page(signed_in, agent):
    case = open_case(actor=agent, subject="Antivirus will not install")
    case_add_note(actor=agent, case=case, body="She was uninstalling the old suite")
    for query in ("uninstall", "instal*", '"old suite"', "antivirus -printer"):
        assert linked_cases(page_of(signed_in.get(SEARCH, {"q": query}))) == [case.pk], query
    assert linked_cases(page_of(signed_in.get(SEARCH, {"q": '"suite old"'}))) == []


def test_hostile_text_is_shown_as_text(signed_in, agent):
    case = open_case(actor=agent, subject="<script>alert(1)</script> in the subject")
    case_add_note(actor=agent, case=case, body="Pasted <img src=x onerror=alert(2)> printer note")
    page = page_of(signed_in.get(SEARCH, {"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.split("query-echo", 1)[1]
    page = page_of(signed_in.get(SEARCH, {"q": "printer"}))
    assert "<img" not in page
    assert "Pasted &lt;img src=x onerror=alert(2)&gt; <mark>printer</mark> note" in page


# --- Filters and kinds -------------------------------------------------------------------


def test_kind_narrows_the_results_and_keeps_the_query(signed_in, agent, organization):
    case = open_case(actor=agent, subject="Acme router")
    from followthrough.customers.services import organization_create

    acme = organization_create(actor=agent, name="Acme Routers Inc")
    everything = page_of(signed_in.get(SEARCH, {"q": "router"}))
    assert f'href="/cases/{case.pk}/"' in everything
    assert f'href="/customers/{acme.pk}/"' in everything
    cases_only = page_of(signed_in.get(SEARCH, {"q": "router", "kind": "case"}))
    assert f'href="/customers/{acme.pk}/"' not in cases_only
    assert f'href="/cases/{case.pk}/"' in cases_only
    assert "?q=router&amp;kind=organization" in cases_only  # the kind links keep the query
    assert 'aria-current="true">Cases<' in cases_only


def test_status_team_owner_and_dates_filter_the_cases(
    signed_in, agent, agent2, tier1, tier2, contact
):
    mine = open_case(actor=agent, contact=contact, subject="Modem one")
    theirs = open_case(actor=agent2, contact=contact, subject="Modem two")
    queued = open_case(actor=agent, owner=None, team=tier2, contact=contact, subject="Modem 3")
    log_call(agent, mine, resolve=True, note="Fixed")
    old = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.UTC)
    SearchDocument.objects.filter(object_id=theirs.pk).update(created_at=old)

    def shown(**params) -> list[int]:
        return sorted(linked_cases(page_of(signed_in.get(SEARCH, {"q": "modem", **params}))))

    assert shown() == sorted([mine.pk, theirs.pk, queued.pk])
    assert shown(status="resolved") == [mine.pk]
    assert shown(status="open") == sorted([theirs.pk, queued.pk])
    assert shown(team=tier2.pk) == [queued.pk]
    assert shown(owner=agent2.pk) == [theirs.pk]
    assert shown(opened_from="2025-01-15", opened_to="2025-01-15") == [theirs.pk]
    assert shown(opened_from="2025-01-16") == sorted([mine.pk, queued.pk])
    assert shown(opened_to="2025-01-14") == []


def test_pages_of_results(signed_in, agent):
    cases = [open_case(actor=agent, subject=f"Modem trouble {n}") for n in range(45)]
    first = page_of(signed_in.get(SEARCH, {"q": "modem trouble"}))
    assert len(linked_cases(first)) == 20
    assert "?q=modem+trouble&amp;page=2" in first
    assert 'rel="prev"' not in first
    third = page_of(signed_in.get(SEARCH, {"q": "modem trouble", "page": 3}))
    assert len(linked_cases(third)) == 5
    assert 'rel="next"' not in third and 'rel="prev"' in third
    shown = {
        n
        for p in (1, 2, 3)
        for n in linked_cases(page_of(signed_in.get(SEARCH, {"q": "modem trouble", "page": p})))
    }
    assert shown == {c.pk for c in cases}


# --- Refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("q=modem&status[]=open", "“status[]” is a list; give status once."),
        ("q=modem&q=router", "“q” was given 2 times; give it once."),
        ("q[]=modem", "“q[]” is a list; give q once."),
        ("q=modem&opened_from=2026-13-45", "Give the “opened from” date as a date"),
        ("q=modem&opened_to=yesterday", "Give the “opened to” date as a date"),
        (
            "q=modem&opened_from=2026-03-02&opened_to=2026-03-01",
            "The “opened to” date is before the “opened from” date.",
        ),
        ("q=modem&page=0", "Pages start at 1."),
        (f"q=modem&page={MAX_PAGE + 1}", f"Pages stop at {MAX_PAGE}"),
        ("q=modem&page=two", "The page is a number."),
        ("q=modem&status=sleeping", "Select a valid choice."),
        ("q=modem&kind=ticket", "Select a valid choice."),
        ("q=modem&team=999999", "Select a valid choice."),
        ("q=modem&owner=abc", "Select a valid choice."),
    ],
)
def test_bad_parameters_are_refused_with_words_and_nothing_is_logged(
    signed_in, agent, query_string, message
):
    open_case(actor=agent, subject="Modem")
    response = signed_in.get(f"{SEARCH}?{query_string}")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The search could not run" in page
    assert message.replace("“", "&ldquo;").replace("”", "&rdquo;") in page or message in page
    assert 'class="search-results"' not in page
    assert not SearchQueryLog.objects.exists()


def test_a_refused_search_keeps_what_was_typed(signed_in, db):
    response = signed_in.get(SEARCH, {"q": "vpn drops", "opened_from": "2026-02-30"})
    assert response.status_code == 400
    assert (
        'id="search-q" name="q" type="search" maxlength="200" autocomplete="off" value="vpn drops"'
        in (response.content.decode())
    )


def test_an_empty_search_gives_a_hint_and_logs_nothing(signed_in, db):
    for params in ({}, {"q": ""}, {"q": "   "}):
        assert "What are you looking for?" in page_of(signed_in.get(SEARCH, params))
    assert not SearchQueryLog.objects.exists()


def test_an_overlong_query_is_cut_not_refused(signed_in, db):
    page = page_of(signed_in.get(SEARCH, {"q": "x" * 250}))
    assert "x" * 200 in page
    assert "x" * 201 not in page


def test_control_characters_are_dropped_from_the_query(signed_in, agent):
    open_case(actor=agent, subject="Yellow modem")
    page = page_of(signed_in.get(SEARCH, {"q": "yel\x00low\tmodem"}))
    assert 'Results for “<span class="query-echo">yel low modem</span>”' in page
    assert "What are you looking for?" in page_of(signed_in.get(SEARCH, {"q": "\x00\x01"}))


def test_text_with_nothing_searchable_says_so(signed_in, agent):
    page = page_of(signed_in.get(SEARCH, {"q": "the * ()"}))
    assert "are not searched" in page


def test_portal_customer_gets_403(client, customer_user, agent, contact):
    case = open_case(actor=agent, contact=contact)
    client.force_login(customer_user)
    assert client.get(SEARCH, {"q": case.number}).status_code == 403
    assert client.get(SEARCH, {"q": "Maria"}).status_code == 403
    assert not SearchQueryLog.objects.exists()


# --- The log -----------------------------------------------------------------------------


def test_each_search_is_logged_once_with_what_it_found(signed_in, agent):
    for n in range(25):
        open_case(actor=agent, subject=f"Printer {n}")
    page_of(signed_in.get(SEARCH, {"q": "printer", "kind": "case"}))
    page_of(signed_in.get(SEARCH, {"q": "printer", "kind": "case", "page": 2}))
    page_of(signed_in.get(SEARCH, {"q": "plotter"}))
    logged = list(
        SearchQueryLog.objects.order_by("id").values_list("query", "kinds", "result_count")
    )
    assert logged[0] == ("printer", "case", 20)
    assert logged[1][0] == "plotter" and logged[1][2] == 0
    assert set(logged[1][1].split(",")) == {
        "article",
        "case",
        "contact",
        "organization",
        "table_row",
        "vendor",
    }
    assert all(
        user_id == agent.pk for user_id in SearchQueryLog.objects.values_list("user_id", flat=True)
    )


# --- Cost --------------------------------------------------------------------------------

# Session, user, teams and people for the filters, the customer lookup (serial, names that
# start so, organisations' people, the contacts, their phones, their emails), the search, the
# cases shown, the log, the top bar's team.
SEARCH_QUERIES = 14


@pytest.mark.parametrize("cases", [1, 30])
def test_search_query_count_does_not_grow(
    signed_in, django_assert_num_queries, agent, contact, cases
):
    for n in range(cases):
        open_case(actor=agent, contact=contact, subject=f"Maria's modem {n}")
    with django_assert_num_queries(SEARCH_QUERIES):
        response = signed_in.get(SEARCH, {"q": "Maria"})
    assert response.status_code == 200
    assert len(linked_cases(response.content.decode())) == min(cases, 20)
    assert Case.objects.count() == cases


def test_search_redirect_costs_six_queries(signed_in, django_assert_num_queries, agent):
    case = open_case(actor=agent)
    # Session, user, teams and people (the form), the case, the log.
    with django_assert_num_queries(6):
        assert signed_in.get(SEARCH, {"q": case.number}).status_code == 302


def test_a_closed_case_is_still_found_with_its_status(signed_in, agent):
    case = open_case(actor=agent, subject="Old modem")
    log_call(agent, case, resolve=True, note="Fixed")
    case_set_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    page = page_of(signed_in.get(SEARCH, {"q": "old modem"}))
    assert linked_cases(page) == [case.pk]
    assert 'badge-closed">Closed' in page
