"""What the knowledge base and the other cases say about a case: the published articles and
table rows that best match its text, and the open cases that are likely the same problem.

Both ask the search index with the case's most distinctive words ("more like this"), then load
what they show in a fixed number of queries whatever the number of hits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.models import Case, CaseArticle, Handoff, Interaction
from followthrough.cases.states import OPEN_STATUSES, HandoffStatus
from followthrough.core.search import Scope, SearchHit, keywords, search
from followthrough.knowledge.access import visible_articles
from followthrough.knowledge.cells import URL_SCHEMES, shown_cell
from followthrough.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleTable,
    ColumnType,
    TableColumn,
    TableRow,
    Vendor,
)

# Document kinds written by the knowledge and cases services (search-interface.md).
ARTICLE = "article"
TABLE_ROW = "table_row"
CASE = "case"

# How much of the case the "more like this" query is made of.
RECENT_NOTES = 3
KEYWORDS = 12
# Hits asked of the index per suggestion shown: rows of one article arrive as several hits.
HITS_PER_SUGGESTION = 4
ROWS_PER_ARTICLE = 5
_OPEN = sorted(OPEN_STATUSES)
_PUBLISHED = frozenset({ArticleStatus.PUBLISHED.value})


def case_text(case: Case, *, internal: bool = True) -> str:
    """The words a case is about: subject, description and (for staff) the newest contacts'
    notes, which say what the customer reported and what was tried."""
    parts = [case.subject, case.description]
    if internal:
        notes = (
            Interaction.objects.filter(case_id=case.pk)
            .order_by("-started_at", "-id")
            .values_list("note", flat=True)[:RECENT_NOTES]
        )
        parts.extend(notes)
    return "\n".join(p for p in parts if p)


# --- Suggested articles -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell of a suggested row, as people read it: a link when it is one."""

    column: str
    type: str
    value: Any
    text: str
    href: str = ""


@dataclass
class RowMatch:
    row: TableRow
    cells: list[Cell]
    snippet_html: SafeString
    # This very row was named when the article was marked as the solution.
    is_solution: bool = False


@dataclass
class TableMatch:
    table: ArticleTable
    columns: list[TableColumn]
    rows: list[RowMatch] = field(default_factory=list)


@dataclass
class ArticleSuggestion:
    article: Article
    title_html: SafeString
    snippet_html: SafeString
    rank: float
    tables: list[TableMatch] = field(default_factory=list)
    # Set when the article is already marked as this case's solution.
    solution: CaseArticle | None = None

    @property
    def rows(self) -> list[RowMatch]:
        return [r for t in self.tables for r in t.rows]


@dataclass
class CaseSuggestions:
    case: Case
    query: str
    articles: list[ArticleSuggestion]
    # Every article already marked as the solution (shown even when no longer suggested).
    solutions: list[CaseArticle]


def _article_scopes(actor: User) -> list[Scope]:
    """Published articles and their rows; a portal customer gets public ones only."""
    if actor.has_capability(Capability.KB_VIEW):
        public_only = False
    elif actor.has_capability(Capability.PORTAL):
        public_only = True
    else:
        return []
    return [
        Scope(kind=ARTICLE, statuses=_PUBLISHED, public_only=public_only),
        Scope(kind=TABLE_ROW, statuses=_PUBLISHED, public_only=public_only),
    ]


def _link(value: object) -> str:
    """A URL cell's target, when it is one we link to (http, https, mailto)."""
    if not isinstance(value, str):
        return ""
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return ""
    return value.strip() if scheme in URL_SCHEMES else ""


def vendor_url(vendor_id: int) -> str:
    """The vendor's page in the directory (empty while no such page is installed)."""
    try:
        return reverse("vendor_detail", kwargs={"vendor_id": vendor_id})
    except NoReverseMatch:
        return ""


def _cell(column: TableColumn, value: object, vendors: dict[int, str], staff: bool) -> Cell:
    name, kind = column.name, column.type
    text = shown_cell(kind, value, vendors)
    if not text:
        return Cell(column=name, type=kind, value=None, text="")
    href = ""
    if kind == ColumnType.URL:
        href = _link(value)
    elif kind == ColumnType.VENDOR and staff:
        vendor_id = _vendor_id(value)
        if vendor_id is not None and vendor_id in vendors:
            href = vendor_url(vendor_id)
    return Cell(column=name, type=kind, value=value, text=text, href=href)


def _vendor_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _vendor_ids(rows: list[TableRow], columns: dict[int, list[TableColumn]]) -> set[int]:
    ids = set()
    for row in rows:
        for column in columns.get(row.table_id, []):
            if column.type == ColumnType.VENDOR:
                vendor_id = _vendor_id(row.cells.get(str(column.pk)))
                if vendor_id is not None:
                    ids.add(vendor_id)
    return ids


