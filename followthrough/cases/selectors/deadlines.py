"""A case's deadlines, explained: policy, calendar, target, time used, pauses, and why each
is due when it is (two queries; the calendar arithmetic is cached per calendar version)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from followthrough.cases.models import Case, SlaClock
from followthrough.cases.states import CaseStatus
from followthrough.sla import clock
from followthrough.sla.calendars import build_calendar, describe_holidays, describe_hours
from followthrough.sla.explain import duration, span_lines
from followthrough.sla.models import BusinessHours, SlaMetric

ORDER = {SlaMetric.FIRST_RESPONSE: 0, SlaMetric.NEXT_RESPONSE: 1, SlaMetric.RESOLUTION: 2}


class DeadlineState:
    RUNNING = "running"
    WARNING = "warning"
    MISSED = "missed"
    PAUSED = "paused"
    MET = "met"
    MET_LATE = "met_late"


@dataclass
class Deadline:
    metric: str
    label: str
    state: str
    headline: str
    due_at: dt.datetime | None
    target: str
    used: str
    policy: str
    calendar: str
    started_at: dt.datetime
    round: int
    pauses: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)

    @property
    def is_missed(self) -> bool:
        return self.state in (DeadlineState.MISSED, DeadlineState.MET_LATE)


def case_deadlines(case: Case, *, at: dt.datetime | None = None) -> list[Deadline]:
    at = at or timezone.now()
    clocks = list(
        SlaClock.objects.filter(case=case)
        .select_related("policy__match_team", "policy__match_organization", "calendar")
        .prefetch_related(
            Prefetch("calendar__hours", queryset=BusinessHours.objects.order_by("weekday", "opens"))
        )
    )
    clocks.sort(key=lambda c: ORDER.get(SlaMetric(c.metric), 9))
    return [_deadline(c, at) for c in clocks]


def _used_seconds(sla_clock: SlaClock, calendar: clock.Calendar | None, at: dt.datetime) -> int:
    used = sla_clock.used_seconds
    if (
        sla_clock.running_since is not None
        and calendar is not None
        and at > sla_clock.running_since
    ):
        used += int(
            clock.business_time_between(calendar, sla_clock.running_since, at).total_seconds()
        )
    return used


def _deadline(sla_clock: SlaClock, at: dt.datetime) -> Deadline:
    metric = SlaMetric(sla_clock.metric)
    calendar_row = sla_clock.calendar
    calendar = build_calendar(calendar_row) if calendar_row is not None else None
    zone = calendar.time_zone if calendar is not None else ZoneInfo("UTC")
    target_seconds = sla_clock.target_minutes * 60
    used = _used_seconds(sla_clock, calendar, at)
    local = timezone.localtime

    if calendar_row is not None:
        parts = [calendar_row.name, describe_hours(calendar_row), calendar_row.time_zone]
        holidays = describe_holidays(calendar_row)
        calendar_text = ", ".join([*parts, holidays] if holidays else parts)
    else:
        calendar_text = "calendar deleted"
    policy = sla_clock.policy
    rules = ", ".join(policy.rules()) if policy is not None else ""
    if policy is None:
        policy_text = f"{sla_clock.policy_name} (policy deleted)"
    elif policy.is_default:
        policy_text = f"{policy.name} (the default policy: no other policy matched this case)"
    else:
        policy_text = f"{policy.name} (matched: {rules or 'every case'})"

    pauses = []
    for pause in sla_clock.pauses:
        start = dt.datetime.fromisoformat(pause["from"])
        end = dt.datetime.fromisoformat(pause["to"]) if pause.get("to") else None
        status = CaseStatus(pause["status"]).label.lower() if pause.get("status") else "paused"
        until = f"{local(end):%a %d %b %H:%M}" if end else "now"
        pauses.append(f"{local(start):%a %d %b %H:%M} to {until}: {status}")

    why: list[str] = []
    due = sla_clock.due_at
    if sla_clock.met_at is not None:
        late = used > target_seconds
        state = DeadlineState.MET_LATE if late else DeadlineState.MET
        headline = (
            f"Met {local(sla_clock.met_at):%a %d %b %H:%M} after {duration(used)} "
            f"of business time (target {duration(target_seconds)})"
            + (f": {duration(used - target_seconds)} late" if late else "")
        )
    elif sla_clock.paused_at is not None:
        state = DeadlineState.PAUSED
        status = (
            CaseStatus(sla_clock.paused_status).label.lower() if sla_clock.paused_status else ""
        )
        headline = (
            f"Paused since {local(sla_clock.paused_at):%a %d %b %H:%M} ({status}): "
            f"{duration(used)} used of {duration(target_seconds)}; "
            "the clock runs again when the case leaves this status"
        )
    else:
        start = sla_clock.running_since or sla_clock.started_at
        remaining = max(target_seconds - sla_clock.used_seconds, 0)
        if due is not None and due <= at:
            state = DeadlineState.MISSED
            over = duration(used - target_seconds)
            headline = f"Missed: was due {local(due):%a %d %b %H:%M} ({over} of business time ago)"
        else:
            warn = sla_clock.warned_at is not None
            state = DeadlineState.WARNING if warn else DeadlineState.RUNNING
            left = max(target_seconds - used, 0)
            when = f"{local(due):%a %d %b %H:%M}" if due else "not set"
            headline = f"Due {when}: {duration(left)} of business time left"
        if calendar is not None and remaining:
            why.append(
                f"{duration(remaining)} of the {duration(target_seconds)} target remained when "
                f"the clock {'started' if not sla_clock.used_seconds else 'last started'} "
                f"({local(start):%a %d %b %H:%M}); counted in {zone.key} time:"
            )
            why += span_lines(
                clock.explain_add(calendar, start, dt.timedelta(seconds=remaining)), zone
            )

    return Deadline(
        metric=metric.value,
        label=metric.label,
        state=state,
        headline=headline,
        due_at=due,
        target=duration(target_seconds),
        used=duration(used),
        policy=policy_text,
        calendar=calendar_text,
        started_at=sla_clock.started_at,
        round=sla_clock.round,
        pauses=pauses,
        why=why,
    )
