"""GET /api/v1/search: ranked, highlighted hits with links, the same scoping as the page, and
clear refusals for what a hand-made request gets wrong."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from followthrough.accounts.tests.api_client import API, assert_problem, bearer, token_for
from followthrough.cases.selectors.search import MAX_PAGE
from followthrough.cases.services import case_add_note
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.core.errors import CommonError
from followthrough.core.models import SearchDocument, SearchQueryLog
from followthrough.customers.tests.factories import ContactFactory


@pytest.fixture
def agent_token(agent):
    return token_for(agent)


def get(client, token: str, query: str):
    return client.get(f"{API}/search?{query}", headers=bearer(token))


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_hits_carry_kind_ids_title_snippet_rank_and_link(client, agent, agent_token, contact):
    case = open_case(actor=agent, contact=contact, subject="Firewall blocks <b>VPN</b>")
    log_call(agent, case, note="Opened port 443 on the firewall")
    response = client.get(f"{API}/search", {"q": "firewall"}, headers=bearer(agent_token))
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "firewall" and body["page"] == 1 and body["has_more"] is False
    (item,) = body["items"]
    assert item["kind"] in {"case", "case_internal"}
    assert item["id"] == case.pk
    assert item["title"] == f"{case.number} Firewall blocks <b>VPN</b>"
    assert (
        item["title_html"] == f"{case.number} <mark>Firewall</mark> blocks &lt;b&gt;VPN&lt;/b&gt;"
    )
    assert item["rank"] > 0
    assert item["status"] == "open"
    assert item["url"] == f"/cases/{case.pk}/"
    response = client.get(f"{API}/search", {"q": "port 443"}, headers=bearer(agent_token))
    (item,) = response.json()["items"]
    assert (item["kind"], item["parent_id"]) == ("case_internal", case.pk)
    assert "<mark>port</mark> <mark>443</mark>" in item["snippet"]


def test_filters_kinds_and_pages(client, agent, agent2, agent_token, tier2, contact):
    mine = [open_case(actor=agent, contact=contact, subject=f"Modem {n}") for n in range(22)]
    theirs = open_case(actor=agent2, owner=None, team=tier2, contact=contact, subject="Modem x")
    log_call(agent, mine[0], resolve=True, note="Fixed")
    SearchDocument.objects.filter(object_id=theirs.pk).update(
        created_at=dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC)
    )
    first = get(client, agent_token, "q=modem&kind=case")
    assert len(ids(first)) == 20 and first.json()["has_more"] is True
    second = get(client, agent_token, "q=modem&kind=case&page=2")
    assert len(ids(second)) == 3 and second.json()["has_more"] is False
    assert ids(get(client, agent_token, "q=modem&status=resolved")) == [mine[0].pk]
    assert ids(get(client, agent_token, f"q=modem&team={tier2.pk}")) == [theirs.pk]
    assert ids(get(client, agent_token, f"q=modem&owner={agent2.pk}")) == []
    assert ids(get(client, agent_token, "q=modem&created_to=2025-01-15")) == [theirs.pk]
    window = "q=modem&created_from=2025-01-15&created_to=2025-01-15"
    assert ids(get(client, agent_token, window)) == [theirs.pk]
    assert theirs.pk not in ids(get(client, agent_token, "q=modem&created_from=2025-01-16"))
    assert ids(get(client, agent_token, "q=modem&kind=vendor")) == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("q=modem&q=router", "“q” was given 2 times; give it once."),
        ("q=modem&status[]=open", None),
        ("q=modem&created_from=2026-02-30", "created_from"),
        ("q=modem&created_to=yesterday", "created_to"),
        ("q=modem&created_from=2026-03-02&created_to=2026-03-01", "created_from is after"),
        ("q=modem&page=0", "page"),
        (f"q=modem&page={MAX_PAGE + 1}", "page"),
        ("q=modem&status=sleeping", "'sleeping' is not a status"),
        ("q=modem&kind=ticket", "kind"),
        ("q=modem&team=abc", "team"),
        ("q=modem&is_staff=true", "is_staff"),
        ("kind=case", "q"),
        ("q=" + "x" * 201, "q"),
        ("q=mo%00dem", "NUL"),
    ],
)
def test_bad_parameters_are_refused_with_words_and_nothing_is_logged(
    client, agent, agent_token, query, words
):
    open_case(actor=agent, subject="Modem")
    body = assert_problem(get(client, agent_token, query), 422, CommonError.INVALID)
    if words is not None:
        assert words in str(body)
    assert not SearchQueryLog.objects.exists()


def test_a_portal_customer_finds_their_organisations_cases_by_public_text_only(
    client, agent, contact, customer_user, other_organization
):
    own = open_case(actor=agent, contact=contact, subject="Router reboots")
    case_add_note(actor=agent, case=own, body="Router firmware sent", visibility="public")
    case_add_note(actor=agent, case=own, body="Router owner is grumpy")
    other = ContactFactory.create(organization=other_organization)
    open_case(actor=agent, contact=other, subject="Router elsewhere")
    # Portal customers use the API with their browser session.
    client.force_login(customer_user)

    def found(query: str) -> list[int]:
        return ids(client.get(f"{API}/search?{query}"))

    assert found("q=router") == [own.pk]
    assert found("q=firmware") == [own.pk]
    assert found("q=grumpy") == []
    assert found("q=elsewhere") == found("q=nowhere") == []
    assert found("q=router&kind=contact") == []


def test_the_first_page_of_a_search_is_logged(client, agent, agent_token):
    for n in range(21):
        open_case(actor=agent, subject=f"Printer {n}")
    get(client, agent_token, "q=printer&kind=case")
    get(client, agent_token, "q=printer&kind=case&page=2")
    get(client, agent_token, "q=plotter&kind=case")
    get(client, agent_token, "q=")
    assert list(
        SearchQueryLog.objects.order_by("id").values_list("query", "kinds", "result_count")
    ) == [
        ("printer", "case", 20),
        ("plotter", "case", 0),
    ]


def test_hostile_query_text_is_answered(client, agent, agent_token):
    open_case(actor=agent, subject="Printer offline")
    for text in ['"', "(printer", "printer NEAR modem", "*", "-", "'; DROP TABLE x; --"]:
        response = client.get(f"{API}/search?q={quote(text)}", headers=bearer(agent_token))
        assert response.status_code == 200, text


def test_signing_in_is_required(client, db):
    assert client.get(f"{API}/search?q=x").status_code == 401


# The token (3), the search, the log.
def test_search_costs_five_queries(client, agent, agent_token, contact, django_assert_num_queries):
    for n in range(30):
        open_case(actor=agent, contact=contact, subject=f"Modem {n}")
    with django_assert_num_queries(5):
        assert len(ids(get(client, agent_token, "q=modem"))) == 20
