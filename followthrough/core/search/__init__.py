"""Full-text search over everything: one index of documents (kind, id, title, body and the
filters that decide who may see them), kept in the same transaction as the things they
describe. SQLite FTS5 or PostgreSQL tsvector behind one interface.

Domains write documents with index_document / index_set_filters / index_append /
index_remove, and search with search(text, scopes=...) where the scopes say what the
searcher may see.
"""

from __future__ import annotations

from collections.abc import Sequence

from followthrough.core.search.backends import run_search
from followthrough.core.search.index import (
    Document,
    index_append,
    index_document,
    index_documents,
    index_remove,
    index_set_filters,
)
from followthrough.core.search.log import search_log
from followthrough.core.search.query import ParsedQuery, Term, keywords, parse_query
from followthrough.core.search.registry import (
    in_batches,
    register_reindexer,
    registered_kinds,
    reindexer,
)
from followthrough.core.search.types import Filters, Scope, SearchHit, SearchResults

# However a caller pages, one search reads at most this many hits.
MAX_LIMIT = 100
MAX_OFFSET = 1000


def search(
    text: str,
    *,
    scopes: Sequence[Scope],
    filters: Filters | None = None,
    match_any: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Ranked hits for `text` among the documents the scopes allow, best first.

    Words must all match (stemmed, accent-insensitive); "quoted phrases", word* prefixes and
    -word exclusions work; match_any=True ORs the words ("more like this"). Text with nothing
    searchable in it finds nothing, without a query. Never raises for what the text holds.
    """
    parsed = parse_query(text)
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    if not parsed.searchable or not scopes or limit == 0:
        return SearchResults(hits=[], has_more=False, query=parsed)
    hits = run_search(
        parsed,
        scopes=scopes,
        filters=filters,
        match_any=match_any,
        limit=limit + 1,
        offset=offset,
    )
    return SearchResults(hits=hits[:limit], has_more=len(hits) > limit, query=parsed)


__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "Document",
    "Filters",
    "ParsedQuery",
    "Scope",
    "SearchHit",
    "SearchResults",
    "Term",
    "in_batches",
    "index_append",
    "index_document",
    "index_documents",
    "index_remove",
    "index_set_filters",
    "keywords",
    "parse_query",
    "register_reindexer",
    "registered_kinds",
    "reindexer",
    "search",
    "search_log",
]
