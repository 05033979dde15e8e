"""The knowledge report, the parts the knowledge base knows by itself: the articles that solved
the most cases of all time, the searches that found nothing, and the published articles past
their review date. (How many cases an article solved in a period is counted on the cases side,
which may read knowledge; knowledge may not read cases.)

Each part is one bounded query over an index made for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max
from django.db.models.functions import Lower, Trim

from followthrough.core.models import SearchQueryLog
from followthrough.knowledge.models import Article, ArticleStatus

REPORT_LIMIT = 20


@dataclass(frozen=True)
class EmptySearch:
    """A search that found nothing, however it was capitalised, and how often it was run."""

    query: str
    count: int
    last_at: dt.datetime


@dataclass(frozen=True)
class OverdueReview:
    """A published article past its review date, and by how many days."""

    article: Article
    days: int


@dataclass
class KbReport:
    since: dt.datetime
    until: dt.datetime
    # Of all time, from the counter the "this solved it" service keeps on each article.
    most_solved: list[Article]
    empty_searches: list[EmptySearch]
    # How many searches found nothing in the period (every one, not only the listed queries).
    empty_search_total: int
    overdue_reviews: list[OverdueReview]
    # More published articles are overdue than are listed.
    overdue_more: bool


def most_solved_articles(*, limit: int = REPORT_LIMIT) -> list[Article]:
    return list(
        Article.objects.filter(solved_count__gt=0)
        .defer("body")
        .select_related("owner")
        .order_by("-solved_count", "id")[:limit]
    )


def empty_searches(
    *, since: dt.datetime, until: dt.datetime, limit: int = REPORT_LIMIT
) -> list[EmptySearch]:
    """Searches in [since, until) that found nothing, grouped by their lower-cased text, the
    most frequent first."""
    rows = (
        SearchQueryLog.objects.filter(result_count=0, created_at__gte=since, created_at__lt=until)
        .annotate(text=Lower(Trim("query")))
        .values("text")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by("-count", "-last_at", "text")[:limit]
    )
    return [EmptySearch(query=r["text"], count=r["count"], last_at=r["last_at"]) for r in rows]


def overdue_reviews(
    *, today: dt.date, limit: int = REPORT_LIMIT
) -> tuple[list[OverdueReview], bool]:
    """Published articles whose review date has passed, the longest overdue first."""
    articles = list(
        Article.objects.filter(status=ArticleStatus.PUBLISHED, review_by__lt=today)
        .defer("body")
        .select_related("owner")
        .order_by("review_by", "id")[: limit + 1]
    )
    overdue = [
        OverdueReview(article=a, days=(today - a.review_by).days)
        for a in articles[:limit]
        if a.review_by is not None
    ]
    return overdue, len(articles) > limit


def kb_report(*, since: dt.datetime, until: dt.datetime, today: dt.date | None = None) -> KbReport:
    """The knowledge base's own figures for the period [since, until); reviews are overdue
    as of `today` (the end of the period by default)."""
    overdue, more = overdue_reviews(today=today or until.date())
    total = SearchQueryLog.objects.filter(
        result_count=0, created_at__gte=since, created_at__lt=until
    ).count()
    return KbReport(
        since=since,
        until=until,
        most_solved=most_solved_articles(),
        empty_searches=empty_searches(since=since, until=until),
        empty_search_total=total,
        overdue_reviews=overdue,
        overdue_more=more,
    )
