"""Business-time arithmetic for SLA clocks: when a calendar is open and where a deadline lands.

Pure (stdlib only) so it can be tested exhaustively; holidays arrive as a plain date mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

Interval = tuple[int, int]
Hours = tuple[Interval, ...]

MINUTES_PER_DAY = 1440
# How far ahead to look for open time before deciding a calendar will never open again.
HORIZON = dt.timedelta(days=3 * 366)

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OUTSIDE_WORKING_HOURS = "outside working hours"

_ONE_DAY = dt.timedelta(days=1)
_ONE_SECOND = dt.timedelta(seconds=1)
_MIDNIGHT = dt.time()
# Offsets are compared at least this often. tzdata never returns to an offset less than about
# four days after leaving it, so a change and its reversal cannot hide between two probes; a
# probe that differs is bisected to the exact second.
_PROBE_EVERY = dt.timedelta(hours=6)
# Without an end, a run that never closes (24/7) still has to be handed out in finite pieces.
_LONGEST_UNENDED_RUN = dt.timedelta(days=7)


class CalendarNeverOpen(ValueError):
    """The calendar has no open time within HORIZON of the moment asked about."""


@dataclass(frozen=True)
class Calendar:
    """Working hours in one time zone, with dated exceptions.

    ``weekly[i]`` holds weekday i's (Monday=0) intervals in local minutes of the day; 1440 is the
    midnight that ends the day. ``extra_open`` replaces a date's hours outright, even on a closed
    date. ``closed`` is only looked up (``in`` and ``[]``), never iterated, so it may be a lazy
    holiday mapping.
    """

    time_zone: ZoneInfo
    weekly: tuple[Hours, ...]
    closed: Mapping[dt.date, str] = field(default_factory=dict, hash=False)
    extra_open: Mapping[dt.date, Hours] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, dt.tzinfo):
            raise ValueError(f"time_zone must be a time zone (ZoneInfo), got {self.time_zone!r}")
        if len(self.weekly) != len(DAY_NAMES):
            raise ValueError(
                f"weekly needs exactly 7 entries (Monday to Sunday), got {len(self.weekly)}"
            )
        weekly = tuple(
            checked_hours(hours, where=f"weekly[{weekday}] ({DAY_NAMES[weekday]})")
            for weekday, hours in enumerate(self.weekly)
        )
        extra_open: dict[dt.date, Hours] = {}
        for day, hours in self.extra_open.items():
            # A datetime key would never match the dates it is looked up with.
            if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
                raise ValueError(f"extra_open keys must be dates, got {day!r}")
            extra_open[day] = checked_hours(hours, where=f"extra_open[{day.isoformat()}]")
        # Stored as checked tuples (lists would make equal calendars unhashable). `closed` is
        # kept as given: it may be a lazy holiday mapping that cannot be copied.
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "extra_open", extra_open)

    @classmethod
    def always_open(cls, time_zone: ZoneInfo) -> Calendar:
        """Open around the clock every day (the zone still decides what a local day is)."""
        whole_day: Hours = ((0, MINUTES_PER_DAY),)
        return cls(time_zone=time_zone, weekly=(whole_day,) * len(DAY_NAMES))

    def hours_on(self, day: dt.date) -> Hours:
        """The working intervals of this local date, exceptions applied."""
        special = self.extra_open.get(day)
        if special is not None:
            return special
        if day in self.closed:
            return ()
        return self.weekly[day.weekday()]

    def closed_reason(self, day: dt.date) -> str:
        """Why this date has no hours at all ("" when it has some)."""
        if self.hours_on(day):
            return ""
        if day in self.extra_open:
            return "no working hours on this date"
        if day in self.closed:
            return self.closed[day] or "closed"
        return f"closed on {DAY_NAMES[day.weekday()]}s"


def checked_hours(hours: Iterable[Interval], *, where: str) -> Hours:
    """The intervals as a tuple, or ValueError naming the first one that is malformed."""
    checked: list[Interval] = []
    previous_end = 0
    for interval in hours:
        if (
            not isinstance(interval, tuple | list)
            or len(interval) != 2
            or not all(isinstance(m, int) and not isinstance(m, bool) for m in interval)
        ):
            raise ValueError(f"{where}: {interval!r} is not a (start, end) pair of whole minutes")
        start, end = interval
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{where}: {interval!r} must satisfy 0 <= start < end <= {MINUTES_PER_DAY}"
            )
        if start < previous_end:
            raise ValueError(
                f"{where}: {interval!r} starts before the previous interval ends; "
                "intervals must be sorted and must not overlap"
            )
        previous_end = end
        checked.append((start, end))
    return tuple(checked)


@dataclass(frozen=True)
class Span:
    """One stretch of an explanation: open time consumed, or a closed gap and why."""

    start: dt.datetime
    end: dt.datetime
    open: bool
    reason: str


def open_intervals(
    calendar: Calendar, start: dt.datetime, end: dt.datetime | None = None
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Open time in [start, end) as UTC intervals, in order, touching ones joined.

    Without an end the iterator is endless: an unbroken open run (24/7) then comes in pieces of
    at most a week, and CalendarNeverOpen is raised once no open time follows within HORIZON.
    """
    start = as_utc(start, name="start")
    if end is None:
        return _joined(_open_runs(calendar, start, None), longest=_LONGEST_UNENDED_RUN)
    end = as_utc(end, name="end")
    return _joined(_open_runs(calendar, start, end), longest=None)


