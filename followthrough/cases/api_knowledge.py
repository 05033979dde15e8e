"""Knowledge on cases in the REST API (/api/v1/): suggested articles, "this solved it",
possible duplicates, and the knowledge report.

Each operation fetches through access_* (missing and forbidden: the same 404) and calls one
service or selector. A portal customer reads suggestions of their own organisation's cases and
only ever sees published public articles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from ninja import P, Router, Status
from ninja.params import PathEx, QueryEx

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.cases.access import access_case, access_solution
from followthrough.cases.models import CaseArticle
from followthrough.cases.schemas import MAX_ID
from followthrough.cases.schemas_knowledge import (
    KnowledgeReportOut,
    SimilarCaseOut,
    SolutionIn,
    SolutionOut,
    SuggestionsOut,
)
from followthrough.cases.selectors.kb_report import (
    KnowledgeReport,
    knowledge_report,
    period_bounds,
)
from followthrough.cases.selectors.reports import report_period
from followthrough.cases.selectors.suggestions import (
    ArticleSuggestion,
    SimilarCase,
    case_solutions,
    case_suggestions,
    similar_cases,
)
from followthrough.cases.services import case_mark_solution, case_unmark_solution
from followthrough.core.etags import etag_for
from followthrough.core.schemas import Problem
from followthrough.knowledge.access import access_article, access_table_row

router = Router(tags=["knowledge on cases"])

READ_PROBLEMS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
WRITE_PROBLEMS: dict[int, Any] = {**READ_PROBLEMS, 409: Problem}

Id = PathEx[int, P(le=MAX_ID)]
Day = QueryEx[dt.date | None, P(alias="from")]


def _article_url(article_id: int) -> str:
    try:
        return reverse("article_detail", kwargs={"article_id": article_id})
    except NoReverseMatch:
        return ""


def _solution(solution: CaseArticle) -> dict[str, Any]:
    return {
        "id": solution.pk,
        "case_id": solution.case_id,
        "article_id": solution.article_id,
        "article_title": solution.article.title,
        "row_id": solution.row_id,
        "linked_by": solution.linked_by,
        "created_at": solution.created_at,
    }


def _suggestion(s: ArticleSuggestion) -> dict[str, Any]:
    return {
        "id": s.article.pk,
        "title": s.article.title,
        "title_html": str(s.title_html),
        "snippet_html": str(s.snippet_html),
        "visibility": s.article.visibility,
        "rank": s.rank,
        "url": _article_url(s.article.pk),
        "solution_id": s.solution.pk if s.solution else None,
        "rows": [
            {
                "id": r.row.pk,
                "table_id": t.table.pk,
                "table": t.table.name,
                "cells": r.cells,
                "snippet_html": str(r.snippet_html),
                "is_solution": r.is_solution,
            }
            for t in s.tables
            for r in t.rows
        ],
    }


def _similar(s: SimilarCase) -> dict[str, Any]:
    case = s.case
    return {
        "id": case.pk,
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "organization_id": case.organization_id,
        "contact_id": case.contact_id,
        "asset_id": case.asset_id,
        "owner": case.owner,
        "team": case.team,
        "created_at": case.created_at,
        "reasons": [str(r) for r in s.reasons],
        "snippet_html": str(s.snippet_html),
        "score": s.score,
    }


@router.get(
    "/cases/{case_id}/suggestions",
    response={200: SuggestionsOut, **READ_PROBLEMS},
    url_name="case_suggestions",
)
def get_suggestions(request: HttpRequest, case_id: Id) -> Status:
    """The published articles and table rows that best match the case."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    found = case_suggestions(case, actor)
    return Status(
        200,
        {
            "query": found.query,
            "articles": [_suggestion(s) for s in found.articles],
            "solutions": [_solution(s) for s in found.solutions],
        },
    )


@router.get(
    "/cases/{case_id}/similar",
    response={200: list[SimilarCaseOut], **READ_PROBLEMS},
    url_name="case_similar",
)
def get_similar(request: HttpRequest, case_id: Id) -> Status:
    """Open cases that may be the same problem, the most likely first, each with its reasons.
    For staff only: it looks across every customer."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    require_capability(actor, Capability.CASE_VIEW)
    return Status(200, [_similar(s) for s in similar_cases(case)])


@router.get(
    "/cases/{case_id}/solutions",
    response={200: list[SolutionOut], **READ_PROBLEMS},
    url_name="case_solutions",
)
def list_solutions(request: HttpRequest, case_id: Id) -> Status:
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    return Status(200, [_solution(s) for s in case_solutions(case, actor)])


@router.post(
    "/cases/{case_id}/solutions",
    response={201: SolutionOut, **WRITE_PROBLEMS},
    url_name="case_mark_solution",
)
def mark_solution(
    request: HttpRequest, case_id: Id, payload: SolutionIn, response: HttpResponse
) -> Status:
    """This article (and optionally this row of its tables) solved the case."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    article = access_article(actor, payload.article_id)
    row = access_table_row(actor, payload.row_id) if payload.row_id is not None else None
    solution = case_mark_solution(actor=actor, case=case, article=article, row=row)
    response["ETag"] = etag_for(solution.case.version)
    solution.linked_by = actor
    return Status(201, _solution(solution))


@router.delete(
    "/solutions/{solution_id}",
    response={204: None, **WRITE_PROBLEMS},
    url_name="case_unmark_solution",
)
def unmark_solution(request: HttpRequest, solution_id: Id) -> Status:
    actor = signed_in_user(request)
    solution = access_solution(actor, solution_id)
    case_unmark_solution(actor=actor, case_article=solution)
    return Status(204, None)


def _report(report: KnowledgeReport) -> dict[str, Any]:
    kb = report.kb
    return {
        "since": kb.since,
        "until": kb.until,
        "solutions_in_period": report.solutions_in_period,
        "solved_in_period": report.solved_in_period,
        "most_solved": [
            {
                "article_id": a.pk,
                "title": a.title,
                "status": a.status,
                "solved_count": a.solved_count,
            }
            for a in kb.most_solved
        ],
        "empty_search_total": kb.empty_search_total,
        "empty_searches": kb.empty_searches,
        "overdue_reviews": [
            {
                "article_id": o.article.pk,
                "title": o.article.title,
                "review_by": o.article.review_by,
                "days_overdue": o.days,
                "owner": o.article.owner,
            }
            for o in kb.overdue_reviews
        ],
        "overdue_more": kb.overdue_more,
    }


@router.get(
    "/reports/knowledge",
    response={200: KnowledgeReportOut, **READ_PROBLEMS},
    url_name="kb_report",
)
def get_knowledge_report(
    request: HttpRequest, start: Day = None, to: QueryEx[dt.date | None, P()] = None
) -> Status:
    """Articles that solved the most cases in the period (`from` to `to`, inclusive dates, the
    last 30 days by default), searches that found nothing, and published articles past their
    review date."""
    require_capability(signed_in_user(request), Capability.REPORT_VIEW)
    today = timezone.localdate()
    first, last = report_period(
        start.isoformat() if start else None, to.isoformat() if to else None, today=today
    )
    since, until = period_bounds(first, last)
    return Status(200, _report(knowledge_report(since=since, until=until, today=today)))
