"""Fetch-and-authorise for the knowledge base. A missing object and a forbidden one get the
same NotFound (DESIGN.md §2, invariant 8)."""

from __future__ import annotations

from django.db.models import QuerySet

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import NotFound
from followthrough.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    TableRow,
    Vendor,
)


def visible_articles(actor: User) -> QuerySet[Article]:
    """Staff who read the knowledge base see every article, drafts included; a portal customer
    sees published public articles; anyone else sees none."""
    if actor.has_capability(Capability.KB_VIEW):
        return Article.objects.all()
    if actor.has_capability(Capability.PORTAL):
        return Article.objects.filter(
            status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC
        )
    return Article.objects.none()


def _pk(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_article(actor: User, article_id: int | str, *, for_update: bool = False) -> Article:
    pk = _pk(article_id)
    queryset = visible_articles(actor).select_related("owner", "category")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    article = queryset.filter(pk=pk).first() if pk is not None else None
    if article is None:
        raise NotFound("Article")
    return article


def access_table_row(actor: User, row_id: int | str) -> TableRow:
    pk = _pk(row_id)
    row = (
        TableRow.objects.select_related("table", "table__article").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if row is None or not visible_articles(actor).filter(pk=row.table.article_id).exists():
        raise NotFound("Table row")
    return row


def access_vendor(actor: User, vendor_id: int | str) -> Vendor:
    """Vendors are for staff who read the knowledge base."""
    pk = _pk(vendor_id)
    if pk is None or not actor.has_capability(Capability.KB_VIEW):
        raise NotFound("Vendor")
    vendor = Vendor.objects.filter(pk=pk).first()
    if vendor is None:
        raise NotFound("Vendor")
    return vendor
