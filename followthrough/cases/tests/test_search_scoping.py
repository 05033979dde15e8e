"""Who finds what: the search across everything builds its scopes from what the person may
see, so nobody finds what they could not open — and a portal customer never matches another
organisation's cases nor the internal text of their own."""

from __future__ import annotations

import pytest
from django.urls import include, path

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.selectors.search import (
    MAX_PAGE,
    hit_url,
    search_filters,
    search_for,
    searchable_kinds,
)
from followthrough.cases.services import case_add_note
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.core.errors import Invalid
from followthrough.core.search import index_document, search
from followthrough.customers.services import contact_create, organization_create
from followthrough.customers.tests.factories import ContactFactory

# A URL map without the knowledge base's pages, for the links that must fall back.
urlpatterns = [path("", include("followthrough.cases.urls"))]


def found(actor, text: str, **kw) -> list[tuple[str, int]]:
    return [(r.hit.kind, r.hit.object_id) for r in search_for(actor, text, **kw).results]


@pytest.fixture
def knowledge(db, agent):
    """Articles in every state, a row of each, and a vendor — as the knowledge base writes
    them into the index."""
    at = agent.date_joined
    documents = [
        ("article", 1, "Published public antivirus guide", "published", True, None),
        ("article", 2, "Published internal antivirus notes", "published", False, None),
        ("article", 3, "Draft antivirus article", "draft", True, None),
        ("table_row", 11, "Guide — Incompatible antivirus products", "published", True, 1),
        ("table_row", 12, "Notes — Antivirus escalation list", "published", False, 2),
        ("vendor", 21, "Brand X Antivirus Corp", "", False, None),
    ]
    for kind, object_id, title, status, public, parent in documents:
        index_document(
            kind=kind,
            object_id=object_id,
            title=title,
            body="removal tool",
            created_at=at,
            status=status,
            is_public=public,
            parent_id=parent,
        )


def test_staff_find_cases_customers_articles_rows_and_vendors(agent, contact, knowledge):
    case = open_case(actor=agent, contact=contact, subject="Antivirus will not install")
    acme = organization_create(actor=agent, name="Antivirus Resellers Ltd")
    assert sorted(found(agent, "antivirus")) == sorted(
        [
            ("case", case.pk),
            ("organization", acme.pk),
            ("article", 1),
            ("article", 2),
            ("article", 3),
            ("table_row", 11),
            ("table_row", 12),
            ("vendor", 21),
        ]
    )


def test_a_case_is_one_hit_whichever_of_its_documents_matched(agent, contact):
    case = open_case(actor=agent, contact=contact, subject="Printer jams")
    case_add_note(actor=agent, case=case, body="Printer rollers worn")
    log_call(agent, case, note="Printer model read out")
    results = search_for(agent, "printer").results
    assert len(results) == 1
    assert results[0].case_id == case.pk
    assert results[0].url == f"/cases/{case.pk}/"


def test_a_portal_customer_finds_only_their_organisations_public_case_text(
    agent, contact, customer_user, other_organization
):
    own = open_case(actor=agent, contact=contact, subject="Our VPN is down")
    case_add_note(actor=agent, case=own, body="Sent the new VPN profile", visibility="public")
    case_add_note(actor=agent, case=own, body="Customer admin is difficult about the VPN")
    log_call(agent, own, note="Whispered password reset")
    other_contact = ContactFactory.create(organization=other_organization)
    other = open_case(actor=agent, contact=other_contact, subject="Foreign VPN outage")

    assert found(customer_user, "vpn") == [("case", own.pk)]
    assert found(customer_user, "profile") == [("case", own.pk)]
    assert found(customer_user, "difficult") == []
    assert found(customer_user, "whispered") == []
    assert found(customer_user, "foreign") == []
    assert found(agent, "foreign") == [("case", other.pk)]
    # Missing and forbidden look the same: nothing.
    assert found(customer_user, "nonexistentword") == found(customer_user, "foreign") == []


