"""The two databases' full-text search behind one function, run_search().

SQLite: an FTS5 table over the documents (porter stemming, diacritics removed), ranked by
bm25 with the title weighted above the body; highlight() and snippet() mark the matches.
PostgreSQL: a weighted tsvector column with a GIN index, in the `followthrough` text search
configuration (English stemming, unaccent); ranked by ts_rank_cd; ts_headline marks matches.
Only the PG_RANK_WINDOW newest matches are ranked: a word in a fifth of a million cases would
otherwise rank hundreds of thousands of documents for each page (seconds). Newest first, the
planner reads the recent-documents index backwards and stops at the window for a common
word, or takes the few matches of a rare one from the text index.

Either way the user's words never become query syntax: FTS5 gets each term as a quoted
string, PostgreSQL gets phraseto_tsquery() of the term's text, or to_tsquery() of a prefix
built only from letters and digits, every one a bound parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

from followthrough.core.models import SearchDocument
from followthrough.core.search.highlight import START, STOP, marked_to_html
from followthrough.core.search.query import ParsedQuery, Term
from followthrough.core.search.types import Filters, Scope, SearchHit

FTS_TABLE = "core_searchdocument_fts"
PG_CONFIG = "followthrough"
# The title counts this many times the body when ranking (SQLite bm25; PostgreSQL gives
# title words weight A = 1.0 and body words weight B = 0.4).
TITLE_WEIGHT = 5.0
BODY_WEIGHT = 1.0
SNIPPET_TOKENS = 24
PG_RANK_WINDOW = 1000
ELLIPSIS = "…"
PG_TITLE_OPTIONS = f'StartSel="{START}", StopSel="{STOP}", HighlightAll=true'
PG_SNIPPET_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, ShortWord=2, '
    f'MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'
)

# PostgreSQL's parser reads "<word ...>" as an HTML tag (left out of the index and of
# headlines) and "555-0134" as the signed number "-0134" (so "0134" would not match it). A
# zero-width space after each "<", "-" and "+" — in the trigger, the query and the headline —
# makes it read them as the separators SQLite's tokenizer sees; it is taken out again below.
PG_BREAK = "\u200b"
PG_BREAK_PATTERN = "([-<+])"
PG_BREAK_REPLACEMENT = "\\1" + PG_BREAK
_BREAK = re.compile(PG_BREAK_PATTERN)
_UNBREAK = re.compile(PG_BREAK_PATTERN + PG_BREAK)


def pg_break(text: str) -> str:
    return _BREAK.sub(lambda m: m.group(1) + PG_BREAK, text)


def pg_unbreak(text: str) -> str:
    return _UNBREAK.sub(lambda m: m.group(1), text)


_COLUMNS = (
    "d.id, d.kind, d.object_id, d.title, d.status, d.organization_id, d.team_id, "
    "d.owner_id, d.is_public, d.parent_id, d.created_at"
)


# --- Turning a parsed query into each database's query -----------------------------------


def fts5_match(query: ParsedQuery, *, match_any: bool) -> str:
    """The FTS5 MATCH expression: every term a quoted string (FTS5 tokenizes it as it did the
    documents), joined with AND (or OR), exclusions with NOT."""

    def quoted(term: Term) -> str:
        text = '"' + term.text.replace('"', '""') + '"'
        return text + " *" if term.prefix else text

    joiner = " OR " if match_any else " AND "
    expression = "(" + joiner.join(quoted(t) for t in query.positive) + ")"
    for term in query.negative:
        expression += " NOT " + quoted(term)
    return expression


def _pg_prefix(term: Term) -> str:
    # Only letters and digits reach to_tsquery's syntax, each word quoted.
    return " <-> ".join(f"'{w}'" for w in term.words) + ":*"


def pg_tsquery(query: ParsedQuery, *, match_any: bool) -> tuple[str, list[Any]]:
    """A tsquery expression in SQL, and its parameters."""
    params: list[Any] = []

    def one(term: Term) -> str:
        if term.prefix:
            params.append(_pg_prefix(term))
            return f"to_tsquery('{PG_CONFIG}', %s)"
        params.append(pg_break(term.text))
        return f"phraseto_tsquery('{PG_CONFIG}', %s)"

    joiner = " || " if match_any else " && "
    expression = "(" + joiner.join(one(t) for t in query.positive) + ")"
    for term in query.negative:
        expression += f" && !!{one(term)}"
    return "(" + expression + ")", params


# --- Who may see what, and the user's filters ----------------------------------------------


def _adapt_time(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _in(column: str, values: Sequence[Any]) -> str:
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def scope_sql(scopes: Sequence[Scope]) -> tuple[str, list[Any]] | None:
    """The OR of the scopes' conditions; None when no scope can match anything."""
    parts: list[str] = []
    params: list[Any] = []
    for scope in scopes:
        if scope.statuses is not None and not scope.statuses:
            continue
        conditions = ["d.kind = %s"]
        params.append(scope.kind)
        if scope.organization_id is not None:
            conditions.append("d.organization_id = %s")
            params.append(scope.organization_id)
        if scope.public_only:
            conditions.append("d.is_public = %s")
            params.append(True)
        if scope.statuses is not None:
            statuses = sorted(scope.statuses)
            conditions.append(_in("d.status", statuses))
            params.extend(statuses)
        parts.append("(" + " AND ".join(conditions) + ")")
    if not parts:
        return None
    return "(" + " OR ".join(parts) + ")", params


