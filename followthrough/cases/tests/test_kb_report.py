"""The knowledge report: articles that solved the most cases in a period (and of all time),
searches that found nothing grouped by their text, and published articles past their review
date with their owner; as a page for leads and through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from followthrough.accounts.tests.api_client import api_get, assert_problem, token_for
from followthrough.cases.models import CaseArticle
from followthrough.cases.selectors.kb_report import knowledge_report, period_bounds
from followthrough.cases.services import case_mark_solution, case_unmark_solution
from followthrough.cases.tests.suggestion_samples import (
    incompatible_products,
    install_error_article,
    publish,
    vireo_case,
)
from followthrough.core.models import SearchQueryLog
from followthrough.core.search import search_log
from followthrough.knowledge.models import Article, ArticleVisibility
from followthrough.knowledge.services.articles import article_create

TODAY = dt.date(2026, 3, 16)
# Session and user; solutions in the period and the articles solving most, all time, the
# empty searches and their total, the overdue reviews; the workspace team.
REPORT_QUERIES = 9


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def solve(agent, case, article, when: dt.date) -> CaseArticle:
    solution = case_mark_solution(actor=agent, case=case, article=article)
    CaseArticle.objects.filter(pk=solution.pk).update(created_at=at(when))
    return solution


def searched(text: str, found: int, when: dt.date, user_id: int | None = None) -> None:
    search_log(user_id=user_id, query=text, kinds=["case", "article"], result_count=found)
    latest = SearchQueryLog.objects.latest("id")
    SearchQueryLog.objects.filter(pk=latest.pk).update(created_at=at(when))


@pytest.fixture
def articles(tier1_lead):
    kb = incompatible_products(tier1_lead)
    return kb.article, install_error_article(tier1_lead)


def test_articles_that_solved_the_most_cases_in_the_period(agent, contact, articles):
    vireo, install = articles
    cases = [vireo_case(agent, contact, subject=f"ShieldGuard install {n}") for n in range(4)]
    solve(agent, cases[0], vireo, days_ago(2))
    solve(agent, cases[1], vireo, days_ago(3))
    solve(agent, cases[2], install, days_ago(1))
    solve(agent, cases[3], install, days_ago(40))  # before the period: all time only
    since, until = period_bounds(days_ago(29), days_ago(0))

    report = knowledge_report(since=since, until=until)

    assert [(r.article_id, r.cases, r.solved_count) for r in report.solved_in_period] == [
        (vireo.pk, 2, 2),
        (install.pk, 1, 2),
    ]
    assert report.solutions_in_period == 3
    # All time: both solved two; the older article first on a tie.
    assert [(a.pk, a.solved_count) for a in report.kb.most_solved] == [
        (vireo.pk, 2),
        (install.pk, 2),
    ]


def test_an_undone_mark_no_longer_counts(agent, contact, articles):
    vireo, _ = articles
    case = vireo_case(agent, contact)
    solution = solve(agent, case, vireo, days_ago(1))
    case_unmark_solution(actor=agent, case_article=solution)
    since, until = period_bounds(days_ago(29), days_ago(0))

    report = knowledge_report(since=since, until=until)

    assert report.solved_in_period == []
    assert report.kb.most_solved == []


def test_searches_that_found_nothing_are_grouped_by_their_text(db):
    searched("VPN token expired", 0, days_ago(1))
    searched("vpn TOKEN expired", 0, days_ago(3))
    searched("  Vpn token expired ", 0, days_ago(2))
    searched("printer duplex", 0, days_ago(5))
    searched("printer duplex", 4, days_ago(1))  # found something: not listed
    searched("old problem", 0, days_ago(60))  # before the period
    since, until = period_bounds(days_ago(29), days_ago(0))

    report = knowledge_report(since=since, until=until).kb

    assert [(s.query, s.count) for s in report.empty_searches] == [
        ("vpn token expired", 3),
        ("printer duplex", 1),
    ]
    assert report.empty_searches[0].last_at == at(days_ago(1))
    assert report.empty_search_total == 4


def test_published_articles_past_their_review_date_with_their_owner(tier1_lead, agent):
    def article(title: str, review_by: dt.date | None, published: bool = True) -> Article:
        made = article_create(
            actor=tier1_lead,
            title=title,
            body="Text",
            visibility=ArticleVisibility.INTERNAL,
            owner=agent,
            review_by=review_by,
        )
        return publish(tier1_lead, made) if published else made

    long_overdue = article("Long overdue", TODAY - dt.timedelta(days=90))
    overdue = article("Overdue", TODAY - dt.timedelta(days=1))
    article("Due today", TODAY)
    article("Never reviewed", None)
    article("Draft overdue", TODAY - dt.timedelta(days=5), published=False)
    since, until = period_bounds(TODAY - dt.timedelta(days=29), TODAY)

    report = knowledge_report(since=since, until=until, today=TODAY).kb

    assert [(o.article, o.days) for o in report.overdue_reviews] == [
        (long_overdue, 90),
        (overdue, 1),
    ]
    assert report.overdue_reviews[0].article.owner == agent
    assert report.overdue_more is False


# --- The page ----------------------------------------------------------------------------


def test_the_report_page_for_a_lead(client, tier1_lead, agent, contact, articles):
    vireo, _ = articles
    solve(agent, vireo_case(agent, contact), vireo, days_ago(1))
    searched("<b>bold</b> query", 0, days_ago(1))
    client.force_login(tier1_lead)

    response = client.get(reverse("kb_report"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Knowledge report" in html
    assert reverse("article_detail", args=[vireo.pk]) in html
    assert "&lt;b&gt;bold&lt;/b&gt; query" in html
    assert "<b>bold</b>" not in html
    assert "1 case named an article as its solution in this period." in html


def test_the_report_page_with_a_chosen_period(client, tier1_lead, agent, contact, articles):
    vireo, _ = articles
    solve(agent, vireo_case(agent, contact), vireo, days_ago(40))
    client.force_login(tier1_lead)

    start, end = days_ago(45), days_ago(35)
    response = client.get(reverse("kb_report"), {"from": start.isoformat(), "to": end.isoformat()})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{start.isoformat()}"' in html
    assert "1 case named an article" in html


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", "", "Dates are written YYYY-MM-DD"),
        ("2026-03-10", "2026-03-01", "The period starts after it ends"),
        ("2020-01-01", "2026-01-01", "A report covers at most 366 days"),
    ],
)
def test_the_report_page_refuses_a_bad_period_in_words(client, tier1_lead, start, end, message):
    client.force_login(tier1_lead)

    response = client.get(reverse("kb_report"), {"from": start, "to": end})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_report_is_for_people_with_report_view(client, agent):
    client.force_login(agent)

    assert client.get(reverse("kb_report")).status_code == 403


def test_the_report_page_costs_a_fixed_number_of_queries(
    client, tier1_lead, agent, contact, articles, django_assert_num_queries
):
    client.force_login(tier1_lead)
    client.get(reverse("kb_report"))
    vireo, _ = articles
    for n in range(3):
        solve(agent, vireo_case(agent, contact, subject=f"Install {n}"), vireo, days_ago(n + 1))
        searched(f"nothing {n}", 0, days_ago(n + 1))

    with django_assert_num_queries(REPORT_QUERIES):
        assert client.get(reverse("kb_report")).status_code == 200


# --- API ---------------------------------------------------------------------------------


def test_api_report(client, tier1_lead, agent, contact, articles):
    vireo, _ = articles
    solve(agent, vireo_case(agent, contact), vireo, days_ago(1))
    searched("quota exceeded", 0, days_ago(1))
    overdue = article_create(
        actor=tier1_lead,
        title="Quota limits",
        body="Text",
        visibility=ArticleVisibility.INTERNAL,
        owner=agent,
        review_by=days_ago(3),
    )
    publish(tier1_lead, overdue)
    token = token_for(tier1_lead)

    response = api_get(client, "/reports/knowledge", token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["solutions_in_period"] == 1
    assert body["solved_in_period"][0]["article_id"] == vireo.pk
    assert body["empty_searches"] == [
        {"query": "quota exceeded", "count": 1, "last_at": body["empty_searches"][0]["last_at"]}
    ]
    assert body["most_solved"][0] == {
        "article_id": vireo.pk,
        "title": vireo.title,
        "status": "published",
        "solved_count": 1,
    }
    assert body["overdue_reviews"] == [
        {
            "article_id": overdue.pk,
            "title": overdue.title,
            "review_by": days_ago(3).isoformat(),
            "days_overdue": 3,
            "owner": {
                "id": agent.pk,
                "name": agent.display_name,
                "direct_line": agent.direct_line,
            },
        }
    ]


def test_api_report_refusals(client, tier1_lead, agent):
    lead = token_for(tier1_lead)

    assert_problem(api_get(client, "/reports/knowledge", token_for(agent)), 403, "forbidden")
    assert_problem(
        api_get(client, "/reports/knowledge", lead, **{"from": "2026-02-30"}), 422, "invalid"
    )
    assert_problem(
        api_get(client, "/reports/knowledge", lead, **{"from": "2026-03-10", "to": "2026-03-01"}),
        422,
        "invalid",
    )
    # A repeated parameter is read as one value (the last), never as a list.
    many = client.get(
        "/api/v1/reports/knowledge?from=2026-01-01&from=2026-02-01&to=2026-02-10",
        headers={"Authorization": f"Bearer {lead}"},
    )
    assert many.status_code == 200
    assert many.json()["since"].startswith("2026-02-01")
