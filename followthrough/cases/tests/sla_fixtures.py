"""An office calendar and policies for SLA tests, and a clock to travel with."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from followthrough.accounts.models import Team
from followthrough.sla.models import (
    BusinessCalendar,
    BusinessHours,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
)

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def office_calendar(name: str = "London office", **kw: object) -> BusinessCalendar:
    """Mon-Fri 09:00-17:00 in London with the public holidays of England."""
    calendar = BusinessCalendar.objects.create(
        name=name,
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
        **kw,
    )
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, opens=dt.time(9), closes=dt.time(17))
        for day in range(5)
    )
    return calendar


def set_targets(
    policy: SlaPolicy, priority: str, first: int, following: int, resolution: int
) -> None:
    SlaTarget.objects.update_or_create(
        policy=policy,
        priority=priority,
        defaults={
            "first_response_minutes": first,
            "next_response_minutes": following,
            "resolution_minutes": resolution,
        },
    )


@pytest.fixture
def office(db: None) -> SlaPolicy:
    """The default policy, counted in the London office calendar: P3 first response 60 min,
    next response 120 min, resolution 480 min (one working day); P1 15/30/120. Warn at 50%."""
    policy = SlaPolicy.objects.get(is_default=True)
    policy.calendar = office_calendar()
    policy.warn_percent = 50
    policy.save()
    set_targets(policy, "P3", 60, 120, 480)
    set_targets(policy, "P1", 15, 30, 120)
    EscalationRule.objects.filter(policy=policy).delete()
    return policy


def team_policy(team: Team, *, name: str = "Tier 2 around the clock") -> SlaPolicy:
    """A policy for one team, counted 24/7: P3 first response 30 min, resolution 240 min."""
    calendar = BusinessCalendar.objects.create(
        name=f"{name} calendar", time_zone="UTC", always_open=True
    )
    policy = SlaPolicy.objects.create(name=name, calendar=calendar, match_team=team, position=10)
    set_targets(policy, "P3", 30, 60, 240)
    return policy
