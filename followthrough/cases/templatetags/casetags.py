"""Small display helpers for case pages: due times in words, status and priority badges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from followthrough.cases.selectors import COUNT_CAP
from followthrough.sla.explain import duration

register = template.Library()


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d} min" if hours < 6 else f"{hours} h"
    return f"{hours // 24} days"


@register.simple_tag
def due(value: dt.datetime | None) -> SafeString:
    """ "Overdue by 2 h" or "in 35 min", with the exact local time for a tooltip."""
    if value is None:
        return format_html('<span class="muted">{}</span>', "no due time")
    now = timezone.now()
    local = timezone.localtime(value)
    exact = local.strftime("%a %d %b %Y, %H:%M %Z")
    if value <= now:
        return format_html(
            '<span class="badge badge-overdue" title="{}">Overdue by {}</span>',
            exact,
            _span(now - value),
        )
    css = "badge badge-due-soon" if value - now < dt.timedelta(hours=2) else "badge"
    return format_html(
        '<span class="{}" title="{}">Due in {}</span>', css, exact, _span(value - now)
    )


SLA_METRIC_WORDS = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
}


@register.simple_tag
def sla_badge(case: Any) -> SafeString:
    """The case's nearest SLA deadline as a countdown, "missed", or "paused" (words and an icon,
    never colour alone)."""
    if case.sla_due is None:
        if case.sla_paused_since is not None:
            return format_html(
                '<span class="badge badge-sla-paused" title="Paused since {}">'
                '<span aria-hidden="true">⏸</span> SLA paused</span>',
                timezone.localtime(case.sla_paused_since).strftime("%a %d %b %H:%M"),
            )
        return format_html('<span class="muted small">{}</span>', "No SLA clock running")
    what = SLA_METRIC_WORDS.get(case.sla_metric, "Deadline")
    now = timezone.now()
    exact = timezone.localtime(case.sla_due).strftime("%a %d %b %Y, %H:%M %Z")
    if case.sla_due <= now:
        return format_html(
            '<span class="badge badge-sla-missed" title="Was due {}">'
            '<span aria-hidden="true">✕</span> {} missed {} ago</span>',
            exact,
            what,
            _span(now - case.sla_due),
        )
    left = _span(case.sla_due - now)
    if case.sla_due - now < dt.timedelta(hours=2):
        return format_html(
            '<span class="badge badge-sla-soon" title="Due {}">'
            '<span aria-hidden="true">⚠</span> {} due in {}</span>',
            exact,
            what,
            left,
        )
    return format_html(
        '<span class="badge badge-sla" title="Due {}">{} due in {}</span>', exact, what, left
    )


@register.simple_tag
def status_badge(status: str, label: str) -> SafeString:
    return format_html('<span class="badge badge-{}">{}</span>', status, label)


@register.simple_tag
def priority_badge(priority: str) -> SafeString:
    return format_html('<span class="badge badge-{}">{}</span>', priority, priority)


@register.filter
def local_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d %b %Y, %H:%M")


@register.filter
def capped(count: int) -> str:
    """A queue count as shown on a tab: past the cap, "99+"."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


@register.filter
def business_time(seconds: float | None) -> str:
    """Seconds of business time in words ("3 h 20 min"), or a dash when there is none."""
    return "-" if seconds is None else duration(seconds)
