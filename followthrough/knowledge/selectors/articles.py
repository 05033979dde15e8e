"""Reading articles: the knowledge-base list with its filters, one article with its tables
(in a fixed number of queries), its revisions, and the differences between two revisions."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from followthrough.accounts.capabilities import ROLE_CAPABILITIES, STAFF_ROLES, Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Invalid, NotFound
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from followthrough.knowledge.access import visible_articles
from followthrough.knowledge.cells import TYPE_WORDS, URL_SCHEMES, shown_cell
from followthrough.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleTable,
    Category,
    ColumnType,
    Product,
    TableColumn,
    TableRow,
    Tag,
    Vendor,
)

# --- Tables, loaded whole ---


def vendor_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    return dict(Vendor.objects.filter(pk__in=wanted).values_list("pk", "name"))


def vendor_ids_in(columns: Sequence[TableColumn], rows: Iterable[TableRow]) -> set[int]:
    vendor_columns = [str(c.pk) for c in columns if c.type == ColumnType.VENDOR]
    found: set[int] = set()
    for row in rows:
        for key in vendor_columns:
            value = row.cells.get(key)
            if isinstance(value, int):
                found.add(value)
    return found


def load_tables(article_id: int) -> list[ArticleTable]:
    """The article's tables with their columns and rows, in three queries."""
    return list(
        ArticleTable.objects.filter(article_id=article_id)
        .order_by("position", "id")
        .prefetch_related(
            Prefetch("columns", queryset=TableColumn.objects.order_by("position", "id")),
            Prefetch("rows", queryset=TableRow.objects.order_by("position", "id")),
        )
    )


# --- The list ---

# Each order the list offers: (field, newest/largest first?).
SORTS: dict[str, tuple[str, bool]] = {
    "updated": ("updated_at", True),
    "new": ("created_at", True),
    "title": ("title", False),
    "solved": ("solved_count", True),
}
SORT_LABELS = {
    "updated": "Recently changed",
    "new": "Newest",
    "title": "Title A to Z",
    "solved": "Most solved",
}


@dataclass(frozen=True)
class ArticleFilters:
    """The list's filters; each left empty filters nothing."""

    text: str = ""
    category_id: int | None = None
    tag: str = ""
    product_id: int | None = None
    status: str = ""
    visibility: str = ""
    owner_id: int | None = None
    review_overdue: bool = False
    sort: str = "updated"


@dataclass(frozen=True)
class ArticlePage:
    items: list[Article]
    next_cursor: str | None


