"""Knowledge-base records for tests. Articles and tables are made through the services, so each
has its revisions and search documents as in real use; vendors are plain rows."""

from __future__ import annotations

from typing import Any

import factory

from followthrough.accounts.models import User
from followthrough.knowledge.models import (
    Article,
    ArticleTable,
    ArticleVisibility,
    ColumnType,
    TableRow,
    Vendor,
)
from followthrough.knowledge.services.articles import article_create, article_publish
from followthrough.knowledge.services.tables import row_add, table_create


class VendorFactory(factory.django.DjangoModelFactory[Vendor]):
    class Meta:
        model = Vendor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Vendor {n} Inc")
    support_phone = "+12065550199"
    support_url = factory.LazyAttribute(
        lambda v: f"https://support.{v.name.split()[0].lower()}.example"
    )
    hours = "Mon-Fri 09:00-17:00"


def write_article(
    actor: User,
    *,
    title: str = "Resetting the FX-200 modem",
    body: str = "Hold **reset** for 10 seconds.",
    visibility: str = ArticleVisibility.INTERNAL,
    **fields: Any,
) -> Article:
    return article_create(actor=actor, title=title, body=body, visibility=visibility, **fields)


def published_article(author: User, publisher: User, **fields: Any) -> Article:
    article = write_article(author, **fields)
    return article_publish(actor=publisher, article=article)


INCOMPATIBLE_COLUMNS = [
    ("Product", ColumnType.TEXT),
    ("Vendor", ColumnType.VENDOR),
    ("Removal tool", ColumnType.URL),
    ("Versions", ColumnType.NUMBER),
    ("Checked", ColumnType.DATE),
    ("Reboot needed", ColumnType.YES_NO),
]


def incompatible_table(actor: User, article: Article) -> ArticleTable:
    return table_create(
        actor=actor, article=article, name="Incompatible products", columns=INCOMPATIBLE_COLUMNS
    )


def column_ids(table: ArticleTable) -> dict[str, str]:
    """Column name → the key its cells have (the column id as text)."""
    return {c.name: str(c.pk) for c in table.columns.all()}


def add_row(actor: User, table: ArticleTable, **by_name: object) -> TableRow:
    """A row given by column names (`Removal_tool=` for "Removal tool")."""
    ids = column_ids(table)
    cells = {ids[name.replace("_", " ")]: value for name, value in by_name.items()}
    return row_add(actor=actor, table=table, cells=cells)
