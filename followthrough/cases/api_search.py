"""GET /api/v1/search: the search across everything, for API clients (same scoping as the
page: a caller finds only what they may open; a portal customer their organisation's cases
by their public text, and published public articles)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from followthrough.accounts.decorators import signed_in_user
from followthrough.accounts.models import User
from followthrough.cases.selectors.search import (
    MAX_PAGE,
    SearchPage,
    opened_between,
    repeated_parameters,
    search_filters,
    search_for,
)
from followthrough.core.errors import Invalid
from followthrough.core.schemas import Problem
from followthrough.core.search import search_log
from followthrough.core.timezones import is_time_zone

router = Router(tags=["search"])

MAX_QUERY = 200
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Kind = Literal["case", "contact", "organization", "article", "table_row", "vendor"]
PROBLEMS: dict[int, Any] = {401: Problem, 422: Problem, 429: Problem}


class SearchQuery(Schema):
    """`q`: words (all must match), "a phrase", word* or -word. `kind`: one kind of result.
    `status`: a case or article status, or `open` for every open case status. `team`, `owner`:
    ids. `created_from`, `created_to`: dates (inclusive) in the caller's time zone. `page`:
    20 hits a page, at most 25 pages."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, Field(max_length=MAX_QUERY)]
    kind: Kind | None = None
    status: Annotated[str, Field(max_length=24)] | None = None
    team: Id | None = None
    owner: Id | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1


class SearchHitOut(Schema):
    kind: str
    id: int
    # What the hit belongs to: a table row's article; a case's internal notes' case.
    parent_id: int | None
    title: str
    # HTML: the text escaped, the matching words in <mark>.
    title_html: str
    snippet: str
    rank: float
    status: str
    created_at: dt.datetime
    # The page that shows it ("" when there is none).
    url: str


class SearchOut(Schema):
    query: str
    page: int
    has_more: bool
    kinds: list[str]
    items: list[SearchHitOut]


def _zone(actor: User) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(actor.time_zone) if is_time_zone(actor.time_zone) else dt.UTC


def _out(page: SearchPage) -> dict[str, Any]:
    return {
        "query": str(page.query),
        "page": page.page,
        "has_more": page.has_more,
        "kinds": page.kinds,
        "items": [
            {
                "kind": r.hit.kind,
                "id": r.hit.object_id,
                "parent_id": r.hit.parent_id,
                "title": r.hit.title,
                "title_html": str(r.hit.title_html),
                "snippet": str(r.hit.snippet_html),
                "rank": r.hit.rank,
                "status": r.hit.status,
                "created_at": r.hit.created_at,
                "url": r.url,
            }
            for r in page.results
        ],
    }


@router.get("/search", response={200: SearchOut, **PROBLEMS}, url_name="search")
def search(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Everything the caller may see that mentions `q`, best first, with the matching words
    marked. A search is logged (for the knowledge report) when its first page is asked for."""
    repeated = repeated_parameters(request.GET.lists())
    if repeated:
        raise Invalid(" ".join(repeated), field="query")
    unknown = sorted(set(request.GET) - set(SearchQuery.model_fields))
    if unknown:
        raise Invalid(f"Unknown parameter: {unknown[0][:40]}.", field=unknown[0][:40])
    actor = signed_in_user(request)
    if params.created_from and params.created_to and params.created_from > params.created_to:
        raise Invalid("created_from is after created_to.", field="created_to")
    created_from, created_to = opened_between(params.created_from, params.created_to, _zone(actor))
    filters = search_filters(
        status=params.status or None,
        team_id=params.team,
        owner_id=params.owner,
        created_from=created_from,
        created_to=created_to,
    )
    page = search_for(
        actor,
        params.q,
        kinds=[params.kind] if params.kind else None,
        filters=filters,
        page=params.page,
    )
    if params.page == 1 and params.q.strip():
        search_log(
            user_id=actor.pk, query=params.q, kinds=page.kinds, result_count=len(page.results)
        )
    return _out(page)
