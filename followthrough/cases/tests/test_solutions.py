"""'This solved it': an article (and a row of its tables) named as a case's solution, counted
once on the article, and taken back with an undo."""

from __future__ import annotations

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.api_client import (
    API,
    api_delete,
    api_get,
    api_post,
    assert_problem,
    session_post,
    token_for,
)
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import CaseArticle, CaseEvent
from followthrough.cases.services import (
    case_mark_solution,
    case_set_status,
    case_unmark_solution,
)
from followthrough.cases.states import CaseStatus, EventType
from followthrough.cases.tests.factories import case_state
from followthrough.cases.tests.suggestion_samples import incompatible_products, vireo_case
from followthrough.core.errors import CommonError, ServiceError
from followthrough.customers.tests.factories import ContactFactory
from followthrough.knowledge.models import Article, ArticleVisibility
from followthrough.knowledge.services.articles import article_create, article_unpublish


def solved_count(article: Article) -> int:
    return Article.objects.values_list("solved_count", flat=True).get(pk=article.pk)


def everything(case, article) -> dict[str, object]:
    return {
        "case": case_state(case),
        "solved_count": solved_count(article),
        "solutions": list(CaseArticle.objects.order_by("pk").values_list("pk", "article_id")),
    }


@pytest.fixture
def kb(tier1_lead):
    return incompatible_products(tier1_lead)


@pytest.fixture
def case(agent, contact):
    return vireo_case(agent, contact)


# --- Services ----------------------------------------------------------------------------


def test_marking_the_solution_counts_once_and_is_on_the_timeline(agent, kb, case):
    solution = case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)

    assert (solution.case_id, solution.article, solution.row, solution.linked_by) == (
        case.pk,
        kb.article,
        kb.vireo,
        agent,
    )
    assert solved_count(kb.article) == 1
    case.refresh_from_db()
    assert case.version == 2
    [event] = CaseEvent.objects.filter(case=case, type=EventType.ARTICLE_SOLVED)
    assert event.actor == agent
    assert event.case_version == 2
    assert event.after == {
        "article": {"id": kb.article.pk, "title": kb.article.title},
        "row": kb.vireo.pk,
    }


def test_a_second_mark_of_the_same_article_is_refused_and_changes_nothing(agent, agent2, kb, case):
    case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)
    before = everything(case, kb.article)

    with pytest.raises(ServiceError) as refused:
        case_mark_solution(actor=agent2, case=case, article=kb.article, row=kb.kestrel)

    assert refused.value.code == CaseError.SOLUTION_EXISTS
    assert everything(case, kb.article) == before
    assert solved_count(kb.article) == 1


def test_the_same_article_may_solve_several_cases(agent, kb, case, contact):
    other = vireo_case(agent, contact, subject="ShieldGuard will not install on the laptop")
    case_mark_solution(actor=agent, case=case, article=kb.article)
    case_mark_solution(actor=agent, case=other, article=kb.article, row=kb.kestrel)

    assert solved_count(kb.article) == 2


def test_undo_takes_the_mark_back_and_decrements(agent, kb, case):
    solution = case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)

    case_unmark_solution(actor=agent, case_article=solution)

    assert not CaseArticle.objects.filter(case=case).exists()
    assert solved_count(kb.article) == 0
    case.refresh_from_db()
    assert case.version == 3
    undo = CaseEvent.objects.filter(case=case, type=EventType.ARTICLE_SOLVED).latest("id")
    assert undo.before == {
        "article": {"id": kb.article.pk, "title": kb.article.title},
        "row": kb.vireo.pk,
    }
    assert undo.after == {"article": None, "row": None}
    # Marked again after the undo: counted again, once.
    case_mark_solution(actor=agent, case=case, article=kb.article)
    assert solved_count(kb.article) == 1


def test_undo_of_a_mark_already_taken_back_is_refused(agent, agent2, kb, case):
    solution = case_mark_solution(actor=agent, case=case, article=kb.article)
    case_unmark_solution(actor=agent2, case_article=solution)
    before = everything(case, kb.article)

    with pytest.raises(ServiceError) as refused:
        case_unmark_solution(actor=agent, case_article=solution)

    assert refused.value.code == CommonError.NOT_FOUND
    assert everything(case, kb.article) == before


@pytest.mark.parametrize("state", ["draft", "unpublished"])
def test_only_a_published_article_can_be_the_solution(agent, tier1_lead, kb, case, state):
    if state == "draft":
        article = article_create(
            actor=tier1_lead,
            title="ShieldGuard install notes (draft)",
            body="Work in progress",
            visibility=ArticleVisibility.INTERNAL,
        )
    else:
        article = article_unpublish(actor=tier1_lead, article=kb.article, reason="Outdated")
    before = everything(case, article)

    with pytest.raises(ServiceError) as refused:
        case_mark_solution(actor=agent, case=case, article=article)

    assert refused.value.code == CaseError.ARTICLE_NOT_PUBLISHED
    assert everything(case, article) == before


