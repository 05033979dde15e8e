"""The shapes the search mechanism takes and gives back (see search-interface.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.safestring import SafeString

from followthrough.core.search.query import ParsedQuery


@dataclass(frozen=True)
class Scope:
    """One kind of document the searcher may see, and the conditions on it. A document matches
    a scope when its kind equals `kind` and every condition given holds.

    `collapse_into` folds this kind's hits into another kind's: a hit on a document of this
    kind counts as the document (collapse_into, its parent_id), and only the better-ranked of
    the two is returned ("case_internal" into "case": one hit per case).
    """

    kind: str
    organization_id: int | None = None
    public_only: bool = False
    statuses: frozenset[str] | None = None
    collapse_into: str | None = None


@dataclass(frozen=True)
class Filters:
    """The user's filters, applied to every scope. `created_to` is exclusive (documents
    created before it), so a day's end is the next day's start."""

    statuses: frozenset[str] | None = None
    team_id: int | None = None
    owner_id: int | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None


@dataclass(frozen=True)
class SearchHit:
    kind: str
    object_id: int
    parent_id: int | None
    title: str
    title_html: SafeString
    snippet_html: SafeString
    rank: float
    status: str
    organization_id: int | None
    team_id: int | None
    owner_id: int | None
    is_public: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    has_more: bool
    query: ParsedQuery
