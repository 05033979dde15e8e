"""What the knowledge part of the cases API takes and gives back: suggested articles, "this
solved it", possible duplicates and the knowledge report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

from followthrough.accounts.schemas import PersonRef
from followthrough.cases.schemas import Id, In, TeamRef
from followthrough.cases.states import CaseStatus


class SolutionIn(In):
    """The article that solved the case, and optionally the row of its tables that did."""

    article_id: Id
    row_id: Id | None = None


class SolutionOut(Schema):
    id: int
    case_id: int
    article_id: int
    article_title: str
    row_id: int | None
    linked_by: PersonRef
    created_at: dt.datetime


class CellOut(Schema):
    column: str
    type: str
    value: Any
    text: str
    href: str


class RowSuggestionOut(Schema):
    id: int
    table_id: int
    table: str
    cells: list[CellOut]
    snippet_html: str
    is_solution: bool


class ArticleSuggestionOut(Schema):
    id: int
    title: str
    title_html: str
    snippet_html: str
    visibility: str
    rank: float
    url: str
    solution_id: int | None
    rows: list[RowSuggestionOut]


class SuggestionsOut(Schema):
    query: str
    articles: list[ArticleSuggestionOut]
    solutions: list[SolutionOut]


class SimilarCaseOut(Schema):
    id: int
    number: str
    subject: str
    status: CaseStatus
    organization_id: int | None
    contact_id: int | None
    asset_id: int | None
    owner: PersonRef | None
    team: TeamRef | None
    created_at: dt.datetime
    reasons: list[str]
    snippet_html: str
    score: float


class SolvedInPeriodOut(Schema):
    article_id: int
    title: str
    status: str
    cases: int
    solved_count: int


class MostSolvedOut(Schema):
    article_id: int
    title: str
    status: str
    solved_count: int


class EmptySearchOut(Schema):
    query: str
    count: int
    last_at: dt.datetime


class OverdueReviewOut(Schema):
    article_id: int
    title: str
    review_by: dt.date
    days_overdue: int
    owner: PersonRef


class KnowledgeReportOut(Schema):
    since: dt.datetime
    until: dt.datetime
    solutions_in_period: int
    solved_in_period: list[SolvedInPeriodOut]
    most_solved: list[MostSolvedOut]
    empty_search_total: int
    empty_searches: list[EmptySearchOut]
    overdue_reviews: list[OverdueReviewOut]
    overdue_more: bool
