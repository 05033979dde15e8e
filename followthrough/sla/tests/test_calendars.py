"""Calendar rows → clock calendars (hours, holidays, closures, open days, 24/7, the cache), the
hours in words, holiday-list checks, and which policy a case falls under."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from followthrough.sla import clock
from followthrough.sla.calendars import (
    build_calendar,
    describe_holidays,
    describe_hours,
    holiday_set_error,
)
from followthrough.sla.models import (
    BusinessCalendar,
    BusinessHours,
    CalendarDay,
    CalendarDayKind,
    SlaPolicy,
)
from followthrough.sla.selectors import CaseFacts, active_policies, policy_for

LONDON = ZoneInfo("Europe/London")
NINE, FIVE = dt.time(9), dt.time(17)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def make_calendar(
    name: str = "London office",
    *,
    hours: dict[int, list[tuple[dt.time, dt.time]]] | None = None,
    **kw: object,
) -> BusinessCalendar:
    """Mon-Fri 09:00-17:00 in London with England's holidays unless told otherwise."""
    kw.setdefault("time_zone", "Europe/London")
    kw.setdefault("holiday_country", "GB")
    kw.setdefault("holiday_subdivision", "ENG")
    calendar = BusinessCalendar.objects.create(name=name, **kw)
    weekly = hours if hours is not None else {day: [(NINE, FIVE)] for day in range(5)}
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, opens=opens, closes=closes)
        for day, intervals in weekly.items()
        for opens, closes in intervals
    )
    return calendar


def fresh(calendar: BusinessCalendar) -> BusinessCalendar:
    return BusinessCalendar.objects.get(pk=calendar.pk)


# --- build_calendar --------------------------------------------------------------------------


def test_weekly_hours_with_a_lunch_break(db):
    lunch = {day: [(dt.time(13), FIVE), (NINE, dt.time(12))] for day in range(5)}
    built = build_calendar(make_calendar(hours=lunch))
    monday = dt.date(2026, 11, 23)
    assert built.hours_on(monday) == ((9 * 60, 12 * 60), (13 * 60, 17 * 60))
    assert built.hours_on(dt.date(2026, 11, 28)) == ()
    assert not clock.is_open(built, london(2026, 11, 23, 12, 30))
    # An hour from 11:30: half before lunch, half after it.
    assert clock.add_business_time(
        built, london(2026, 11, 23, 11, 30), dt.timedelta(hours=1)
    ) == london(2026, 11, 23, 13, 30)


def test_touching_intervals_are_joined(db):
    split = {0: [(NINE, dt.time(12)), (dt.time(12), FIVE)]}
    built = build_calendar(make_calendar(hours=split))
    assert built.hours_on(dt.date(2026, 11, 23)) == ((9 * 60, 17 * 60),)


def test_an_english_bank_holiday_is_closed(db):
    built = build_calendar(make_calendar())
    bank_holiday = dt.date(2026, 8, 31)  # England's late summer bank holiday, not Scotland's
    assert built.hours_on(bank_holiday) == ()
    assert built.closed_reason(bank_holiday) == "Late Summer Bank Holiday"
    scottish = build_calendar(make_calendar("Edinburgh office", holiday_subdivision="SCT"))
    assert scottish.hours_on(bank_holiday) == ((9 * 60, 17 * 60),)


def test_christmas_on_a_weekend_closes_the_monday_and_tuesday_after(db):
    built = build_calendar(make_calendar())
    assert built.hours_on(dt.date(2027, 12, 24)) == ((9 * 60, 17 * 60),)  # Friday
    assert built.closed_reason(dt.date(2027, 12, 27)) == "Christmas Day (observed)"
    assert built.closed_reason(dt.date(2027, 12, 28)) == "Boxing Day (observed)"
    assert built.hours_on(dt.date(2027, 12, 29)) == ((9 * 60, 17 * 60),)
    # An hour asked for on Friday at 16:30 is done on Wednesday at 09:30.
    assert clock.add_business_time(
        built, london(2027, 12, 24, 16, 30), dt.timedelta(hours=1)
    ) == london(2027, 12, 29, 9, 30)


def test_an_extra_closure_is_closed_with_its_name(db):
    calendar = make_calendar()
    CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2026, 11, 25), kind=CalendarDayKind.CLOSED, name="Move"
    )
    built = build_calendar(fresh(calendar))
    assert built.hours_on(dt.date(2026, 11, 25)) == ()
    assert built.closed_reason(dt.date(2026, 11, 25)) == "Move"
    assert built.hours_on(dt.date(2026, 11, 26)) == ((9 * 60, 17 * 60),)


