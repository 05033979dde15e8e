"""Suggested articles on a case: the published articles and table rows that match its words,
rows with their typed cells, what is already marked as the solution; the panel on the case
page and the API, and what a portal customer may never see through it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.api_client import API, api_get, token_for
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import CaseArticle
from followthrough.cases.selectors.suggestions import case_suggestions, vendor_url
from followthrough.cases.services import case_mark_solution
from followthrough.cases.tests.factories import case_state, log_call
from followthrough.cases.tests.suggestion_samples import (
    REMOVAL_TOOL,
    incompatible_products,
    install_error_article,
    publish,
    vireo_case,
)
from followthrough.customers.tests.factories import ContactFactory
from followthrough.knowledge.models import Article, ArticleVisibility
from followthrough.knowledge.services.articles import article_create, article_unpublish

HTMX = {"HX-Request": "true"}
# The panel: session and user, the case, its solutions, its contact notes, the search, the
# articles, rows, columns and vendors it shows (once, whatever their number), the workspace team.
PANEL_QUERIES = 11


@pytest.fixture
def kb(tier1_lead):
    return incompatible_products(tier1_lead)


@pytest.fixture
def case(agent, contact):
    return vireo_case(agent, contact)


def panel_url(case) -> str:
    return reverse("case_suggestions", args=[case.pk])


# --- The selector ------------------------------------------------------------------------


def test_the_vireo_row_is_suggested_with_its_vendor_and_removal_tool(agent, kb, case):
    found = case_suggestions(case, agent)

    assert [s.article for s in found.articles] == [kb.article]
    [suggestion] = found.articles
    assert "<mark>" in suggestion.title_html
    rows = suggestion.rows
    assert rows[0].row == kb.vireo
    cells = {c.column: c for c in rows[0].cells}
    assert (cells["Product"].text, cells["Product"].href) == ("Vireo AV", "")
    assert cells["Vendor"].text == "Vireo Software"
    assert cells["Vendor"].href == vendor_url(kb.vendor.pk)
    assert (cells["Removal tool"].text, cells["Removal tool"].href) == (REMOVAL_TOOL, REMOVAL_TOOL)
    assert cells["Restart needed"].text == "Yes"
    assert [c.column for c in rows[0].cells] == [
        "Product",
        "Vendor",
        "Removal tool",
        "Restart needed",
    ]
    assert suggestion.solution is None
    assert found.solutions == []


def test_drafts_and_unpublished_articles_are_never_suggested(agent, tier1_lead, kb, case):
    article_create(
        actor=tier1_lead,
        title="Vireo AV and ShieldGuard install (draft)",
        body="Vireo AV blocks the ShieldGuard install: draft notes.",
        visibility=ArticleVisibility.INTERNAL,
    )
    article_unpublish(actor=tier1_lead, article=kb.article, reason="Being checked")

    assert case_suggestions(case, agent).articles == []


def test_a_case_with_nothing_distinctive_suggests_nothing(agent, kb, contact):
    case = vireo_case(agent, contact, subject="It is not ok", description="")

    found = case_suggestions(case, agent)

    assert (found.query, found.articles) == ("", [])


def test_what_is_marked_comes_with_the_suggestions(agent, kb, case):
    case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)

    found = case_suggestions(case, agent)

    [suggestion] = found.articles
    assert suggestion.solution is not None
    assert suggestion.solution.row_id == kb.vireo.pk
    assert [r.is_solution for r in suggestion.rows if r.row == kb.vireo] == [True]
    assert [s.article_id for s in found.solutions] == [kb.article.pk]


def test_the_latest_contact_notes_count_for_staff(agent, tier1_lead, contact):
    article = article_create(
        actor=tier1_lead,
        title="Quarantine folder fills the disk",
        body="Empty the quarantine folder from the console.",
        visibility=ArticleVisibility.INTERNAL,
    )
    publish(tier1_lead, article)
    case = vireo_case(agent, contact, subject="Laptop is slow", description="")
    assert case_suggestions(case, agent).articles == []

    log_call(agent, case, note="The quarantine folder is 40 GB and the disk is full.")

    assert [s.article.pk for s in case_suggestions(case, agent).articles] == [article.pk]


# --- The panel on the case page -----------------------------------------------------------


def test_the_panel_shows_the_row_with_a_link_to_the_removal_tool(client, agent, kb, case):
    client.force_login(agent)

    response = client.get(panel_url(case), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<h2 id="case-suggestions-title">')
    assert f'<tr id="suggested-row-{kb.vireo.pk}">' in html
    href = REMOVAL_TOOL.replace("&", "&amp;")
    link = f'<a href="{href}" target="_blank" rel="noopener noreferrer nofollow">'
    assert link in html
    assert reverse("article_detail", args=[kb.article.pk]) in html
    assert html.count("This solved it") == 3  # the article, and each of its two rows


def test_the_panel_is_a_page_of_its_own_without_javascript(client, agent, kb, case):
    client.force_login(agent)

    response = client.get(panel_url(case))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<!doctype html>" in html
    assert 'id="case-suggestions"' in html
    assert kb.article.title in html


def test_the_case_page_loads_the_panel_after_it(client, agent, case):
    client.force_login(agent)

    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()

    assert f'hx-get="{panel_url(case)}" hx-trigger="load"' in html
    assert f'<a href="{panel_url(case)}">' in html


def test_the_panel_costs_a_fixed_number_of_queries(
    client, agent, tier1_lead, kb, case, django_assert_num_queries
):
    client.force_login(agent)
    client.get(panel_url(case), headers=HTMX)
    case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)
    # More articles, rows and vendors do not cost more queries.
    install_error_article(tier1_lead)

    with django_assert_num_queries(PANEL_QUERIES):
        response = client.get(panel_url(case), headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().count('<tr id="suggested-row-') >= 3


def test_this_solved_it_from_the_panel_records_it_and_redraws_the_case(client, agent, kb, case):
    client.force_login(agent)

    response = client.post(
        reverse("case_mark_solution", args=[case.pk]),
        {"article": kb.article.pk, "row": kb.vireo.pk},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="case-body"')
    assert f"Marked “{kb.article.title}” as the solution of {case.number}." in html
    assert CaseArticle.objects.filter(case=case, article=kb.article, row=kb.vireo).exists()
    panel = client.get(panel_url(case), headers=HTMX).content.decode()
    assert "Marked as the solution" in panel
    assert reverse("case_unmark_solution", args=[CaseArticle.objects.get().pk]) in panel


def test_a_second_mark_from_the_panel_is_refused_in_the_panel(client, agent, agent2, kb, case):
    case_mark_solution(actor=agent2, case=case, article=kb.article)
    client.force_login(agent)
    before = case_state(case)

    response = client.post(
        reverse("case_mark_solution", args=[case.pk]), {"article": kb.article.pk}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#case-suggestions"
    assert response["HX-Reswap"] == "innerHTML"
    assert "is already marked as the solution" in html
    assert case_state(case) == before
    assert Article.objects.get(pk=kb.article.pk).solved_count == 1


def test_marking_without_javascript_goes_back_to_the_case(client, agent, kb, case):
    client.force_login(agent)

    response = client.post(
        reverse("case_mark_solution", args=[case.pk]), {"article": kb.article.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert CaseArticle.objects.filter(case=case).count() == 1


def test_undo_from_the_panel(client, agent, kb, case):
    solution = case_mark_solution(actor=agent, case=case, article=kb.article)
    client.force_login(agent)

    response = client.post(reverse("case_unmark_solution", args=[solution.pk]), headers=HTMX)

    assert response.status_code == 200
    assert "is no longer marked as the solution" in response.content.decode()
    assert not CaseArticle.objects.exists()
    assert Article.objects.get(pk=kb.article.pk).solved_count == 0


@pytest.mark.parametrize(
    "data", [{}, {"article": "x"}, {"article": "99999999"}, {"article": "1", "row": "-1"}]
)
def test_a_forged_mark_is_refused_in_words(client, agent, kb, case, data):
    client.force_login(agent)
    before = case_state(case)

    response = client.post(reverse("case_mark_solution", args=[case.pk]), data, headers=HTMX)

    assert response.status_code == 200
    assert 'class="refusal"' in response.content.decode()
    assert case_state(case) == before


def test_a_mark_by_get_changes_nothing(client, agent, kb, case):
    client.force_login(agent)

    response = client.get(reverse("case_mark_solution", args=[case.pk]), {"article": kb.article.pk})

    assert response.status_code == 405
    assert not CaseArticle.objects.exists()


def test_customers_do_not_get_the_staff_panel(client, customer_user, case):
    client.force_login(customer_user)

    assert client.get(panel_url(case), headers=HTMX).status_code == 403


# --- The API, and what a portal customer sees ---------------------------------------------


def test_api_suggestions_for_staff(client, agent, kb, case):
    response = api_get(client, f"/cases/{case.pk}/suggestions", token_for(agent))

    assert response.status_code == 200, response.content
    body = response.json()
    [article] = body["articles"]
    assert (article["id"], article["visibility"]) == (kb.article.pk, "internal")
    assert article["url"] == reverse("article_detail", args=[kb.article.pk])
    vireo = next(r for r in article["rows"] if r["id"] == kb.vireo.pk)
    removal = next(c for c in vireo["cells"] if c["column"] == "Removal tool")
    assert (removal["type"], removal["href"]) == ("url", REMOVAL_TOOL)


def test_portal_customers_only_ever_get_published_public_articles(
    client, agent, tier1_lead, kb, case, customer_user
):
    public = install_error_article(tier1_lead)
    draft_public = article_create(
        actor=tier1_lead,
        title="Vireo AV blocks the ShieldGuard install: public draft",
        body="Vireo AV ShieldGuard install",
        visibility=ArticleVisibility.PUBLIC,
    )
    client.force_login(customer_user)

    response = client.get(f"{API}/cases/{case.pk}/suggestions")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [a["id"] for a in body["articles"]] == [public.pk]
    text = response.content.decode()
    assert kb.article.title not in text  # internal
    assert "Kestrel" not in text and "Vireo Software" not in text  # the internal table
    assert draft_public.title not in text
    # The staff see both published articles.
    staff = api_get(client, f"/cases/{case.pk}/suggestions", token_for(agent)).json()
    assert {a["id"] for a in staff["articles"]} == {kb.article.pk, public.pk}


def test_portal_suggestions_never_use_internal_contact_notes(
    client, agent, tier1_lead, contact, customer_user
):
    article = article_create(
        actor=tier1_lead,
        title="Quarantine folder fills the disk",
        body="Empty the quarantine folder from the console.",
        visibility=ArticleVisibility.PUBLIC,
    )
    publish(tier1_lead, article)
    case = vireo_case(agent, contact, subject="Laptop is slow", description="")
    log_call(agent, case, note="The quarantine folder is 40 GB and the disk is full.")
    client.force_login(customer_user)

    body = client.get(f"{API}/cases/{case.pk}/suggestions").json()

    assert body["articles"] == []
    assert "quarantine" not in body["query"]


def test_portal_customers_of_another_organisation_get_not_found(
    client, agent, kb, other_organization
):
    stranger = ContactFactory.create(organization=other_organization)
    their_case = vireo_case(agent, stranger)
    outsider = UserFactory.create(role=Role.CUSTOMER)
    contact = ContactFactory.create(user=outsider)
    assert contact.organization_id != their_case.organization_id
    client.force_login(outsider)

    response = client.get(f"{API}/cases/{their_case.pk}/suggestions")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
