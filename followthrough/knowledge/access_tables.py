"""Fetch-and-authorise for the parts of an article's tables (tables and columns), beside
access.py's articles and rows: whoever may read the article may see them, and a missing one
and a forbidden one get the same NotFound."""

from __future__ import annotations

from followthrough.accounts.models import User
from followthrough.core.errors import NotFound
from followthrough.knowledge.access import visible_articles
from followthrough.knowledge.models import ArticleTable, TableColumn


def _pk(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_table(actor: User, table_id: int | str) -> ArticleTable:
    pk = _pk(table_id)
    table = (
        ArticleTable.objects.select_related("article")
        .filter(pk=pk, article__in=visible_articles(actor))
        .first()
        if pk is not None
        else None
    )
    if table is None:
        raise NotFound("Table")
    return table


def access_column(actor: User, column_id: int | str) -> TableColumn:
    pk = _pk(column_id)
    column = (
        TableColumn.objects.select_related("table", "table__article")
        .filter(pk=pk, table__article__in=visible_articles(actor))
        .first()
        if pk is not None
        else None
    )
    if column is None:
        raise NotFound("Column")
    return column