def test_an_extra_open_saturday_has_its_own_hours(db):
    calendar = make_calendar()
    saturday = dt.date(2026, 11, 28)
    for opens, closes in ((dt.time(10), dt.time(12)), (dt.time(12), dt.time(14))):
        CalendarDay.objects.create(
            calendar=calendar,
            date=saturday,
            kind=CalendarDayKind.OPEN,
            name="Stocktake",
            opens=opens,
            closes=closes,
        )
    built = build_calendar(fresh(calendar))
    assert built.hours_on(saturday) == ((10 * 60, 14 * 60),)
    assert built.hours_on(dt.date(2026, 12, 5)) == ()  # the next Saturday is closed as usual
    assert clock.is_open(built, london(2026, 11, 28, 13, 0))


def test_an_extra_open_day_wins_over_a_public_holiday(db):
    calendar = make_calendar()
    CalendarDay.objects.create(
        calendar=calendar,
        date=dt.date(2026, 12, 25),
        kind=CalendarDayKind.OPEN,
        name="Christmas cover",
        opens=dt.time(10),
        closes=dt.time(12),
    )
    assert build_calendar(fresh(calendar)).hours_on(dt.date(2026, 12, 25)) == ((600, 720),)


def test_a_24_7_calendar_ignores_hours_and_holidays(db):
    calendar = make_calendar("Round the clock", always_open=True)
    built = build_calendar(calendar)
    for day in (dt.date(2026, 12, 25), dt.date(2026, 11, 28), dt.date(2026, 11, 23)):
        assert built.hours_on(day) == ((0, 1440),)
    assert clock.add_business_time(
        built, london(2026, 12, 24, 23, 0), dt.timedelta(hours=2)
    ) == london(2026, 12, 25, 1, 0)


def test_the_built_calendar_is_cached_until_the_calendar_is_saved(db):
    # An odd instant: the cache is keyed by (id, updated_at) and ids repeat between tests.
    with time_machine.travel(
        london(2026, 11, 23, 8, 17) + dt.timedelta(seconds=43), tick=False
    ) as traveller:
        calendar = make_calendar()
        saturday = dt.date(2026, 11, 28)
        first = build_calendar(fresh(calendar))
        assert build_calendar(fresh(calendar)) is first
        # A new row alone does not change the calendar's version: the cache still answers.
        BusinessHours.objects.create(calendar=calendar, weekday=5, opens=NINE, closes=FIVE)
        assert build_calendar(fresh(calendar)).hours_on(saturday) == ()
        traveller.shift(dt.timedelta(minutes=1))
        calendar.save()  # what the admin does when its inline rows are saved
        rebuilt = build_calendar(fresh(calendar))
    assert rebuilt is not first
    assert rebuilt.hours_on(saturday) == ((9 * 60, 17 * 60),)


def test_a_calendar_without_weekly_hours_is_open_only_on_its_open_days(db):
    calendar = make_calendar("Events only", hours={})
    CalendarDay.objects.create(
        calendar=calendar,
        date=dt.date(2026, 11, 28),
        kind=CalendarDayKind.OPEN,
        name="Fair",
        opens=NINE,
        closes=FIVE,
    )
    built = build_calendar(fresh(calendar))
    assert built.hours_on(dt.date(2026, 11, 23)) == ()
    assert clock.add_business_time(built, london(2026, 11, 23, 9), dt.timedelta(hours=1)) == london(
        2026, 11, 28, 10
    )


# --- holiday lists ---------------------------------------------------------------------------


def test_holiday_set_error_accepts_known_countries_and_subdivisions():
    assert holiday_set_error("GB", "ENG") == ""
    assert holiday_set_error("gb", "eng") == ""
    assert holiday_set_error("US", "") == ""
    assert holiday_set_error("", "") == ""


def test_holiday_set_error_names_an_unknown_country():
    assert holiday_set_error("XX", "") == (
        "'XX' is not a country with a public-holiday list (use e.g. GB, US, DE)."
    )


def test_holiday_set_error_names_an_unknown_subdivision():
    error = holiday_set_error("GB", "WAL")
    assert error.startswith("GB has no subdivision 'WAL'; choose one of ")
    assert "ENG" in error and "SCT" in error