def filter_sql(filters: Filters | None) -> tuple[str, list[Any]] | None:
    """The AND of the user's filters (an empty string for none); None when they exclude all."""
    if filters is None:
        return "", []
    conditions: list[str] = []
    params: list[Any] = []
    if filters.statuses is not None:
        if not filters.statuses:
            return None
        statuses = sorted(filters.statuses)
        conditions.append(_in("d.status", statuses))
        params.extend(statuses)
    if filters.team_id is not None:
        conditions.append("d.team_id = %s")
        params.append(filters.team_id)
    if filters.owner_id is not None:
        conditions.append("d.owner_id = %s")
        params.append(filters.owner_id)
    if filters.created_from is not None:
        conditions.append("d.created_at >= %s")
        params.append(_adapt_time(filters.created_from))
    if filters.created_to is not None:
        conditions.append("d.created_at < %s")
        params.append(_adapt_time(filters.created_to))
    return "".join(f" AND {c}" for c in conditions), params


def _collapse_sql(scopes: Sequence[Scope]) -> tuple[str, list[Any]] | None:
    """The group key columns (kind and id a hit counts as) when some scope collapses."""
    folding = [(s.kind, s.collapse_into) for s in scopes if s.collapse_into]
    if not folding:
        return None
    params: list[Any] = []
    whens = []
    for kind, into in folding:
        whens.append("WHEN d.kind = %s THEN %s")
        params.extend([kind, into])
    kinds = [kind for kind, _ in folding]
    params.extend(kinds)
    sql = (
        f", d.kind AS kind, CASE {' '.join(whens)} ELSE d.kind END AS group_kind"
        f", CASE WHEN {_in('d.kind', kinds)} THEN COALESCE(d.parent_id, d.object_id)"
        " ELSE d.object_id END AS group_id"
    )
    return sql, params


def _paged(
    matched: str, matched_params: list[Any], collapse: bool, limit: int, offset: int
) -> tuple[str, list[Any]]:
    """The CTEs that rank the matches, keep the best per group, and cut out one page."""
    if collapse:
        ranked = (
            # At equal rank the group's own document (the case, not its internal notes) wins.
            "ranked AS (SELECT id, created_at, score, ROW_NUMBER() OVER (PARTITION BY "
            "group_kind, group_id ORDER BY score DESC, CASE WHEN kind = group_kind THEN 0 "
            "ELSE 1 END, id DESC) AS place FROM matched), "
            "page AS (SELECT id, score FROM ranked WHERE place = 1 "
        )
    else:
        ranked = "page AS (SELECT id, score FROM matched "
    sql = (
        f"WITH matched AS ({matched}), {ranked}"
        "ORDER BY score DESC, created_at DESC, id DESC LIMIT %s OFFSET %s) "
    )
    return sql, [*matched_params, limit, offset]


# --- The two backends ----------------------------------------------------------------------


def _sqlite(
    query: ParsedQuery,
    where: str,
    where_params: list[Any],
    collapse: tuple[str, list[Any]] | None,
    match_any: bool,
    limit: int,
    offset: int,
) -> list[SearchDocument]:
    match = fts5_match(query, match_any=match_any)
    group_sql, group_params = collapse or ("", [])
    matched = (
        f"SELECT d.id AS id, d.created_at AS created_at, "  # noqa: S608 - constants and placeholders only; values are bound
        f"-bm25({FTS_TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score{group_sql} "
        f"FROM {FTS_TABLE} JOIN core_searchdocument d ON d.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND {where}"
    )
    head, params = _paged(
        matched, [*group_params, match, *where_params], collapse is not None, limit, offset
    )
    sql = (
        f"{head}SELECT {_COLUMNS}, page.score AS score, "  # noqa: S608 - constants and placeholders only; values are bound
        f"highlight({FTS_TABLE}, 0, %s, %s) AS title_marked, "
        f"snippet({FTS_TABLE}, 1, %s, %s, %s, {SNIPPET_TOKENS}) AS snippet_marked "
        f"FROM page JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = page.id "
        f"JOIN core_searchdocument d ON d.id = page.id "
        f"WHERE {FTS_TABLE} MATCH %s "
        "ORDER BY page.score DESC, d.created_at DESC, d.id DESC"
    )
    params += [START, STOP, START, STOP, ELLIPSIS, match]
    return list(SearchDocument.objects.raw(sql, params))


