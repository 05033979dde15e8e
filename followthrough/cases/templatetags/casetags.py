"""Small display helpers for case pages: due times in words, status and priority badges."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from followthrough.cases.selectors import COUNT_CAP

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
