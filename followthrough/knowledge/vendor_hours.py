"""A vendor's support hours, read from the free text people type ("Mon-Fri 08:00-18:00,
Sat 9-13", "24/7"), and whether they answer now in their own time zone.

Pure: no ORM. Text this parser does not understand is simply shown as it was typed.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

# Monday is 0, as in datetime.weekday().
_DAY_NAMES = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_DAY_GROUPS = {
    "daily": range(7),
    "every day": range(7),
    "weekdays": range(5),
    "weekends": range(5, 7),
}
_DAY = r"(?:" + "|".join(sorted(_DAY_NAMES, key=len, reverse=True)) + r")\.?"
_GROUP = r"(?:" + "|".join(_DAY_GROUPS) + r")"
_DAYS = rf"(?:{_GROUP}|{_DAY}(?:\s*(?:-|,|&|and)\s*{_DAY})*)"
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
_RANGE = rf"{_TIME}\s*-\s*{_TIME}"
_RANGES = rf"(?:closed|{_RANGE}(?:\s*(?:,|&|and)\s*{_RANGE})*)"
_SEGMENT = re.compile(rf"(?P<days>{_DAYS})\s*:?\s*(?P<ranges>{_RANGES})", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\s,;/|]*$")
_ALWAYS = re.compile(r"^\s*(?:24\s*/\s*7|24\s*x\s*7|24 hours(?: a day)?|always open)\s*$", re.I)
MAX_TEXT = 200
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Window:
    """Open on `day` (0 = Monday) from `start` to `end`, in minutes after midnight."""

    day: int
    start: int
    end: int


@dataclass(frozen=True)
class Opening:
    """Where the vendor's support stands at one moment, in their own time zone."""

    local_time: dt.datetime
    time_zone: str
    understood: bool
    is_open: bool | None = None
    # When they next open (while closed) or close (while open); None when it never changes.
    next_change: dt.datetime | None = None


def _minutes(text: str) -> int | None:
    """ "8", "08:00", "8.30", "6pm", "12 am" as minutes after midnight (24:00 allowed)."""
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", text.strip(), re.I)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower().replace(".", "")
    if minute > 59:
        return None
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _days(text: str) -> list[int] | None:
    spec = re.sub(r"\s+", " ", text.strip().lower()).replace(".", "")
    if spec in _DAY_GROUPS:
        return list(_DAY_GROUPS[spec])
    days: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", spec):
        ends = [p.strip() for p in part.split("-")]
        if len(ends) == 1 and ends[0] in _DAY_NAMES:
            days.append(_DAY_NAMES[ends[0]])
        elif len(ends) == 2 and ends[0] in _DAY_NAMES and ends[1] in _DAY_NAMES:
            first, last = _DAY_NAMES[ends[0]], _DAY_NAMES[ends[1]]
            days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            return None
    return days


def parse_hours(text: str) -> list[Window] | None:
    """The opening windows the text describes, or None when it is not in a form we read.

    An overnight range ("Fri 22:00-02:00") runs into the next day.
    """
    # En and em dashes ("Mon\u2013Fri") and "to" all mean a range.
    cleaned = (text or "").replace("\u2013", "-").replace("\u2014", "-").replace(" to ", "-")
    if not cleaned.strip() or len(cleaned) > MAX_TEXT:
        return None
    if _ALWAYS.match(cleaned):
        return [Window(day, 0, DAY_MINUTES) for day in range(7)]
    windows: list[Window] = []
    position = 0
    for match in _SEGMENT.finditer(cleaned):
        if not _SEPARATOR.match(cleaned[position : match.start()]):
            return None
        position = match.end()
        days = _days(match.group("days"))
        if days is None:
            return None
        ranges = match.group("ranges")
        if ranges.strip().lower() == "closed":
            continue
        for pair in re.split(r"\s*(?:,|&|\band\b)\s*", ranges):
            start_text, _, end_text = pair.partition("-")
            start, end = _minutes(start_text), _minutes(end_text)
            if start is None or end is None or start in (end, DAY_MINUTES):
                return None
            for day in days:
                if end > start:
                    windows.append(Window(day, start, end))
                else:  # past midnight: the rest of this day, then the start of the next
                    windows.append(Window(day, start, DAY_MINUTES))
                    if end:
                        windows.append(Window((day + 1) % 7, 0, end))
    if position == 0 or not _SEPARATOR.match(cleaned[position:]):
        return None
    return windows


def _intervals(windows: list[Window], monday: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The windows as local times over three weeks from `monday` (merged where they touch)."""
    spans = sorted(
        (
            monday + dt.timedelta(days=week * 7 + w.day, minutes=w.start),
            monday + dt.timedelta(days=week * 7 + w.day, minutes=w.end),
        )
        for week in range(3)
        for w in windows
    )
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def opening(hours: str, time_zone: str, at: dt.datetime) -> Opening:
    """Whether support answers at `at` (aware), in `time_zone`, with the next change."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
        time_zone = "UTC"
    local = at.astimezone(zone)
    windows = parse_hours(hours)
    if windows is None:
        return Opening(local_time=local, time_zone=time_zone, understood=False)
    if not windows:
        return Opening(local_time=local, time_zone=time_zone, understood=True, is_open=False)
    # Wall-clock arithmetic in naive local time, so a DST change does not shift the hours.
    naive = local.replace(tzinfo=None)
    monday = (naive - dt.timedelta(days=naive.weekday() + 7)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    spans = _intervals(windows, monday)
    for start, end in spans:
        if start <= naive < end:
            closes = None if end - start >= dt.timedelta(days=14) else end.replace(tzinfo=zone)
            return Opening(local, time_zone, True, is_open=True, next_change=closes)
    upcoming = next((start for start, _ in spans if start > naive), None)
    return Opening(
        local,
        time_zone,
        True,
        is_open=False,
        next_change=upcoming.replace(tzinfo=zone) if upcoming else None,
    )