def _group(
    hits: list[SearchHit], limit: int
) -> tuple[dict[int, list[SearchHit]], dict[int, SearchHit], list[int]]:
    """The hits per article, best article first: its own hit, and the hits of its rows."""
    order: list[int] = []
    own: dict[int, SearchHit] = {}
    rows: dict[int, list[SearchHit]] = {}
    for hit in hits:
        article_id = hit.object_id if hit.kind == ARTICLE else hit.parent_id
        if article_id is None:
            continue
        if article_id not in own and article_id not in rows:
            order.append(article_id)
        if hit.kind == ARTICLE:
            own.setdefault(article_id, hit)
        else:
            rows.setdefault(article_id, []).append(hit)
    return rows, own, order[: limit * 2]


def case_suggestions(case: Case, actor: User, *, limit: int = 5) -> CaseSuggestions:
    """The published articles and table rows that best match the case, most relevant first,
    each row with its typed cells, and which articles are already marked as the solution.

    Staff who read the knowledge base get internal and public articles; a portal customer
    gets public ones only (and the case's own words, never its internal notes).
    """
    staff = actor.has_capability(Capability.KB_VIEW)
    visible = visible_articles(actor)
    solutions = list(
        CaseArticle.objects.filter(case_id=case.pk, article__in=visible.values("pk"))
        .select_related("article", "linked_by")
        .order_by("created_at", "id")
    )
    scopes = _article_scopes(actor)
    query = keywords(case_text(case, internal=staff), limit=KEYWORDS) if scopes else ""
    if not query:
        return CaseSuggestions(case=case, query=query, articles=[], solutions=solutions)
    results = search(query, scopes=scopes, match_any=True, limit=limit * HITS_PER_SUGGESTION)
    row_hits, own_hits, order = _group(results.hits, limit)

    # The index decides relevance; the database decides what may be shown, as of now.
    # Without the body: an article may hold 200,000 characters the panel does not show.
    shown = visible.filter(pk__in=order, status=ArticleStatus.PUBLISHED).defer("body")
    articles = {a.pk: a for a in shown}
    row_ids = [h.object_id for a in order if a in articles for h in row_hits.get(a, [])]
    rows = {
        r.pk: r
        for r in TableRow.objects.filter(pk__in=row_ids, table__article_id__in=list(articles))
        .select_related("table")
        .order_by()
    }
    table_ids = {r.table_id for r in rows.values()}
    columns: dict[int, list[TableColumn]] = {}
    if table_ids:
        for column in TableColumn.objects.filter(table_id__in=table_ids).order_by(
            "table_id", "position", "id"
        ):
            columns.setdefault(column.table_id, []).append(column)
    wanted_vendors = _vendor_ids(list(rows.values()), columns)
    vendors = (
        dict(Vendor.objects.filter(pk__in=wanted_vendors).values_list("pk", "name"))
        if wanted_vendors
        else {}
    )
    solved = {s.article_id: s for s in solutions}

    suggestions = []
    for article_id in order:
        article = articles.get(article_id)
        if article is None:
            continue
        hit = own_hits.get(article_id)
        solution = solved.get(article_id)
        suggestion = ArticleSuggestion(
            article=article,
            title_html=hit.title_html if hit else mark_safe(escape(article.title)),  # noqa: S308 - escaped
            snippet_html=hit.snippet_html if hit else SafeString(""),
            rank=hit.rank if hit else 0.0,
            solution=solution,
        )
        tables: dict[int, TableMatch] = {}
        for row_hit in row_hits.get(article_id, [])[:ROWS_PER_ARTICLE]:
            row = rows.get(row_hit.object_id)
            if row is None:
                continue
            suggestion.rank = max(suggestion.rank, row_hit.rank)
            table_columns = columns.get(row.table_id, [])
            match = tables.setdefault(
                row.table_id, TableMatch(table=row.table, columns=table_columns)
            )
            cells = [_cell(c, row.cells.get(str(c.pk)), vendors, staff) for c in table_columns]
            match.rows.append(
                RowMatch(
                    row=row,
                    cells=cells,
                    snippet_html=row_hit.snippet_html,
                    is_solution=solution is not None and solution.row_id == row.pk,
                )
            )
        suggestion.tables = list(tables.values())
        if hit is None and not suggestion.tables:
            continue
        suggestions.append(suggestion)
    suggestions.sort(key=lambda s: -s.rank)
    return CaseSuggestions(
        case=case, query=query, articles=suggestions[:limit], solutions=solutions
    )


def case_solutions(case: Case, actor: User) -> list[CaseArticle]:
    """The articles marked as the case's solution that `actor` may read, oldest first."""
    return list(
        CaseArticle.objects.filter(
            case_id=case.pk, article__in=visible_articles(actor).values("pk")
        )
        .select_related("article", "row", "linked_by")
        .order_by("created_at", "id")
    )