def _postgresql(
    query: ParsedQuery,
    where: str,
    where_params: list[Any],
    collapse: tuple[str, list[Any]] | None,
    match_any: bool,
    limit: int,
    offset: int,
) -> list[SearchDocument]:
    tsquery, tsparams = pg_tsquery(query, match_any=match_any)
    group_sql, group_params = collapse or ("", [])
    # The inner query's `d` is its own: the window of newest matches, by the recent index.
    window = (
        f"SELECT d.id FROM core_searchdocument d WHERE d.search_vector @@ {tsquery} "  # noqa: S608 - constants and placeholders only; values are bound
        f"AND {where} ORDER BY d.created_at DESC, d.id DESC LIMIT %s"
    )
    matched = (
        f"SELECT d.id AS id, d.created_at AS created_at, "  # noqa: S608 - constants and placeholders only; values are bound
        f"ts_rank_cd(d.search_vector, {tsquery}) AS score{group_sql} "
        f"FROM core_searchdocument d WHERE d.id IN ({window})"
    )
    head, params = _paged(
        matched,
        [*tsparams, *group_params, *tsparams, *where_params, PG_RANK_WINDOW],
        collapse is not None,
        limit,
        offset,
    )
    sql = (
        f"{head}SELECT {_COLUMNS}, page.score AS score, "  # noqa: S608 - constants and placeholders only; values are bound
        f"ts_headline('{PG_CONFIG}', regexp_replace(d.title, %s, %s, 'g'), {tsquery}, %s) "
        "AS title_marked, "
        f"ts_headline('{PG_CONFIG}', regexp_replace(d.body, %s, %s, 'g'), {tsquery}, %s) "
        "AS snippet_marked "
        "FROM page JOIN core_searchdocument d ON d.id = page.id "
        "ORDER BY page.score DESC, d.created_at DESC, d.id DESC"
    )
    breaking = [PG_BREAK_PATTERN, PG_BREAK_REPLACEMENT]
    params += [*breaking, *tsparams, PG_TITLE_OPTIONS, *breaking, *tsparams, PG_SNIPPET_OPTIONS]
    return list(SearchDocument.objects.raw(sql, params))


def run_search(
    query: ParsedQuery,
    *,
    scopes: Sequence[Scope],
    filters: Filters | None,
    match_any: bool,
    limit: int,
    offset: int,
) -> list[SearchHit]:
    """The ranked hits of one page (at most `limit`), best first. One query."""
    scoped = scope_sql(scopes)
    filtered = filter_sql(filters)
    if not query.positive or scoped is None or filtered is None or limit <= 0:
        return []
    where = scoped[0] + filtered[0]
    where_params = scoped[1] + filtered[1]
    collapse = _collapse_sql(scopes)
    backend = _postgresql if connection.vendor == "postgresql" else _sqlite
    rows = backend(query, where, where_params, collapse, match_any, limit, offset)
    return [_hit(row) for row in rows]


def _hit(row: SearchDocument) -> SearchHit:
    title_marked = getattr(row, "title_marked", None)
    snippet_marked = getattr(row, "snippet_marked", None) or ""
    if title_marked is not None:
        title_marked = pg_unbreak(title_marked)
    snippet_marked = pg_unbreak(snippet_marked)
    return SearchHit(
        kind=row.kind,
        object_id=row.object_id,
        parent_id=row.parent_id,
        title=row.title,
        title_html=(
            marked_to_html(title_marked)
            if title_marked is not None
            else mark_safe(escape(row.title))  # noqa: S308 - escaped just here
        ),
        snippet_html=marked_to_html(snippet_marked),
        rank=float(getattr(row, "score", 0.0) or 0.0),
        status=row.status,
        organization_id=row.organization_id,
        team_id=row.team_id,
        owner_id=row.owner_id,
        is_public=row.is_public,
        created_at=row.created_at,
    )
