"""The knowledge base's part of the REST API (/api/v1/): articles, their revisions and diffs,
publishing, and the structured tables inside articles.

Each operation parses (schema), fetches through access_* (missing and forbidden: the same
404), calls one service or selector and answers with a schema. Article responses carry
`ETag: "<version>"`; an article edit needs the version it was based on (If-Match, or the
`version` field), and table edits honour If-Match when it is sent.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import P, Query, Router, Status
from ninja.params import HeaderEx, PathEx

from followthrough.accounts.access import access_user, require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.accounts.models import User
from followthrough.core.errors import Invalid, ServiceError
from followthrough.core.etags import etag_for, expected_version
from followthrough.core.schemas import Problem
from followthrough.knowledge.access import access_article, access_table_row
from followthrough.knowledge.access_tables import access_column, access_table
from followthrough.knowledge.errors import KnowledgeError
from followthrough.knowledge.models import Article, ArticleTable
from followthrough.knowledge.schemas import (
    MAX_ID,
    ArticleCreateIn,
    ArticleEditIn,
    ArticleListQuery,
    ArticleOut,
    ArticlePageOut,
    ColumnEditIn,
    ColumnIn,
    ColumnOut,
    DiffOut,
    DiffQuery,
    ReasonIn,
    RevisionPageOut,
    RevisionQuery,
    RowIn,
    RowOut,
    TableCreateIn,
    TableEditIn,
    TableOut,
    article_out,
    article_page_out,
    diff_out,
    revision_page_out,
    table_out,
)
from followthrough.knowledge.selectors.articles import (
    ArticleFilters,
    article_detail,
    article_list,
    article_revisions,
    article_table,
    revision_diff,
)
from followthrough.knowledge.services.articles import (
    article_create,
    article_edit,
    article_publish,
    article_unpublish,
)
from followthrough.knowledge.services.tables import (
    column_add,
    column_remove,
    column_rename,
    row_add,
    row_delete,
    row_update,
    rows_reorder,
    table_create,
    table_delete,
    table_rename,
)

router = Router(tags=["knowledge base"])

READ_PROBLEMS: dict[int, Any] = {
    401: Problem,
    403: Problem,
    404: Problem,
    422: Problem,
    429: Problem,
}
WRITE_PROBLEMS: dict[int, Any] = {**READ_PROBLEMS, 409: Problem, 412: Problem, 428: Problem}

Id = PathEx[int, P(ge=1, le=MAX_ID)]
Number = PathEx[int, P(ge=1, le=2**31)]
IfMatch = HeaderEx[str | None, P(alias="If-Match", max_length=200)]


def _tag(response: HttpResponse, article: Article) -> None:
    response["ETag"] = etag_for(article.version)


def _detail(actor: User, article_id: int, response: HttpResponse) -> ArticleOut:
    article = access_article(actor, article_id)
    _tag(response, article)
    return article_out(article_detail(article), viewer=actor)


def _version(if_match: str | None, body_version: int | None) -> int:
    """The version an edit is based on: If-Match or `version` (the same, if both are sent)."""
    header = expected_version(if_match)
    if header is not None and body_version is not None and header != body_version:
        raise Invalid("If-Match and `version` name different versions.", field="version")
    version = header if header is not None else body_version
    if version is None:
        raise ServiceError(
            KnowledgeError.VERSION_REQUIRED,
            "Send the version you read: If-Match with the article's ETag, or `version`.",
        )
    return version


def _table(actor: User, table: ArticleTable, response: HttpResponse) -> dict[str, Any]:
    response["ETag"] = etag_for(
        Article.objects.values_list("version", flat=True).get(pk=table.article_id)
    )
    return table_out(article_table(table))


# --- Articles ----------------------------------------------------------------------------


@router.get("/articles", response={200: ArticlePageOut, **READ_PROBLEMS}, url_name="article_list")
def list_articles(request: HttpRequest, filters: Query[ArticleListQuery]) -> Status:
    """The articles the caller may read, a page at a time (`next_cursor` fetches the next).
    Customers see published public articles only; a caller who reads neither is refused."""
    actor = signed_in_user(request)
    if not actor.has_capability(Capability.PORTAL):
        require_capability(actor, Capability.KB_VIEW)
    owner = None
    if filters.owner == "me":
        owner = actor.pk
    elif filters.owner is not None:
        owner = int(filters.owner)
    page = article_list(
        actor,
        ArticleFilters(
            text=filters.q.strip(),
            category_id=filters.category,
            tag=filters.tag,
            product_id=filters.product,
            status=filters.status or "",
            visibility=filters.visibility or "",
            owner_id=owner,
            review_overdue=filters.review_overdue,
            sort=filters.sort,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return Status(200, article_page_out(page, viewer=actor))


@router.post("/articles", response={201: ArticleOut, **WRITE_PROBLEMS}, url_name="article_create")
def create_article(
    request: HttpRequest, payload: ArticleCreateIn, response: HttpResponse
) -> Status:
    """A new draft; publishing is a separate step (POST /articles/{id}/publish)."""
    actor = signed_in_user(request)
    article = article_create(
        actor=actor,
        title=payload.title,
        body=payload.body,
        visibility=payload.visibility,
        category=payload.category,
        tags=payload.tags,
        products=payload.products,
        owner=access_user(actor, payload.owner_id) if payload.owner_id else None,
        review_by=payload.review_by,
        summary=payload.summary,
    )
    response["Location"] = reverse("api:article_get", kwargs={"article_id": article.pk})
    return Status(201, _detail(actor, article.pk, response))


@router.get(
    "/articles/{article_id}", response={200: ArticleOut, **READ_PROBLEMS}, url_name="article_get"
)
def get_article(request: HttpRequest, article_id: Id, response: HttpResponse) -> Status:
    """The article with its Markdown, the rendered `body_html` and its tables."""
    return Status(200, _detail(signed_in_user(request), article_id, response))


@router.patch(
    "/articles/{article_id}", response={200: ArticleOut, **WRITE_PROBLEMS}, url_name="article_edit"
)
def edit_article(
    request: HttpRequest,
    article_id: Id,
    payload: ArticleEditIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """Change the fields sent; every change is a new revision. A stale version is a 412 and
    changes nothing; no version at all is a 428."""
    actor = signed_in_user(request)
    article = access_article(actor, article_id)
    version = _version(if_match, payload.version)
    sent = payload.model_fields_set - {"summary", "version"}
    changes: dict[str, Any] = {}
    for name in sent:
        value = getattr(payload, name)
        if name == "owner_id":
            changes["owner"] = access_user(actor, value) if value else None
        elif name in ("tags", "products"):
            changes[name] = value or []
        else:
            changes[name] = value
    article_edit(
        actor=actor,
        article=article,
        expected_version=version,
        summary=payload.summary,
        **changes,
    )
    return Status(200, _detail(actor, article.pk, response))


def _publishing(
    request: HttpRequest,
    article_id: int,
    payload: ReasonIn,
    response: HttpResponse,
    if_match: str | None,
    *,
    publish: bool,
) -> Status:
    actor = signed_in_user(request)
    article = access_article(actor, article_id)
    change = article_publish if publish else article_unpublish
    change(
        actor=actor,
        article=article,
        reason=payload.reason,
        expected_version=expected_version(if_match),
    )
    return Status(200, _detail(actor, article.pk, response))


@router.post(
    "/articles/{article_id}/publish",
    response={200: ArticleOut, **WRITE_PROBLEMS},
    url_name="article_publish",
)
def publish_article(
    request: HttpRequest,
    article_id: Id,
    payload: ReasonIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """Publish (needs kb.publish): a public article becomes readable by customers."""
    return _publishing(request, article_id, payload, response, if_match, publish=True)


@router.post(
    "/articles/{article_id}/unpublish",
    response={200: ArticleOut, **WRITE_PROBLEMS},
    url_name="article_unpublish",
)
def unpublish_article(
    request: HttpRequest,
    article_id: Id,
    payload: ReasonIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """Take a published article back (needs kb.publish); staff still read it."""
    return _publishing(request, article_id, payload, response, if_match, publish=False)


@router.get(
    "/articles/{article_id}/revisions",
    response={200: RevisionPageOut, **READ_PROBLEMS},
    url_name="article_revisions",
)
def list_revisions(request: HttpRequest, article_id: Id, filters: Query[RevisionQuery]) -> Status:
    """Who changed the article and why, newest first (staff only)."""
    actor = signed_in_user(request)
    article = access_article(actor, article_id)
    require_capability(actor, Capability.KB_VIEW)
    page = article_revisions(article, before=filters.before, limit=filters.limit)
    return Status(200, revision_page_out(page))


@router.get(
    "/articles/{article_id}/revisions/{number}/diff",
    response={200: DiffOut, **READ_PROBLEMS},
    url_name="article_revision_diff",
)
def get_diff(
    request: HttpRequest, article_id: Id, number: Number, filters: Query[DiffQuery]
) -> Status:
    """What revision `number` changed against revision `against` (the one before, by
    default): unified diffs of the title, the text and the tables (staff only)."""
    actor = signed_in_user(request)
    article = access_article(actor, article_id)
    require_capability(actor, Capability.KB_VIEW)
    against = filters.against if filters.against is not None else max(1, number - 1)
    return Status(200, diff_out(revision_diff(article, against, number)))


# --- Tables ------------------------------------------------------------------------------


@router.post(
    "/articles/{article_id}/tables",
    response={201: TableOut, **WRITE_PROBLEMS},
    url_name="article_table_create",
)
def create_table(
    request: HttpRequest,
    article_id: Id,
    payload: TableCreateIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    article = access_article(actor, article_id)
    table = table_create(
        actor=actor,
        article=article,
        name=payload.name,
        columns=[(c.name, c.type) for c in payload.columns],
        expected_version=expected_version(if_match),
    )
    return Status(201, _table(actor, table, response))


@router.patch(
    "/tables/{table_id}", response={200: TableOut, **WRITE_PROBLEMS}, url_name="table_edit"
)
def edit_table(
    request: HttpRequest,
    table_id: Id,
    payload: TableEditIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """Rename the table (`name`) and/or reorder its rows (`row_ids`, every row once)."""
    actor = signed_in_user(request)
    table = access_table(actor, table_id)
    version = expected_version(if_match)
    if payload.name is not None:
        table = table_rename(actor=actor, table=table, name=payload.name, expected_version=version)
        version = None  # checked once: the rename itself made a new version
    if payload.row_ids is not None:
        table = rows_reorder(
            actor=actor, table=table, row_ids=payload.row_ids, expected_version=version
        )
    return Status(200, _table(actor, table, response))


@router.delete(
    "/tables/{table_id}", response={204: None, **WRITE_PROBLEMS}, url_name="table_delete"
)
def delete_table(
    request: HttpRequest, table_id: Id, response: HttpResponse, if_match: IfMatch = None
) -> Status:
    actor = signed_in_user(request)
    table = access_table(actor, table_id)
    article = table_delete(actor=actor, table=table, expected_version=expected_version(if_match))
    _tag(response, article)
    return Status(204, None)


@router.post(
    "/tables/{table_id}/columns",
    response={201: ColumnOut, **WRITE_PROBLEMS},
    url_name="table_column_add",
)
def add_column(
    request: HttpRequest,
    table_id: Id,
    payload: ColumnIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """A new column at the right; existing rows have nothing in it yet."""
    actor = signed_in_user(request)
    table = access_table(actor, table_id)
    column = column_add(
        actor=actor,
        table=table,
        name=payload.name,
        type=payload.type,
        expected_version=expected_version(if_match),
    )
    _tag(response, Article.objects.get(pk=table.article_id))
    return Status(201, column)


@router.patch(
    "/columns/{column_id}", response={200: ColumnOut, **WRITE_PROBLEMS}, url_name="column_edit"
)
def rename_column(
    request: HttpRequest,
    column_id: Id,
    payload: ColumnEditIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    column = access_column(actor, column_id)
    column = column_rename(
        actor=actor, column=column, name=payload.name, expected_version=expected_version(if_match)
    )
    _tag(response, Article.objects.get(pk=column.table.article_id))
    return Status(200, column)


@router.delete(
    "/columns/{column_id}", response={204: None, **WRITE_PROBLEMS}, url_name="column_delete"
)
def remove_column(
    request: HttpRequest, column_id: Id, response: HttpResponse, if_match: IfMatch = None
) -> Status:
    """Remove the column and its cell in every row (older revisions keep them)."""
    actor = signed_in_user(request)
    column = access_column(actor, column_id)
    table = column_remove(actor=actor, column=column, expected_version=expected_version(if_match))
    _tag(response, Article.objects.get(pk=table.article_id))
    return Status(204, None)


def _row(actor: User, table: ArticleTable, row_id: int, response: HttpResponse) -> dict[str, Any]:
    shown = _table(actor, table, response)
    return next(r for r in shown["rows"] if r["id"] == row_id)


@router.post(
    "/tables/{table_id}/rows", response={201: RowOut, **WRITE_PROBLEMS}, url_name="table_row_add"
)
def add_row(
    request: HttpRequest,
    table_id: Id,
    payload: RowIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """A new row at the end. A cell the column's type refuses is a 422 naming the column."""
    actor = signed_in_user(request)
    table = access_table(actor, table_id)
    row = row_add(
        actor=actor, table=table, cells=payload.cells, expected_version=expected_version(if_match)
    )
    return Status(201, _row(actor, table, row.pk, response))


@router.patch("/rows/{row_id}", response={200: RowOut, **WRITE_PROBLEMS}, url_name="table_row_edit")
def edit_row(
    request: HttpRequest,
    row_id: Id,
    payload: RowIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    row = access_table_row(actor, row_id)
    row = row_update(
        actor=actor, row=row, cells=payload.cells, expected_version=expected_version(if_match)
    )
    return Status(200, _row(actor, row.table, row.pk, response))


@router.delete(
    "/rows/{row_id}", response={204: None, **WRITE_PROBLEMS}, url_name="table_row_delete"
)
def delete_row(
    request: HttpRequest, row_id: Id, response: HttpResponse, if_match: IfMatch = None
) -> Status:
    actor = signed_in_user(request)
    row = access_table_row(actor, row_id)
    table = row_delete(actor=actor, row=row, expected_version=expected_version(if_match))
    _tag(response, Article.objects.get(pk=table.article_id))
    return Status(204, None)