def is_open(calendar: Calendar, at: dt.datetime) -> bool:
    """Whether the local wall time of this instant falls in its own local date's hours."""
    local = as_utc(at, name="at").astimezone(calendar.time_zone)
    since_midnight = dt.timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return any(
        dt.timedelta(minutes=first) <= since_midnight < dt.timedelta(minutes=last)
        for first, last in calendar.hours_on(local.date())
    )


def business_time_between(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How much open time lies in [start, end); nothing when end is not after start."""
    start = as_utc(start, name="start")
    end = as_utc(end, name="end")
    total = dt.timedelta(0)
    for opens, closes in _open_runs(calendar, start, end):
        total += closes - opens
    return total


def business_minutes_between(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> int:
    """Whole open minutes in [start, end), rounded down."""
    return business_time_between(calendar, start, end) // dt.timedelta(minutes=1)


def add_business_time(calendar: Calendar, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The earliest instant (UTC) by which `amount` of open time has passed since start.

    A deadline that uses up the day's last open minute lands at closing time, not at the next
    opening.
    """
    start = as_utc(start, name="start")
    if amount < dt.timedelta(0):
        raise ValueError(f"amount must not be negative, got {amount}")
    remaining = amount
    if not remaining:
        return start
    for opens, closes in _open_runs(calendar, start, None):
        length = closes - opens
        if remaining <= length:
            return opens + remaining
        remaining -= length
    raise CalendarNeverOpen("the calendar ran out of open time")  # _open_runs is endless


def add_business_minutes(calendar: Calendar, start: dt.datetime, minutes: int) -> dt.datetime:
    """add_business_time for a whole number of minutes."""
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return add_business_time(calendar, start, dt.timedelta(minutes=minutes))


def explain_add(calendar: Calendar, start: dt.datetime, amount: dt.timedelta) -> list[Span]:
    """The open and closed stretches from start to add_business_time(start, amount).

    Closed time is cut at local midnights and labelled by its own local date (a holiday's name,
    "closed on Saturdays", or "outside working hours"); neighbours with the same label are joined.
    """
    start = as_utc(start, name="start")
    finish = add_business_time(calendar, start, amount)
    spans: list[Span] = []
    for piece in _day_pieces(calendar.time_zone, start):
        if piece.start >= finish:
            break
        upper = min(piece.end, finish)
        reason = calendar.closed_reason(piece.day) or OUTSIDE_WORKING_HOURS
        cursor = piece.start
        for opens, closes in _open_parts(calendar, piece, upper):
            if cursor < opens:
                _extend(spans, Span(start=cursor, end=opens, open=False, reason=reason))
            _extend(spans, Span(start=opens, end=closes, open=True, reason=""))
            cursor = closes
        if cursor < upper:
            _extend(spans, Span(start=cursor, end=upper, open=False, reason=reason))
    return spans


def as_utc(moment: dt.datetime, *, name: str) -> dt.datetime:
    """The same instant in UTC; ValueError for a naive datetime, whose instant is unknown."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(dt.UTC)


class _DayPiece(NamedTuple):
    """A stretch of UTC time with one local date and one UTC offset throughout."""

    start: dt.datetime
    end: dt.datetime
    day: dt.date
    offset: dt.timedelta


def _day_pieces(zone: dt.tzinfo, start: dt.datetime) -> Iterator[_DayPiece]:
    """Time from start onwards, cut at every local midnight and every change of UTC offset.

    Following offsets rather than calendar dates keeps this right where the local date repeats
    or jumps (a fall-back across midnight, Samoa skipping 30 December 2011).
    """
    moment = start
    offset = _offset_at(zone, moment)
    while True:
        day = (moment + offset).date()
        next_midnight = dt.datetime.combine(day + _ONE_DAY, _MIDNIGHT, tzinfo=dt.UTC) - offset
        end, end_offset = _offset_holds_until(zone, moment, offset, next_midnight)
        yield _DayPiece(start=moment, end=end, day=day, offset=offset)
        moment, offset = end, end_offset


def _offset_at(zone: dt.tzinfo, moment: dt.datetime) -> dt.timedelta:
    offset = moment.astimezone(zone).utcoffset()
    if offset is None:
        raise ValueError(f"time zone {zone!r} gives no UTC offset for {moment.isoformat()}")
    return offset


def _offset_holds_until(
    zone: dt.tzinfo, start: dt.datetime, offset: dt.timedelta, limit: dt.datetime
) -> tuple[dt.datetime, dt.timedelta]:
    """The first instant in (start, limit] with another offset (else limit), and its offset."""
    checked = start
    while True:
        probe = min(checked + _PROBE_EVERY, limit)
        probe_offset = _offset_at(zone, probe)
        if probe_offset != offset:
            change = _first_change(zone, checked, probe, offset)
            return change, _offset_at(zone, change)
        if probe >= limit:
            return limit, probe_offset
        checked = probe


def _first_change(
    zone: dt.tzinfo, before: dt.datetime, after: dt.datetime, offset: dt.timedelta
) -> dt.datetime:
    """Where the offset stops being `offset`, given it is at `before` and is not at `after`."""
    # Transitions fall on whole seconds, so flooring both ends keeps each on its own side.
    low = before.replace(microsecond=0)
    high = after.replace(microsecond=0)
    while high - low > _ONE_SECOND:
        middle = low + dt.timedelta(seconds=(high - low) // _ONE_SECOND // 2)
        if _offset_at(zone, middle) == offset:
            low = middle
        else:
            high = middle
    return high


def _open_parts(
    calendar: Calendar, piece: _DayPiece, upper: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The open UTC intervals of one day piece, cut off at upper."""
    hours = calendar.hours_on(piece.day)
    if not hours:
        return
    # The UTC instant whose wall time under this piece's offset is the day's 00:00.
    midnight = dt.datetime.combine(piece.day, _MIDNIGHT, tzinfo=dt.UTC) - piece.offset
    upper = min(piece.end, upper)
    for first, last in hours:
        opens = max(midnight + dt.timedelta(minutes=first), piece.start)
        closes = min(midnight + dt.timedelta(minutes=last), upper)
        if opens < closes:
            yield opens, closes


def _open_runs(
    calendar: Calendar, start: dt.datetime, end: dt.datetime | None
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Open UTC intervals from start, one per working interval per day piece (not joined)."""
    last_open = start
    for piece in _day_pieces(calendar.time_zone, start):
        if end is None:
            if piece.start - last_open > HORIZON:
                raise CalendarNeverOpen(
                    f"the calendar has no open time in the {HORIZON.days} days after "
                    f"{last_open.isoformat()}"
                )
            upper = piece.end
        elif piece.start >= end:
            return
        else:
            upper = min(piece.end, end)
        for opens, closes in _open_parts(calendar, piece, upper):
            yield opens, closes
            last_open = closes


def _joined(
    runs: Iterator[tuple[dt.datetime, dt.datetime]], *, longest: dt.timedelta | None
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    pending: tuple[dt.datetime, dt.datetime] | None = None
    try:
        for opens, closes in runs:
            if pending is not None:
                if opens == pending[1] and (longest is None or closes - pending[0] <= longest):
                    pending = (pending[0], closes)
                    continue
                yield pending
            pending = (opens, closes)
    except CalendarNeverOpen:
        # What was found before the calendar went dark is still true; hand it out first.
        if pending is not None:
            yield pending
        raise
    if pending is not None:
        yield pending


def _extend(spans: list[Span], span: Span) -> None:
    if spans:
        last = spans[-1]
        if last.end == span.start and last.open == span.open and last.reason == span.reason:
            spans[-1] = Span(start=last.start, end=span.end, open=span.open, reason=span.reason)
            return
    spans.append(span)