def _encode(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[Any, int]:
    refused = Invalid("The page cursor is not one this desk gave out.", field="cursor")
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        given_sort, value, pk = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise refused from None
    if given_sort != sort or not isinstance(pk, int) or isinstance(pk, bool):
        raise refused
    field_name = SORTS[sort][0]
    if field_name in ("updated_at", "created_at"):
        if not isinstance(value, str):
            raise refused
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise refused from None
    else:
        wanted = int if field_name == "solved_count" else str
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise refused
    return value, pk


def filtered_articles(actor: User, filters: ArticleFilters) -> QuerySet[Article]:
    articles = visible_articles(actor)
    if filters.text:
        articles = articles.filter(title__icontains=filters.text[:200])
    if filters.category_id is not None:
        articles = articles.filter(category_id=filters.category_id)
    if filters.tag:
        articles = articles.filter(tags__name=filters.tag.strip().lower()[:50])
    if filters.product_id is not None:
        articles = articles.filter(products__id=filters.product_id)
    if filters.status:
        articles = articles.filter(status=filters.status)
    if filters.visibility:
        articles = articles.filter(visibility=filters.visibility)
    # Who owns an article is staff information: a customer's owner filter is ignored, or it
    # would tell them which staff member owns which public article.
    if filters.owner_id is not None and actor.has_capability(Capability.KB_VIEW):
        articles = articles.filter(owner_id=filters.owner_id)
    if filters.review_overdue:
        articles = articles.filter(
            status=ArticleStatus.PUBLISHED, review_by__lt=timezone.localdate()
        )
    return articles


def article_list(
    actor: User, filters: ArticleFilters, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> ArticlePage:
    """One page of the articles `actor` may read, filtered and in the chosen order; two
    queries whatever the page size (the articles with owner and category, then their tags)."""
    sort = filters.sort if filters.sort in SORTS else "updated"
    field_name, descending = SORTS[sort]
    size = max(1, min(int(limit), MAX_LIMIT))
    articles = filtered_articles(actor, filters)
    if cursor:
        value, pk = _decode(cursor, sort)
        op = "lt" if descending else "gt"
        articles = articles.filter(
            Q(**{f"{field_name}__{op}": value}) | Q(**{field_name: value, f"id__{op}": pk})
        )
    order = [f"-{field_name}", "-id"] if descending else [field_name, "id"]
    rows = list(
        articles.select_related("owner", "category")
        .prefetch_related("tags")
        .order_by(*order)[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode(sort, getattr(rows[-1], field_name), rows[-1].pk) if more else None
    return ArticlePage(items=rows, next_cursor=next_cursor)


# --- One article ---


@cache
def _vendor_pages_exist() -> bool:
    """Whether the vendor directory has pages to link to (it is another part of the desk)."""
    try:
        reverse("vendor_detail", args=[1])
    except NoReverseMatch:
        return False
    return True


def vendor_page(vendor_id: int) -> str:
    return reverse("vendor_detail", args=[vendor_id]) if _vendor_pages_exist() else ""


def safe_link(value: object) -> str:
    """A URL cell's address when it may be followed (checked again on the way out)."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme.lower() in URL_SCHEMES else ""


@dataclass(frozen=True)
class CellView:
    column: TableColumn
    value: object
    shown: str
    # Where the cell links to: a URL cell's address (opens in a new tab), a vendor's page.
    href: str = ""
    external: bool = False


@dataclass(frozen=True)
class RowView:
    row: TableRow
    cells: list[CellView]


@dataclass(frozen=True)
class TableView:
    table: ArticleTable
    columns: list[TableColumn]
    rows: list[RowView]


@dataclass(frozen=True)
class ReviewState:
    date: dt.date | None
    overdue: bool
    words: str


@dataclass(frozen=True)
class ArticleDetail:
    article: Article
    tags: list[Tag]
    products: list[Product]
    tables: list[TableView]
    review: ReviewState
    vendors: dict[int, str] = field(default_factory=dict)


def review_state(review_by: dt.date | None, today: dt.date | None = None) -> ReviewState:
    """The review date in words: "overdue by 3 days", "due today", "in 12 days"."""
    if review_by is None:
        return ReviewState(None, False, "No review date")
    today = today or timezone.localdate()
    days = (review_by - today).days
    if days < 0:
        n = -days
        return ReviewState(review_by, True, f"Overdue by {n} day{'' if n == 1 else 's'}")
    if days == 0:
        return ReviewState(review_by, False, "Due today")
    return ReviewState(review_by, False, f"Due in {days} day{'' if days == 1 else 's'}")


def table_views(tables: Sequence[ArticleTable], names: dict[int, str]) -> list[TableView]:
    views = []
    for table in tables:
        columns = list(table.columns.all())
        rows = []
        for row in table.rows.all():
            cells = []
            for column in columns:
                value = row.cells.get(str(column.pk))
                shown = shown_cell(column.type, value, names)
                href, external = "", False
                if column.type == ColumnType.URL:
                    href, external = safe_link(value), True
                elif column.type == ColumnType.VENDOR and isinstance(value, int) and value in names:
                    href = vendor_page(value)
                cells.append(CellView(column, value, shown, href, external and bool(href)))
            rows.append(RowView(row, cells))
        views.append(TableView(table, columns, rows))
    return views


def article_detail(article: Article) -> ArticleDetail:
    """The article (as fetched by access_article) with its tags, products and tables: six
    queries at most, whatever the number of tables, columns and rows."""
    tags = list(article.tags.order_by("name"))
    products = list(article.products.order_by("name"))
    tables = load_tables(article.pk)
    names = vendor_names(
        v for t in tables for v in vendor_ids_in(list(t.columns.all()), t.rows.all())
    )
    return ArticleDetail(
        article=article,
        tags=tags,
        products=products,
        tables=table_views(tables, names),
        review=review_state(article.review_by),
        vendors=names,
    )


def article_table(table: ArticleTable) -> TableView:
    """One table as the page shows it (the table editor's partial)."""
    tables = [t for t in load_tables(table.article_id) if t.pk == table.pk]
    if not tables:
        raise NotFound("Table")
    names = vendor_names(vendor_ids_in(list(tables[0].columns.all()), tables[0].rows.all()))
    return table_views(tables, names)[0]


# --- Revisions ---


@dataclass(frozen=True)
class RevisionPage:
    items: list[ArticleRevision]
    # The revision number to ask for next (`before`), or None at the first revision.
    next_before: int | None


def article_revisions(
    article: Article, *, before: int | None = None, limit: int = DEFAULT_LIMIT
) -> RevisionPage:
    """The article's revisions, newest first, with their authors: one query a page."""
    size = max(1, min(int(limit), MAX_LIMIT))
    revisions = ArticleRevision.objects.filter(article=article).select_related("author")
    if before is not None:
        revisions = revisions.filter(number__lt=before)
    rows = list(revisions.order_by("-number")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return RevisionPage(items=rows, next_before=rows[-1].number if more else None)


def article_revision(article: Article, number: int) -> ArticleRevision:
    found = (
        ArticleRevision.objects.filter(article=article, number=number)
        .select_related("author")
        .first()
    )
    if found is None:
        raise NotFound("Revision")
    return found


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "hunk", "add", "remove" or "context"
    text: str


@dataclass(frozen=True)
class DiffSection:
    name: str
    lines: list[DiffLine]
    unified: list[str]


@dataclass(frozen=True)
class RevisionDiff:
    article: Article
    old: ArticleRevision
    new: ArticleRevision
    sections: list[DiffSection]

    @property
    def changed(self) -> bool:
        return bool(self.sections)


# "@@ -3,7 +3,8 @@": where a block of changes starts in the newer version.
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def tables_as_lines(tables: list[dict[str, Any]]) -> list[str]:
    """A revision's tables as lines of text: one per table heading, column list and row."""
    lines: list[str] = []
    for table in tables or []:
        columns = table.get("columns", [])
        lines.append(f"Table “{table.get('name', '')}”")
        lines.append(
            "  Columns: "
            + " | ".join(f"{c['name']} ({TYPE_WORDS.get(c['type'], c['type'])})" for c in columns)
        )
        for row in table.get("rows", []):
            shown = row.get("shown") or []
            pairs = [
                f"{c['name']}: {value}"
                for c, value in zip(columns, shown, strict=False)
                if value != ""
            ]
            lines.append("  Row: " + " | ".join(pairs))
    return lines


def _section(name: str, old: list[str], new: list[str], old_n: int, new_n: int) -> DiffSection:
    unified = list(
        difflib.unified_diff(
            old, new, fromfile=f"revision {old_n}", tofile=f"revision {new_n}", lineterm="", n=3
        )
    )
    lines = []
    for text in unified[2:]:  # the two file headers
        if text.startswith("@@"):
            where = _HUNK.match(text)
            line = int(where.group(1)) if where else 1
            lines.append(DiffLine("hunk", f"From line {max(line, 1)}"))
        elif text.startswith("+"):
            lines.append(DiffLine("add", text[1:]))
        elif text.startswith("-"):
            lines.append(DiffLine("remove", text[1:]))
        else:
            lines.append(DiffLine("context", text[1:]))
    return DiffSection(name=name, lines=lines, unified=unified)


def revision_diff(article: Article, from_number: int, to_number: int) -> RevisionDiff:
    """What changed between two revisions, line by line, for the title, the text and the
    tables (a section only when it changed). Two queries."""
    old = article_revision(article, from_number)
    new = article_revision(article, to_number)
    sections = [
        _section("Title", [old.title], [new.title], old.number, new.number),
        _section("Text", old.body.splitlines(), new.body.splitlines(), old.number, new.number),
        _section(
            "Tables",
            tables_as_lines(old.tables),
            tables_as_lines(new.tables),
            old.number,
            new.number,
        ),
    ]
    return RevisionDiff(
        article=article, old=old, new=new, sections=[s for s in sections if s.lines]
    )


# --- What the forms offer ---


def article_owner_choices() -> list[User]:
    """Who may own an article: active staff who may edit articles (not service accounts)."""
    roles = [
        role
        for role, capabilities in ROLE_CAPABILITIES.items()
        if Capability.KB_EDIT in capabilities and role in STAFF_ROLES
    ]
    return list(
        User.objects.filter(is_active=True, role__in=roles).order_by(
            "first_name", "last_name", "username"
        )
    )


def category_choices() -> list[Category]:
    return list(Category.objects.order_by("name"))


def product_choices() -> list[Product]:
    return list(Product.objects.order_by("name"))


def vendor_choices() -> list[Vendor]:
    """The directory for a vendor cell's picker: every vendor, inactive ones too (a row may
    already name one)."""
    return list(Vendor.objects.order_by("name"))
