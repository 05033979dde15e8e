"""The knowledge base's search documents: an "article" for each article and a "table_row" for
each row of its tables (search-interface.md). The services call these inside their own
transaction; the reindexers (registered in KnowledgeConfig.ready) rewrite them all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from followthrough.core import search
from followthrough.core.markdown import markdown_to_text
from followthrough.knowledge.cells import shown_cell
from followthrough.knowledge.models import (
    Article,
    ArticleTable,
    ArticleVisibility,
    TableColumn,
    TableRow,
)
from followthrough.knowledge.selectors.articles import load_tables, vendor_ids_in, vendor_names

ARTICLE_KIND = "article"
TABLE_ROW_KIND = "table_row"


def _filters(article: Article) -> dict[str, Any]:
    return {
        "status": article.status,
        "is_public": article.visibility == ArticleVisibility.PUBLIC,
        "owner_id": article.owner_id,
    }


def index_article(article: Article) -> None:
    """The article's document: its words, its tags, products and category."""
    search.index_documents([_article_document(article)])


def row_document_text(columns: Sequence[TableColumn], row: TableRow, names: dict[int, str]) -> str:
    lines = []
    for column in columns:
        shown = shown_cell(column.type, row.cells.get(str(column.pk)), names)
        if shown:
            lines.append(f"{column.name}: {shown}")
    return "\n".join(lines)


def _row_document(
    article: Article,
    table: ArticleTable,
    columns: Sequence[TableColumn],
    row: TableRow,
    names: dict[int, str],
) -> search.Document:
    return search.Document(
        kind=TABLE_ROW_KIND,
        object_id=row.pk,
        parent_id=article.pk,
        title=f"{article.title} — {table.name}",
        body=row_document_text(columns, row, names),
        created_at=article.created_at,
        **_filters(article),
    )


def index_rows(article: Article, tables: Sequence[ArticleTable] | None = None) -> int:
    """(Re)write the documents of every row of `tables` (default: all the article's), a few
    hundred rows a statement."""
    tables = load_tables(article.pk) if tables is None else tables
    names = vendor_names(
        v for t in tables for v in vendor_ids_in(list(t.columns.all()), t.rows.all())
    )
    documents: list[search.Document] = []
    for table in tables:
        columns = list(table.columns.all())
        documents.extend(
            _row_document(article, table, columns, row, names) for row in table.rows.all()
        )
    return search.index_documents(documents)


def index_one_row(article: Article, table: ArticleTable, row: TableRow) -> None:
    columns = list(table.columns.order_by("position", "id"))
    names = vendor_names(vendor_ids_in(columns, [row]))
    search.index_documents([_row_document(article, table, columns, row, names)])


def index_filters(article: Article) -> None:
    """Status, visibility or owner changed: the article's document and its rows' follow."""
    search.index_set_filters(kind=ARTICLE_KIND, object_id=article.pk, **_filters(article))
    index_rows(article)


def unindex_rows(row_ids: Iterable[int]) -> None:
    for row_id in row_ids:
        search.index_remove(kind=TABLE_ROW_KIND, object_id=row_id)


# --- Reindexers (`followthrough search-reindex`) ---


def _article_document(article: Article) -> search.Document:
    tags = sorted(t.name for t in article.tags.all())
    products = sorted(p.name for p in article.products.all())
    category = article.category.name if article.category is not None else ""
    body = "\n".join(
        part
        for part in (markdown_to_text(article.body), " ".join(tags), "\n".join(products), category)
        if part
    )
    return search.Document(
        kind=ARTICLE_KIND,
        object_id=article.pk,
        title=article.title,
        body=body,
        created_at=article.created_at,
        **_filters(article),
    )


def reindex_articles() -> int:
    """Every article's document afresh, a batch of articles (and their tags and products) at
    a time."""
    articles = Article.objects.select_related("category").prefetch_related("tags", "products")
    return sum(
        search.index_documents(_article_document(a) for a in batch)
        for batch in search.in_batches(articles, size=200)
    )


def reindex_table_rows() -> int:
    """Every table row's document afresh, an article at a time."""
    written = 0
    for batch in search.in_batches(Article.objects.all(), size=100):
        for article in batch:
            written += index_rows(article)
    return written