def test_holiday_set_error_wants_the_country_of_a_subdivision():
    assert holiday_set_error("", "ENG") == "Choose the country of the subdivision too."


# --- in words --------------------------------------------------------------------------------


def test_describe_hours_groups_days_with_the_same_hours(db):
    assert describe_hours(make_calendar()) == "Mon-Fri 09:00-17:00"


def test_describe_hours_with_lunch_a_saturday_and_midnight(db):
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {
        day: [(NINE, dt.time(12, 30)), (dt.time(13, 30), FIVE)] for day in range(4)
    }
    hours[4] = [(NINE, dt.time(0))]
    hours[5] = [(dt.time(10), dt.time(14))]
    assert describe_hours(make_calendar(hours=hours)) == (
        "Mon-Thu 09:00-12:30, 13:30-17:00; Fri 09:00-24:00; Sat 10:00-14:00"
    )


def test_describe_hours_does_not_join_days_that_are_not_next_to_each_other(db):
    hours = {0: [(NINE, FIVE)], 2: [(NINE, FIVE)]}
    assert describe_hours(make_calendar(hours=hours)) == "Mon 09:00-17:00; Wed 09:00-17:00"


def test_describe_hours_of_24_7_and_empty_calendars(db):
    assert describe_hours(make_calendar("A", always_open=True)) == "24 hours a day, 7 days a week"
    assert describe_hours(make_calendar("B", hours={})) == (
        "no weekly hours (open only on extra open days)"
    )


def test_describe_holidays(db):
    assert describe_holidays(make_calendar("A")) == "public holidays of GB-ENG"
    assert describe_holidays(make_calendar("B", holiday_subdivision="")) == "public holidays of GB"
    assert describe_holidays(make_calendar("C", holiday_country="", holiday_subdivision="")) == ""
    assert describe_holidays(make_calendar("D", always_open=True)) == ""


# --- policy matching -------------------------------------------------------------------------


def facts(*, priority: str = "P3", plan_tier: str = "", category: str = "") -> CaseFacts:
    return CaseFacts(
        priority=priority,
        team_id=None,
        organization_id=None,
        plan_tier=plan_tier,
        category=category,
    )


@pytest.fixture
def calendar(db: None) -> BusinessCalendar:
    return make_calendar("Policy calendar")


def test_no_rule_matching_means_the_default(calendar):
    SlaPolicy.objects.create(name="Urgent", calendar=calendar, match_priority="P1", position=1)
    assert policy_for(facts(priority="P3")) == SlaPolicy.objects.get(is_default=True)


def test_policies_are_tried_by_position(calendar):
    SlaPolicy.objects.create(name="A late", calendar=calendar, match_priority="P1", position=20)
    early = SlaPolicy.objects.create(
        name="Z early", calendar=calendar, match_priority="P1", position=10
    )
    assert policy_for(facts(priority="P1")) == early


def test_the_default_is_tried_last_whatever_its_position(calendar):
    SlaPolicy.objects.filter(is_default=True).update(position=0)
    late = SlaPolicy.objects.create(name="Everyone", calendar=calendar, position=500)
    assert [p.name for p in active_policies()][-1] == "Standard"
    assert policy_for(facts()) == late


def test_category_matches_whatever_its_case_and_spaces(calendar):
    billing = SlaPolicy.objects.create(
        name="Billing", calendar=calendar, match_category="Billing", position=5
    )
    assert policy_for(facts(category="  BILLING ")) == billing
    assert policy_for(facts(category="Billing disputes")) != billing


def test_every_rule_of_a_policy_must_hold(calendar):
    both = SlaPolicy.objects.create(
        name="Premium P1", calendar=calendar, match_priority="P1", match_plan_tier="premium"
    )
    assert policy_for(facts(priority="P1", plan_tier="premium")) == both
    assert policy_for(facts(priority="P1", plan_tier="free")) != both
    assert policy_for(facts(priority="P2", plan_tier="premium")) != both


def test_inactive_policies_are_skipped(calendar):
    SlaPolicy.objects.create(
        name="Retired", calendar=calendar, match_priority="P1", position=1, active=False
    )
    assert policy_for(facts(priority="P1")) == SlaPolicy.objects.get(is_default=True)
    assert "Retired" not in [p.name for p in active_policies()]