# --- Possible duplicates ------------------------------------------------------------------


class SimilarReason(StrEnum):
    SAME_CUSTOMER = "same customer"
    SAME_ASSET = "same asset"
    SIMILAR_TEXT = "similar text"


# How much each reason makes a case look like the same problem (text adds up to one more for
# the best match). A case with several reasons adds them up.
WEIGHT_ASSET = 3.0
WEIGHT_CONTACT = 2.0
WEIGHT_ORGANIZATION = 1.0
WEIGHT_TEXT = 2.0


@dataclass
class SimilarCase:
    case: Case
    reasons: list[SimilarReason] = field(default_factory=list)
    score: float = 0.0
    snippet_html: SafeString = field(default_factory=lambda: SafeString(""))

    def add(self, reason: SimilarReason, weight: float) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.score += weight


def _open_cases() -> Any:
    return Case.objects.filter(status__in=_OPEN, merged_into__isnull=True).select_related(
        "owner", "team", "contact", "organization", "asset"
    )


def _customer_candidates(
    found: dict[int, SimilarCase],
    *,
    exclude: int | None,
    contact_id: int | None,
    organization_id: int | None,
    asset_id: int | None,
    limit: int,
) -> None:
    """Open cases of the same asset, contact or organisation: one bounded, indexed range scan
    each (the newest first), so a customer with thousands of cases costs what a small one does.
    """
    queries = [
        ("asset_id", asset_id, SimilarReason.SAME_ASSET, WEIGHT_ASSET),
        ("contact_id", contact_id, SimilarReason.SAME_CUSTOMER, WEIGHT_CONTACT),
        ("organization_id", organization_id, SimilarReason.SAME_CUSTOMER, WEIGHT_ORGANIZATION),
    ]
    for column, value, reason, weight in queries:
        if value is None:
            continue
        cases = _open_cases().filter(**{column: value}).order_by("-created_at", "-id")
        if exclude is not None:
            cases = cases.exclude(pk=exclude)
        for other in cases[:limit]:
            entry = found.setdefault(other.pk, SimilarCase(case=other))
            if reason == SimilarReason.SAME_CUSTOMER and reason in entry.reasons:
                continue  # the same contact already counted; the organisation adds nothing
            entry.add(reason, weight)


def _ranked(found: dict[int, SimilarCase], limit: int) -> list[SimilarCase]:
    return sorted(
        found.values(), key=lambda s: (-s.score, -s.case.created_at.timestamp(), -s.case.pk)
    )[:limit]


def similar_cases(case: Case, *, limit: int = 5) -> list[SimilarCase]:
    """Open cases (not this one, not merged) that may be the same problem: the same asset,
    the same contact or organisation, or close text; each once, with every reason that holds,
    the most likely first. For staff: it looks across every customer's cases."""
    found: dict[int, SimilarCase] = {}
    _customer_candidates(
        found,
        exclude=case.pk,
        contact_id=case.contact_id,
        organization_id=case.organization_id,
        asset_id=case.asset_id,
        limit=limit * 2,
    )
    query = keywords(case_text(case), limit=KEYWORDS)
    if query:
        scope = Scope(kind=CASE, statuses=frozenset(OPEN_STATUSES))
        hits = [
            h
            for h in search(query, scopes=[scope], match_any=True, limit=limit * 2 + 1).hits
            if h.object_id != case.pk
        ]
        best = max((h.rank for h in hits), default=0.0) or 1.0
        missing = [h.object_id for h in hits if h.object_id not in found]
        loaded = {c.pk: c for c in _open_cases().filter(pk__in=missing)} if missing else {}
        for hit in hits:
            other = found.get(hit.object_id)
            if other is None:
                if hit.object_id not in loaded:
                    continue  # closed or merged since it was indexed
                other = found.setdefault(hit.object_id, SimilarCase(case=loaded[hit.object_id]))
            other.add(SimilarReason.SIMILAR_TEXT, WEIGHT_TEXT + max(hit.rank, 0.0) / best)
            other.snippet_html = hit.snippet_html
    return _ranked(found, limit)


def pending_handoff(case: Case) -> Handoff | None:
    """The case's handoff waiting for acceptance, which a merge would cancel."""
    return Handoff.objects.filter(case_id=case.pk, status=HandoffStatus.PENDING).first()


__all__ = [
    "ArticleSuggestion",
    "CaseSuggestions",
    "Cell",
    "RowMatch",
    "SimilarCase",
    "SimilarReason",
    "TableMatch",
    "case_solutions",
    "case_suggestions",
    "case_text",
    "pending_handoff",
    "similar_cases",
]