def test_a_portal_customer_finds_published_public_articles_only(customer_user, knowledge):
    assert sorted(found(customer_user, "antivirus")) == [("article", 1), ("table_row", 11)]
    assert found(customer_user, "brand") == []
    assert searchable_kinds(customer_user) == ["case", "article", "table_row"]


def test_a_portal_user_without_an_organisation_finds_no_cases(agent, contact, knowledge):
    lost = UserFactory.create(role=Role.CUSTOMER)
    open_case(actor=agent, contact=contact, subject="Antivirus trouble")
    assert sorted(found(lost, "antivirus")) == [("article", 1), ("table_row", 11)]


def test_customer_records_need_the_right_to_see_customers(agent, organization):
    maria = contact_create(actor=agent, organization=organization, name="Maria Lopez")
    assert found(agent, "maria") == [("contact", maria.pk)]
    agent.token_scopes = frozenset({Capability.CASE_VIEW, Capability.KB_VIEW})
    assert found(agent, "maria") == []
    agent.token_scopes = frozenset({Capability.CUSTOMER_VIEW})
    assert found(agent, "maria") == [("contact", maria.pk)]
    assert searchable_kinds(agent) == ["contact", "organization"]


def test_someone_who_may_see_nothing_finds_nothing(agent, contact, knowledge):
    open_case(actor=agent, contact=contact, subject="Antivirus trouble")
    agent.token_scopes = frozenset({Capability.WEBHOOK_MANAGE})
    page = search_for(agent, "antivirus")
    assert page.results == [] and page.kinds == []


def test_kinds_narrow_the_search(agent, contact, knowledge):
    open_case(actor=agent, contact=contact, subject="Antivirus trouble")
    assert found(agent, "antivirus", kinds=["vendor"]) == [("vendor", 21)]
    assert sorted(found(agent, "antivirus", kinds=["article", "table_row"])) == [
        ("article", 1),
        ("article", 2),
        ("article", 3),
        ("table_row", 11),
        ("table_row", 12),
    ]
    with pytest.raises(Invalid):
        search_for(agent, "antivirus", kinds=["ticket"])


def test_filters_are_checked(agent):
    with pytest.raises(Invalid):
        search_filters(status="sleeping")
    assert search_filters() is None
    filters = search_filters(status="open")
    assert filters is not None
    assert filters.statuses == frozenset(
        {"new", "open", "pending_customer", "pending_third_party", "scheduled"}
    )
    with pytest.raises(Invalid):
        search_for(agent, "x", page=MAX_PAGE + 1)
    with pytest.raises(Invalid):
        search_for(agent, "x", page=0)


def test_hits_link_to_their_pages(agent, knowledge, organization):
    maria = contact_create(actor=agent, organization=organization, name="Maria")
    links = {(r.hit.kind, r.hit.object_id): r.url for r in search_for(agent, "antivirus").results}
    assert links[("article", 1)] == "/kb/articles/1/"
    assert links[("table_row", 11)] == "/kb/articles/1/#row-11"
    assert links[("vendor", 21)] == "/kb/vendors/21/"
    (contact_hit,) = search_for(agent, "maria").results
    assert contact_hit.url == f"/contacts/{maria.pk}/"


@pytest.mark.urls("followthrough.cases.tests.test_search_scoping")
def test_links_to_pages_not_installed_fall_back_to_none(agent, knowledge):
    hits = {(h.kind, h.object_id): h for h in search("antivirus", scopes=_all_scopes()).hits}
    assert hit_url(hits[("article", 1)]) == ""
    assert hit_url(hits[("table_row", 11)]) == ""
    assert hit_url(hits[("vendor", 21)]) == ""


def _all_scopes():
    from followthrough.core.search import Scope

    return [Scope(kind="article"), Scope(kind="table_row"), Scope(kind="vendor")]
