"""The SLA clock against a brute-force oracle that steps UTC minutes and reads the local wall clock.

The oracle only shares the definition with clock.py: an instant is open iff its local wall time
falls in the hours of its own local date, derived here from the raw weekly/closed/extra_open data.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from followthrough.sla.clock import (
    Calendar,
    add_business_minutes,
    business_minutes_between,
    explain_add,
    is_open,
    open_intervals,
)

ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Africa/Casablanca",
)
MINUTE = dt.timedelta(minutes=1)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2037, 12, 1, tzinfo=dt.UTC)
MAX_ADD_MINUTES = 3000
# The oracle gives up (and the example is discarded) after stepping this far.
ORACLE_STEP_CAP = 40 * 1440

Hours = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class RawCalendar:
    zone: ZoneInfo
    weekly: tuple[Hours, ...]
    closed: dict[dt.date, str]
    extra_open: dict[dt.date, Hours]

    def build(self) -> Calendar:
        return Calendar(
            time_zone=self.zone,
            weekly=self.weekly,
            closed=dict(self.closed),
            extra_open=dict(self.extra_open),
        )


# The oracle.


def oracle_hours(raw: RawCalendar, day: dt.date) -> Hours:
    if day in raw.extra_open:
        return raw.extra_open[day]
    if day in raw.closed:
        return ()
    return raw.weekly[day.weekday()]


def oracle_minute_is_open(raw: RawCalendar, instant: dt.datetime) -> bool:
    local = instant.astimezone(raw.zone)
    assert local.second == 0, "2000-2037 offsets are whole minutes"
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in oracle_hours(raw, local.date()))


def oracle_minutes_between(raw: RawCalendar, start: dt.datetime, end: dt.datetime) -> int:
    count = 0
    instant = start
    while instant < end:
        count += oracle_minute_is_open(raw, instant)
        instant += MINUTE
    return count


def oracle_add_minutes(raw: RawCalendar, start: dt.datetime, minutes: int) -> dt.datetime | None:
    if minutes == 0:
        return start
    counted = 0
    for step in range(ORACLE_STEP_CAP):
        instant = start + step * MINUTE
        if oracle_minute_is_open(raw, instant):
            counted += 1
            if counted == minutes:
                return instant + MINUTE
    return None


# Where a zone's offset changes, found by daily probes and a bisection to the minute.


@functools.cache
def offset_changes(zone_name: str) -> tuple[dt.datetime, ...]:
    zone = ZoneInfo(zone_name)

    def offset(instant: dt.datetime) -> dt.timedelta | None:
        return instant.astimezone(zone).utcoffset()

    changes = []
    day = EARLIEST - dt.timedelta(days=2)
    while day < LATEST + dt.timedelta(days=40):
        following = day + dt.timedelta(days=1)
        if offset(day) != offset(following):
            low, high = day, following
            while high - low > MINUTE:
                middle = low + (high - low) // 2
                middle -= dt.timedelta(seconds=middle.second, microseconds=middle.microsecond)
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            changes.append(high)
        day = following
    return tuple(changes)


# Strategies.


@st.composite
def day_hours(draw: st.DrawFn) -> Hours:
    grid = draw(st.sampled_from([15, 15, 60, 1]))
    last = 1440 // grid
    count = draw(st.integers(0, 3))
    points = sorted(
        draw(
            st.lists(
                st.one_of(st.integers(0, last), st.sampled_from([0, last])),
                min_size=2 * count,
                max_size=2 * count,
            )
        )
    )
    # Pairs may touch (end == next start) but not overlap, since the points are sorted.
    return tuple(
        (points[i] * grid, points[i + 1] * grid)
        for i in range(0, len(points), 2)
        if points[i] < points[i + 1]
    )


def any_minute() -> st.SearchStrategy[dt.datetime]:
    """A whole UTC minute from 2000 to 2037, spread evenly across the years."""
    return st.builds(
        lambda year, day, minute: min(
            dt.datetime(year, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=minute), LATEST
        ),
        st.integers(EARLIEST.year, LATEST.year),
        st.integers(0, 365),
        st.integers(0, 1439),
    )


def minutes_up_to(*, days: float) -> st.SearchStrategy[dt.timedelta]:
    """Whole minutes up to `days`, spread out (one wide integer from Hypothesis is mostly small)."""
    hours = int(days * 24)
    return st.builds(
        lambda hour, minute: min(hour * 60 + minute, hours * 60) * MINUTE,
        st.integers(0, hours),
        st.integers(0, 59),
    )


@dataclass(frozen=True)
class Scenario:
    raw: RawCalendar
    start: dt.datetime
    end: dt.datetime  # start + at most window_days; the add tests ignore it


@st.composite
def scenarios(draw: st.DrawFn, *, window_days: int) -> Scenario:
    """A random calendar and window, three times in four straddling one of the zone's changes.

    Dated exceptions fall on and around the window's local dates.
    """
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    changes = offset_changes(zone_name)
    if changes and draw(st.integers(0, 3)) > 0:
        change = draw(st.sampled_from(changes))
        start = change - draw(minutes_up_to(days=window_days / 2))
        end = change + draw(minutes_up_to(days=window_days / 2))
    else:
        start = draw(any_minute())
        end = start + draw(minutes_up_to(days=window_days))
    weekly = tuple(draw(day_hours()) for _ in range(7))
    if draw(st.integers(0, 9)) == 0:
        weekly = (((0, 1440),),) * 7
    first_day = start.astimezone(zone).date() - dt.timedelta(days=2)
    days = st.dates(first_day, first_day + dt.timedelta(days=window_days + 4))
    closed = draw(st.dictionaries(days, st.sampled_from(["Holiday", "Closure"]), max_size=6))
    extra_open = draw(st.dictionaries(days, day_hours(), max_size=4))
    raw = RawCalendar(zone=zone, weekly=weekly, closed=closed, extra_open=extra_open)
    return Scenario(raw=raw, start=start, end=end)


PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(scenario=scenarios(window_days=20))
def test_business_minutes_between_matches_the_oracle(scenario):
    raw, start, end = scenario.raw, scenario.start, scenario.end
    assert business_minutes_between(raw.build(), start, end) == oracle_minutes_between(
        raw, start, end
    )


@PROPERTY_SETTINGS
@given(scenario=scenarios(window_days=6), minutes=st.integers(0, MAX_ADD_MINUTES))
def test_add_business_minutes_matches_the_oracle(scenario, minutes):
    raw, start = scenario.raw, scenario.start
    expected = oracle_add_minutes(raw, start, minutes)
    assume(expected is not None)
    assert add_business_minutes(raw.build(), start, minutes) == expected


@PROPERTY_SETTINGS
@given(scenario=scenarios(window_days=6), minutes=st.integers(0, MAX_ADD_MINUTES))
def test_adding_then_measuring_gives_back_the_same_minutes(scenario, minutes):
    raw, start = scenario.raw, scenario.start
    # Weekly hours guarantee open time keeps coming after the dated exceptions run out.
    assume(any(raw.weekly))
    calendar = raw.build()
    deadline = add_business_minutes(calendar, start, minutes)
    assert business_minutes_between(calendar, start, deadline) == minutes
    if minutes:
        # Earliest: a minute less of waiting is a minute less of open time.
        assert business_minutes_between(calendar, start, deadline - MINUTE) == minutes - 1


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(window_days=2))
def test_is_open_matches_the_oracle(scenario):
    raw = scenario.raw
    for instant in (scenario.start, scenario.end):
        assert is_open(raw.build(), instant) == oracle_minute_is_open(raw, instant)


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios(window_days=10))
def test_open_intervals_are_ordered_apart_and_match_the_oracle(scenario):
    raw, start, end = scenario.raw, scenario.start, scenario.end
    intervals = list(open_intervals(raw.build(), start, end))
    for opens, closes in intervals:
        assert start <= opens < closes <= end
        assert opens.tzinfo is dt.UTC
    for (_, closes), (opens, _) in itertools.pairwise(intervals):
        assert closes < opens, "touching intervals must be joined"
    open_minutes = {
        opens + step * MINUTE
        for opens, closes in intervals
        for step in range(int((closes - opens) / MINUTE))
    }
    instant = start
    while instant < end:
        assert (instant in open_minutes) == oracle_minute_is_open(raw, instant), instant
        instant += MINUTE


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios(window_days=6), minutes=st.integers(0, MAX_ADD_MINUTES))
def test_explain_add_tiles_the_way_to_the_deadline(scenario, minutes):
    raw, start = scenario.raw, scenario.start
    assume(any(raw.weekly))
    calendar = raw.build()
    spans = explain_add(calendar, start, minutes * MINUTE)
    deadline = add_business_minutes(calendar, start, minutes)
    if not minutes:
        assert spans == []
        return
    assert spans[0].start == start
    assert spans[-1].end == deadline
    assert spans[-1].open
    for span, following in itertools.pairwise(spans):
        assert span.end == following.start
        assert (span.open, span.reason) != (following.open, following.reason)
    for span in spans:
        assert span.start < span.end
        assert (span.reason == "") == span.open
    assert sum((s.end - s.start for s in spans if s.open), dt.timedelta(0)) == minutes * MINUTE
