"""What every knowledge-base write shares: locking an article with a version check, and
writing its revision."""

from __future__ import annotations

from typing import Any

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Conflict, Invalid, NotFound
from followthrough.knowledge.cells import shown_cell
from followthrough.knowledge.models import Article, ArticleRevision
from followthrough.knowledge.selectors.articles import load_tables, vendor_ids_in, vendor_names

MAX_SUMMARY = 500


def lock_article(article: Article | int, expected_version: int | None = None) -> Article:
    """Re-read the article under a row lock; refuse when the caller's version is stale."""
    pk = article if isinstance(article, int) else article.pk
    locked = (
        Article.objects.select_for_update(of=("self",))
        .select_related("owner", "category")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound("Article")
    if expected_version is not None and locked.version != expected_version:
        latest = (
            ArticleRevision.objects.filter(article_id=pk, number=locked.version)
            .select_related("author")
            .first()
        )
        by = f" by {latest.author.display_name}" if latest is not None else ""
        raise Conflict(
            f"“{locked.title}” was changed{by} since you opened it (version {expected_version} "
            f"is now {locked.version}). Reload it and make your change again.",
            current_version=locked.version,
        )
    return locked


def clean_summary(summary: str) -> str:
    text = " ".join((summary or "").split())
    if len(text) > MAX_SUMMARY:
        raise Invalid(f"The summary is longer than {MAX_SUMMARY} characters.", field="summary")
    return text


def require_article_owner(user: User) -> None:
    """An owner keeps the article true, so must be someone who may edit it."""
    if user.is_customer or not user.is_active or not user.has_capability(Capability.KB_EDIT):
        raise Invalid(f"{user.display_name} cannot own articles.", field="owner")


# --- Tables as data: for revisions, search documents and pages. ---


def tables_snapshot(article_id: int) -> list[dict[str, Any]]:
    """The tables as they are now, as stored in a revision: each cell both as stored and as
    shown (so a revision still reads right after a vendor is renamed or removed)."""
    tables = load_tables(article_id)
    names = vendor_names(
        v for t in tables for v in vendor_ids_in(list(t.columns.all()), t.rows.all())
    )
    snapshot: list[dict[str, Any]] = []
    for table in tables:
        columns = list(table.columns.all())
        snapshot.append(
            {
                "id": table.pk,
                "name": table.name,
                "columns": [{"id": c.pk, "name": c.name, "type": c.type} for c in columns],
                "rows": [
                    {
                        "id": row.pk,
                        "cells": row.cells,
                        "shown": [
                            shown_cell(c.type, row.cells.get(str(c.pk)), names) for c in columns
                        ],
                    }
                    for row in table.rows.all()
                ],
            }
        )
    return snapshot


def write_revision(article: Article, actor: User, summary: str) -> ArticleRevision:
    """Bump the article's version and keep what it now is as the revision of that number."""
    article.version += 1
    article.save(update_fields=["version", "updated_at"])
    return ArticleRevision.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        tables=tables_snapshot(article.pk),
        author=actor,
        summary=summary[:MAX_SUMMARY],
    )
