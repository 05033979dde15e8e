"""Business calendar rows → the pure clock's Calendar, with public holidays from `holidays`.

Built calendars are cached per process, keyed by the calendar's id and its last change, so a
case write reads its calendar's rows only after an administrator changed them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from functools import lru_cache

import holidays

from followthrough.sla import clock
from followthrough.sla.models import BusinessCalendar, CalendarDayKind, Weekday, interval_minutes


def holiday_set_error(country: str, subdivision: str) -> str:
    """Why this country/subdivision has no holiday list, or "" when it has one (or none is set)."""
    if not country:
        return "Choose the country of the subdivision too." if subdivision else ""
    supported = holidays.list_supported_countries()
    code = country.upper()
    if code not in supported:
        return f"{country!r} is not a country with a public-holiday list (use e.g. GB, US, DE)."
    if subdivision and subdivision.upper() not in {s.upper() for s in supported[code]}:
        return (
            f"{country.upper()} has no subdivision {subdivision!r}; "
            f"choose one of {', '.join(supported[code])}."
        )
    return ""


class ClosedDays(Mapping[dt.date, str]):
    """Public holidays (expanded year by year as they are asked for) plus extra closures.

    Iterating lists the extra closures only: the holiday list has no end.
    """

    def __init__(self, public: holidays.HolidayBase | None, closures: dict[dt.date, str]) -> None:
        self._public = public
        self._closures = closures

    def __getitem__(self, day: dt.date) -> str:
        if day in self._closures:
            return self._closures[day]
        if self._public is not None and day in self._public:
            return str(self._public[day])
        raise KeyError(day)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return day in self._closures or (self._public is not None and day in self._public)

    def __iter__(self) -> Iterator[dt.date]:
        return iter(self._closures)

    def __len__(self) -> int:
        return len(self._closures)


def _public_holidays(country: str, subdivision: str) -> holidays.HolidayBase | None:
    if not country:
        return None
    return holidays.country_holidays(country.upper(), subdiv=subdivision.upper() or None)


def build_calendar(calendar: BusinessCalendar) -> clock.Calendar:
    """The clock calendar for these rows (cached until the calendar next changes)."""
    return _built(calendar.pk, calendar.updated_at)


@lru_cache(maxsize=256)
def _built(calendar_id: int, changed_at: dt.datetime) -> clock.Calendar:
    calendar = BusinessCalendar.objects.prefetch_related("hours", "days").get(pk=calendar_id)
    zone = zoneinfo.ZoneInfo(calendar.time_zone)
    if calendar.always_open:
        return clock.Calendar.always_open(zone)
    weekly: list[list[tuple[int, int]]] = [[] for _ in Weekday]
    for hours in calendar.hours.all():
        weekly[hours.weekday].append(interval_minutes(hours.opens, hours.closes))
    closures: dict[dt.date, str] = {}
    extra_open: dict[dt.date, list[tuple[int, int]]] = {}
    for day in calendar.days.all():
        if day.kind == CalendarDayKind.CLOSED:
            closures[day.date] = day.name
        elif day.opens is not None and day.closes is not None:
            extra_open.setdefault(day.date, []).append(interval_minutes(day.opens, day.closes))
    return clock.Calendar(
        time_zone=zone,
        weekly=tuple(_merged(day) for day in weekly),
        closed=ClosedDays(
            _public_holidays(calendar.holiday_country, calendar.holiday_subdivision), closures
        ),
        extra_open={day: _merged(hours) for day, hours in extra_open.items()},
    )


def _merged(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, with touching or overlapping intervals joined (the admin may enter them so)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def describe_hours(calendar: BusinessCalendar) -> str:
    """The weekly hours in words: "Mon-Fri 09:00-17:30; Sat 10:00-14:00"."""
    if calendar.always_open:
        return "24 hours a day, 7 days a week"
    by_day: dict[int, list[str]] = {}
    for hours in calendar.hours.all():
        closes = "24:00" if hours.closes == dt.time(0) else f"{hours.closes:%H:%M}"
        by_day.setdefault(hours.weekday, []).append(f"{hours.opens:%H:%M}-{closes}")
    if not by_day:
        return "no weekly hours (open only on extra open days)"
    groups: list[tuple[int, int, str]] = []
    for weekday in sorted(by_day):
        text = ", ".join(by_day[weekday])
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], weekday, text)
        else:
            groups.append((weekday, weekday, text))
    short = [day.label[:3] for day in Weekday]
    parts = []
    for first, last, text in groups:
        days = short[first] if first == last else f"{short[first]}-{short[last]}"
        parts.append(f"{days} {text}")
    return "; ".join(parts)


def describe_holidays(calendar: BusinessCalendar) -> str:
    if calendar.always_open or not calendar.holiday_country:
        return ""
    place = calendar.holiday_country.upper()
    if calendar.holiday_subdivision:
        place += f"-{calendar.holiday_subdivision.upper()}"
    return f"public holidays of {place}"
