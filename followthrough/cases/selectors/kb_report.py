"""The knowledge report as leads read it: the knowledge base's own figures (knowledge/selectors/
report.py) plus what only the cases know, how many cases each article solved in the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from followthrough.cases.models import CaseArticle
from followthrough.knowledge.selectors.report import REPORT_LIMIT, KbReport, kb_report


def period_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Inclusive report dates as [since, until) in the reader's time zone."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return since, until


@dataclass(frozen=True)
class SolvedInPeriod:
    article_id: int
    title: str
    status: str
    cases: int
    # All time, for comparison.
    solved_count: int


@dataclass
class KnowledgeReport:
    kb: KbReport
    solved_in_period: list[SolvedInPeriod]
    # Cases an article was marked as solving in the period, all articles together.
    solutions_in_period: int


def articles_solving_most(
    *, since: dt.datetime, until: dt.datetime, limit: int = REPORT_LIMIT
) -> list[SolvedInPeriod]:
    """The articles marked as the solution of the most cases in [since, until); a mark that
    was taken back no longer counts."""
    rows = (
        CaseArticle.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("article_id", "article__title", "article__status", "article__solved_count")
        .annotate(cases=Count("id"))
        .order_by("-cases", "article_id")[:limit]
    )
    return [
        SolvedInPeriod(
            article_id=r["article_id"],
            title=r["article__title"],
            status=r["article__status"],
            cases=r["cases"],
            solved_count=r["article__solved_count"],
        )
        for r in rows
    ]


def knowledge_report(
    *, since: dt.datetime, until: dt.datetime, today: dt.date | None = None
) -> KnowledgeReport:
    total = CaseArticle.objects.filter(created_at__gte=since, created_at__lt=until).count()
    return KnowledgeReport(
        kb=kb_report(since=since, until=until, today=today),
        solved_in_period=articles_solving_most(since=since, until=until),
        solutions_in_period=total,
    )
