"""Deadline explanations in words: durations and the stretches a deadline was counted over."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from followthrough.sla.clock import Span

# An explanation lists this many stretches; the rest are summed up in one line.
MAX_SPANS = 12


def duration(seconds: float) -> str:
    """Business time as people say it: "45 min", "3 h", "2 h 30 min", "26 h 5 min"."""
    minutes = int(abs(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" if not minutes else f"{hours} h {minutes} min"


def _at(moment: dt.datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %H:%M}"


def span_lines(spans: list[Span], zone: ZoneInfo) -> list[str]:
    """One line per stretch: counted open time, or a closed gap and why it was closed."""
    lines = []
    for span in spans[:MAX_SPANS]:
        length = (span.end - span.start).total_seconds()
        when = f"{_at(span.start, zone)} to {_at(span.end, zone)}"
        if span.open:
            lines.append(f"{when}: counted {duration(length)}")
        else:
            lines.append(f"{when}: not counted ({span.reason})")
    if len(spans) > MAX_SPANS:
        rest = spans[MAX_SPANS:]
        counted = sum((s.end - s.start).total_seconds() for s in rest if s.open)
        lines.append(f"… then {duration(counted)} more over {len(rest)} further stretches")
    return lines
