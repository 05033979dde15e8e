"""The equal-treatment report: do some customers wait longer than others?

First response and resolution per plan tier and per channel, for cases opened in a period,
in business time as the SLA clocks counted it. Two aggregate queries over the clocks'
(metric, started_at) index; large installations point reports at a read replica.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from followthrough.cases.models import SlaClock
from followthrough.cases.states import Channel
from followthrough.core.errors import Invalid
from followthrough.customers.models import PlanTier
from followthrough.sla.models import SlaMetric, SlaPolicy
from followthrough.sla.selectors import policies_by_plan_tier

MAX_DAYS = 366
# A group is "behind" when its share within target trails the whole desk by this many points,
# or its average takes this much longer (and it has enough cases to say so).
BEHIND_POINTS = 10
BEHIND_RATIO = 1.25
MIN_CASES = 5


@dataclass
class MetricFigures:
    clocks: int = 0
    met: int = 0
    within: int = 0
    average_seconds: float | None = None
    missed_open: int = 0

    @property
    def within_share(self) -> float | None:
        return None if not self.met else round(100 * self.within / self.met, 1)


@dataclass
class TreatmentRow:
    key: str
    label: str
    first_response: MetricFigures = field(default_factory=MetricFigures)
    resolution: MetricFigures = field(default_factory=MetricFigures)
    behind: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return max(self.first_response.clocks, self.resolution.clocks)


@dataclass
class TreatmentReport:
    start: dt.date
    end: dt.date
    overall: TreatmentRow
    by_plan_tier: list[TreatmentRow]
    by_channel: list[TreatmentRow]
    tier_policies: list[SlaPolicy]

    @property
    def findings(self) -> list[str]:
        rows = [*self.by_plan_tier, *self.by_channel]
        return [f"{row.label}: {'; '.join(row.behind)}" for row in rows if row.behind]


def report_period(start: str | None, end: str | None, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period asked for (inclusive dates), defaulting to the last 30 days; refuses
    nonsense with a message saying what was wrong."""
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
    except ValueError:
        raise Invalid("Dates are written YYYY-MM-DD, for example 2026-11-01.") from None
    if first > last:
        raise Invalid("The period starts after it ends: swap the two dates.")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"A report covers at most {MAX_DAYS} days; choose a shorter period.")
    return first, last


def _figures(rows: list[dict[str, object]], group: str) -> dict[tuple[str, str], MetricFigures]:
    result = {}
    for row in rows:
        average = row["average"]
        result[(str(row[group] or ""), str(row["metric"]))] = MetricFigures(
            clocks=int(str(row["clocks"])),
            met=int(str(row["met"])),
            within=int(str(row["within"])),
            average_seconds=float(str(average)) if average is not None else None,
            missed_open=int(str(row["missed_open"])),
        )
    return result


def equal_treatment_report(*, start: dt.date, end: dt.date) -> TreatmentReport:
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    clocks = SlaClock.objects.filter(
        metric__in=[SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION],
        started_at__gte=since,
        started_at__lt=until,
        case__created_at__gte=since,
        case__created_at__lt=until,
        case__merged_into__isnull=True,
    )
    met = Q(met_at__isnull=False)
    measures = {
        "clocks": Count("id"),
        "met": Count("id", filter=met),
        "within": Count("id", filter=met & Q(used_seconds__lte=F("target_minutes") * 60)),
        "average": Avg("used_seconds", filter=met),
        "missed_open": Count("id", filter=Q(met_at__isnull=True, breached_at__isnull=False)),
    }
    by_tier = _figures(
        list(
            clocks.values("case__organization__plan_tier", "metric").annotate(**measures).order_by()
        ),
        "case__organization__plan_tier",
    )
    by_channel = _figures(
        list(clocks.values("case__channel", "metric").annotate(**measures).order_by()),
        "case__channel",
    )

    def row(key: str, label: str, figures: dict[tuple[str, str], MetricFigures]) -> TreatmentRow:
        return TreatmentRow(
            key=key,
            label=label,
            first_response=figures.get((key, SlaMetric.FIRST_RESPONSE), MetricFigures()),
            resolution=figures.get((key, SlaMetric.RESOLUTION), MetricFigures()),
        )

    overall = TreatmentRow(key="all", label="All customers")
    for (_, metric), figures in by_tier.items():
        total = overall.first_response if metric == SlaMetric.FIRST_RESPONSE else overall.resolution
        weighted = (total.average_seconds or 0) * total.met + (
            figures.average_seconds or 0
        ) * figures.met
        total.clocks += figures.clocks
        total.met += figures.met
        total.within += figures.within
        total.missed_open += figures.missed_open
        total.average_seconds = weighted / total.met if total.met else None

    tiers = [row(t.value, f"{t.label} plan", by_tier) for t in PlanTier]
    if any(key == "" for key, _ in by_tier):
        tiers.append(row("", "No organisation", by_tier))
    channels = [row(c.value, c.label, by_channel) for c in Channel]
    channels = [c for c in channels if c.cases]
    for candidate in [*tiers, *channels]:
        _mark_behind(candidate, overall)
    return TreatmentReport(
        start=start,
        end=end,
        overall=overall,
        by_plan_tier=tiers,
        by_channel=channels,
        tier_policies=policies_by_plan_tier(),
    )


def _mark_behind(row: TreatmentRow, overall: TreatmentRow) -> None:
    for name, mine, everyone in (
        ("first response", row.first_response, overall.first_response),
        ("resolution", row.resolution, overall.resolution),
    ):
        if mine.met < MIN_CASES:
            continue
        share, desk = mine.within_share, everyone.within_share
        if share is not None and desk is not None and share <= desk - BEHIND_POINTS:
            row.behind.append(f"{name} within target {share:g}% against {desk:g}% overall")
        elif (
            mine.average_seconds is not None
            and everyone.average_seconds
            and mine.average_seconds >= everyone.average_seconds * BEHIND_RATIO
        ):
            ratio = mine.average_seconds / everyone.average_seconds
            row.behind.append(f"{name} takes {ratio:.1f} times the overall average")