def test_a_row_of_another_article_is_refused(agent, tier1_lead, kb, case):
    other = article_create(
        actor=tier1_lead, title="Other", body="Other text", visibility=ArticleVisibility.INTERNAL
    )
    before = everything(case, kb.article)

    with pytest.raises(ServiceError) as refused:
        case_mark_solution(actor=agent, case=case, article=other, row=kb.vireo)

    assert refused.value.code == CommonError.INVALID
    assert everything(case, kb.article) == before


def test_someone_without_case_work_cannot_mark(kb, case):
    customer = UserFactory.create(role=Role.CUSTOMER)
    before = everything(case, kb.article)

    with pytest.raises(ServiceError) as refused:
        case_mark_solution(actor=customer, case=case, article=kb.article)

    assert refused.value.code == CommonError.FORBIDDEN
    assert everything(case, kb.article) == before


def test_a_closed_case_takes_no_mark(agent, kb, case):
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    before = everything(case, kb.article)

    with pytest.raises(ServiceError) as refused:
        case_mark_solution(actor=agent, case=case, article=kb.article)

    assert refused.value.code == CaseError.CASE_CLOSED
    assert everything(case, kb.article) == before


# --- API ---------------------------------------------------------------------------------


def test_api_marks_lists_and_undoes_a_solution(client, agent, kb, case):
    token = token_for(agent)

    created = api_post(
        client,
        f"/cases/{case.pk}/solutions",
        token,
        {"article_id": kb.article.pk, "row_id": kb.vireo.pk},
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["case_id"], body["article_id"], body["row_id"]) == (
        case.pk,
        kb.article.pk,
        kb.vireo.pk,
    )
    assert body["article_title"] == kb.article.title
    assert body["linked_by"]["id"] == agent.pk
    assert created["ETag"] == '"2"'
    listed = api_get(client, f"/cases/{case.pk}/solutions", token)
    assert [s["id"] for s in listed.json()] == [body["id"]]

    again = api_post(client, f"/cases/{case.pk}/solutions", token, {"article_id": kb.article.pk})
    assert_problem(again, 409, CaseError.SOLUTION_EXISTS)
    assert solved_count(kb.article) == 1

    gone = api_delete(client, f"/solutions/{body['id']}", token)
    assert gone.status_code == 204
    assert solved_count(kb.article) == 0
    assert api_get(client, f"/cases/{case.pk}/solutions", token).json() == []
    assert_problem(api_delete(client, f"/solutions/{body['id']}", token), 404, "not_found")


def test_api_refuses_unknown_fields_and_a_missing_article(client, agent, kb, case):
    token = token_for(agent)
    before = everything(case, kb.article)

    unknown = api_post(
        client, f"/cases/{case.pk}/solutions", token, {"article_id": kb.article.pk, "x": 1}
    )
    missing = api_post(client, f"/cases/{case.pk}/solutions", token, {"article_id": 999999})
    as_list = api_post(client, f"/cases/{case.pk}/solutions", token, {"article_id": [1, 2]})

    assert_problem(unknown, 422, "invalid")
    assert_problem(missing, 404, "not_found")
    assert_problem(as_list, 422, "invalid")
    assert everything(case, kb.article) == before


def test_api_portal_customer_cannot_mark_nor_see_other_organisations(
    client, agent, kb, case, customer_user, other_organization
):
    solution = case_mark_solution(actor=agent, case=case, article=kb.article)
    client.force_login(customer_user)
    before = everything(case, kb.article)

    marked = session_post(client, f"/cases/{case.pk}/solutions", {"article_id": kb.article.pk})
    undone = client.delete(f"{API}/solutions/{solution.pk}")

    # The internal article is not the customer's to see: not found, like a missing one.
    assert_problem(marked, 404, "not_found")
    assert_problem(undone, 404, "not_found")
    assert client.get(f"{API}/cases/{case.pk}/solutions").json() == []
    assert everything(case, kb.article) == before

    stranger = ContactFactory.create(organization=other_organization)
    their_case = vireo_case(agent, stranger)
    assert_problem(client.get(f"{API}/cases/{their_case.pk}/solutions"), 404, "not_found")


def test_api_portal_customer_cannot_mark_a_public_article_either(
    client, agent, tier1_lead, case, customer_user
):
    public = incompatible_products(tier1_lead, visibility=ArticleVisibility.PUBLIC)
    client.force_login(customer_user)
    before = everything(case, public.article)

    marked = session_post(client, f"/cases/{case.pk}/solutions", {"article_id": public.article.pk})

    assert_problem(marked, 403, "forbidden")
    assert everything(case, public.article) == before


def test_the_timeline_names_the_article_marked_and_unmarked(agent, kb, case):
    from followthrough.cases.views.timeline import timeline_line

    solution = case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)
    case_unmark_solution(actor=agent, case_article=solution)

    marked, unmarked = (
        timeline_line(event)
        for event in CaseEvent.objects.filter(case=case, type=EventType.ARTICLE_SOLVED).order_by(
            "id"
        )
    )
    assert marked.title == "Marked as the solution"
    assert marked.facts == [("Article", kb.article.title), ("Table row", f"#{kb.vireo.pk}")]
    assert unmarked.title == "No longer marked as the solution"
    assert unmarked.facts == [("Article", kb.article.title)]
