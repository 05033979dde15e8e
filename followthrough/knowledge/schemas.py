"""What the knowledge-base API takes and gives back (articles, revisions, tables).

Inputs refuse unknown fields and cap every string and list at what the services accept, so a
bad request is a 422 before any service runs. Outputs carry the article's Markdown and its
sanitised HTML (`body_html`); cells come both as stored and as shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.markdown import render_markdown
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from followthrough.knowledge.cells import MAX_TEXT_CELL, MAX_URL_CELL
from followthrough.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
    ColumnType,
)
from followthrough.knowledge.selectors.articles import (
    ArticleDetail,
    ArticlePage,
    RevisionDiff,
    RevisionPage,
    TableView,
    review_state,
)
from followthrough.knowledge.services.articles import (
    MAX_BODY,
    MAX_CATEGORY,
    MAX_PRODUCT,
    MAX_PRODUCTS,
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
)
from followthrough.knowledge.services.tables import (
    MAX_COLUMN_NAME,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TABLE_NAME,
)

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Title = Annotated[str, Field(max_length=MAX_TITLE)]
Body = Annotated[str, Field(max_length=MAX_BODY)]
Summary = Annotated[str, Field(max_length=500)]
CategoryName = Annotated[str, Field(max_length=MAX_CATEGORY)]
TagName = Annotated[str, Field(max_length=MAX_TAG)]
ProductName = Annotated[str, Field(max_length=MAX_PRODUCT)]
Cursor = Annotated[str, Field(max_length=200)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Version = Annotated[int, Field(ge=1, le=2**31)]
ColumnKey = Annotated[str, Field(max_length=20)]
CellIn = (
    Annotated[str, Field(max_length=max(MAX_TEXT_CELL, MAX_URL_CELL))] | int | float | bool | None
)
CellOut = str | int | float | bool


class In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- Inputs ------------------------------------------------------------------------------


class ArticleCreateIn(In):
    title: Title
    body: Body = ""
    visibility: ArticleVisibility = ArticleVisibility.INTERNAL
    category: CategoryName | None = None
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS)] = []
    products: Annotated[list[ProductName], Field(max_length=MAX_PRODUCTS)] = []
    owner_id: Id | None = Field(None, description="Who keeps it true; the caller by default.")
    review_by: dt.date | None = None
    summary: Summary = ""


class ArticleEditIn(In):
    """Only the fields sent change (`null` clears category and review_by). Send the version
    you read, as `If-Match: "<version>"` or as `version`."""

    title: Title | None = None
    body: Body | None = None
    visibility: ArticleVisibility | None = None
    category: CategoryName | None = None
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS)] | None = None
    products: Annotated[list[ProductName], Field(max_length=MAX_PRODUCTS)] | None = None
    owner_id: Id | None = None
    review_by: dt.date | None = None
    summary: Summary = ""
    version: Version | None = None


class ReasonIn(In):
    reason: Summary = ""


# The orders of selectors.articles.SORTS.
SortName = Literal["updated", "new", "title", "solved"]


class ArticleListQuery(In):
    """`q` is text in the title; `owner=me|<id>`; `review_overdue=true` is published
    articles past their review date."""

    q: Annotated[str, Field(max_length=200)] = ""
    category: Id | None = None
    tag: TagName = ""
    product: Id | None = None
    status: ArticleStatus | None = None
    visibility: ArticleVisibility | None = None
    owner: Annotated[str, Field(pattern=r"^(me|[1-9][0-9]{0,17})$")] | None = None
    review_overdue: bool = False
    sort: SortName = "updated"
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class RevisionQuery(In):
    before: Version | None = None
    limit: Limit = DEFAULT_LIMIT


class DiffQuery(In):
    against: Version | None = Field(
        None, description="The older revision; the one before by default."
    )


class ColumnIn(In):
    name: Annotated[str, Field(max_length=MAX_COLUMN_NAME)]
    type: ColumnType = ColumnType.TEXT


class TableCreateIn(In):
    name: Annotated[str, Field(max_length=MAX_TABLE_NAME)]
    columns: Annotated[list[ColumnIn], Field(max_length=MAX_COLUMNS)] = []


class TableEditIn(In):
    """Rename the table, and/or put its rows in a new order (every row id, once)."""

    name: Annotated[str, Field(max_length=MAX_TABLE_NAME)] | None = None
    row_ids: Annotated[list[Id], Field(max_length=MAX_ROWS)] | None = None


class ColumnEditIn(In):
    name: Annotated[str, Field(max_length=MAX_COLUMN_NAME)]


class RowIn(In):
    """`cells` maps a column id (as text) to its value: text, a number, a date (YYYY-MM-DD),
    true/false, an http(s) or mailto link, or a vendor's id or exact name. On a change an
    empty value or null clears the cell and cells not sent stay as they were."""

    cells: Annotated[dict[ColumnKey, CellIn], Field(max_length=MAX_COLUMNS)]


# --- Outputs -----------------------------------------------------------------------------


class PersonName(Schema):
    id: int
    name: str


class ColumnOut(Schema):
    id: int
    table_id: int
    name: str
    type: ColumnType
    position: int


class RowOut(Schema):
    id: int
    table_id: int
    position: int
    cells: dict[str, CellOut] = Field(description="By column id, as stored (a vendor as its id).")
    shown: dict[str, str] = Field(description="By column id, as a reader sees it.")


class TableOut(Schema):
    id: int
    article_id: int
    name: str
    position: int
    columns: list[ColumnOut]
    rows: list[RowOut]


class ArticleSummaryOut(Schema):
    id: int
    title: str
    status: ArticleStatus
    visibility: ArticleVisibility
    category: str | None
    tags: list[str]
    owner: PersonName | None = Field(description="Staff only.")
    review_by: dt.date | None
    review_overdue: bool
    solved_count: int
    version: int
    published_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ArticlePageOut(Schema):
    items: list[ArticleSummaryOut]
    next_cursor: str | None


class ArticleOut(ArticleSummaryOut):
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The Markdown rendered and sanitised.")
    products: list[str]
    tables: list[TableOut]


class RevisionOut(Schema):
    number: int
    title: str
    summary: str
    author: PersonName
    created_at: dt.datetime


class RevisionPageOut(Schema):
    items: list[RevisionOut]
    next_before: int | None


class DiffSectionOut(Schema):
    name: str = Field(description="Title, Text or Tables")
    diff: list[str] = Field(description="Unified diff lines (---/+++ headers, @@ hunks).")


class DiffOut(Schema):
    article_id: int
    from_number: int
    to_number: int
    sections: list[DiffSectionOut]


# --- Builders ----------------------------------------------------------------------------


def is_staff_reader(viewer: User) -> bool:
    return viewer.has_capability(Capability.KB_VIEW)


def _person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name}


def _summary(article: Article, tags: list[str], *, staff: bool) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "status": article.status,
        "visibility": article.visibility,
        "category": article.category.name if article.category is not None else None,
        "tags": tags,
        "owner": _person(article.owner) if staff else None,
        "review_by": article.review_by,
        "review_overdue": review_state(article.review_by).overdue,
        "solved_count": article.solved_count,
        "version": article.version,
        "published_at": article.published_at,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def article_page_out(page: ArticlePage, *, viewer: User) -> ArticlePageOut:
    staff = is_staff_reader(viewer)
    return ArticlePageOut.model_validate(
        {
            "items": [_summary(a, [t.name for t in a.tags.all()], staff=staff) for a in page.items],
            "next_cursor": page.next_cursor,
        }
    )


def table_out(view: TableView) -> dict[str, Any]:
    table = view.table
    return {
        "id": table.pk,
        "article_id": table.article_id,
        "name": table.name,
        "position": table.position,
        "columns": [
            {
                "id": c.pk,
                "table_id": c.table_id,
                "name": c.name,
                "type": c.type,
                "position": c.position,
            }
            for c in view.columns
        ],
        "rows": [
            {
                "id": r.row.pk,
                "table_id": r.row.table_id,
                "position": r.row.position,
                "cells": r.row.cells,
                "shown": {str(c.column.pk): c.shown for c in r.cells if c.shown},
            }
            for r in view.rows
        ],
    }


def article_out(detail: ArticleDetail, *, viewer: User) -> ArticleOut:
    article = detail.article
    return ArticleOut.model_validate(
        _summary(article, [t.name for t in detail.tags], staff=is_staff_reader(viewer))
        | {
            "body": article.body,
            "body_html": str(render_markdown(article.body)),
            "products": [p.name for p in detail.products],
            "tables": [table_out(t) for t in detail.tables],
        }
    )


def _revision(revision: ArticleRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "title": revision.title,
        "summary": revision.summary,
        "author": _person(revision.author),
        "created_at": revision.created_at,
    }


def revision_page_out(page: RevisionPage) -> RevisionPageOut:
    return RevisionPageOut.model_validate(
        {"items": [_revision(r) for r in page.items], "next_before": page.next_before}
    )


def diff_out(diff: RevisionDiff) -> DiffOut:
    return DiffOut.model_validate(
        {
            "article_id": diff.article.pk,
            "from_number": diff.old.number,
            "to_number": diff.new.number,
            "sections": [{"name": s.name, "diff": s.unified} for s in diff.sections],
        }
    )
