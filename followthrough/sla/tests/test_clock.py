"""Named regression tests for the SLA clock: DST days, holidays, sparse calendars, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from zoneinfo import ZoneInfo

import pytest

from followthrough.sla.clock import (
    Calendar,
    CalendarNeverOpen,
    Span,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    explain_add,
    is_open,
    open_intervals,
)

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SANTIAGO = ZoneInfo("America/Santiago")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

NINE_TO_FIVE = ((9 * 60, 17 * 60),)
WEEKDAYS_NINE_TO_FIVE = (NINE_TO_FIVE,) * 5 + ((), ())
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def every_day(*intervals: tuple[int, int]) -> tuple[tuple[tuple[int, int], ...], ...]:
    return (tuple(intervals),) * 7


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def office(
    zone: ZoneInfo,
    *,
    closed: Mapping[dt.date, str] | None = None,
    extra_open: Mapping[dt.date, tuple[tuple[int, int], ...]] | None = None,
) -> Calendar:
    """Monday to Friday, 09:00-17:00."""
    return Calendar(
        time_zone=zone,
        weekly=WEEKDAYS_NINE_TO_FIVE,
        closed=closed if closed is not None else {},
        extra_open=extra_open if extra_open is not None else {},
    )


# Spring forward: a local hour that never happens.


@pytest.mark.parametrize(
    ("zone", "day", "expected_start", "expected_end"),
    [
        (LONDON, dt.date(2026, 3, 29), utc(2026, 3, 29, 0), utc(2026, 3, 29, 23)),
        (NEW_YORK, dt.date(2026, 3, 8), utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)),
    ],
)
def test_spring_forward_day_is_23_hours_on_a_24_7_calendar(zone, day, expected_start, expected_end):
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    calendar = Calendar.always_open(zone)
    assert business_time_between(calendar, start, end) == dt.timedelta(hours=23)
    assert list(open_intervals(calendar, start, end)) == [(expected_start, expected_end)]


@pytest.mark.parametrize(
    ("zone", "day", "opens_utc", "closes_utc"),
    [
        # London skips 01:00-02:00 local; New York skips 02:00-03:00.
        (LONDON, dt.date(2026, 3, 29), utc(2026, 3, 29, 1), utc(2026, 3, 29, 3)),
        (NEW_YORK, dt.date(2026, 3, 8), utc(2026, 3, 8, 6), utc(2026, 3, 8, 8)),
    ],
)
def test_spring_forward_working_interval_0100_to_0400_gives_two_hours(
    zone, day, opens_utc, closes_utc
):
    calendar = Calendar(time_zone=zone, weekly=every_day((60, 240)))
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    assert business_time_between(calendar, start, end) == 2 * HOUR
    assert list(open_intervals(calendar, start, end)) == [(opens_utc, closes_utc)]


def test_spring_forward_0230_new_york_does_not_exist_and_either_fold_is_a_valid_start():
    calendar = Calendar(time_zone=NEW_YORK, weekly=every_day((60, 240)))
    # PEP 495: in a gap, fold=0 reads the wall time with the offset before the change (EST)
    # and fold=1 with the offset after it (EDT).
    before_offset = dt.datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK)
    after_offset = dt.datetime(2026, 3, 8, 2, 30, fold=1, tzinfo=NEW_YORK)
    assert before_offset.astimezone(UTC) == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    assert after_offset.astimezone(UTC) == utc(2026, 3, 8, 6, 30)  # 01:30 EST
    assert is_open(calendar, before_offset)
    assert is_open(calendar, after_offset)
    assert add_business_time(calendar, before_offset, 30 * MINUTE) == utc(2026, 3, 8, 8)
    assert add_business_time(calendar, after_offset, 30 * MINUTE) == utc(2026, 3, 8, 7)
    # 30 minutes left on the 8th, the rest from 01:00 EDT on the 9th (05:00 UTC).
    assert add_business_time(calendar, before_offset, HOUR) == utc(2026, 3, 9, 5, 30)
    assert business_time_between(calendar, after_offset, before_offset) == HOUR


def test_spring_forward_0130_london_does_not_exist_and_either_fold_is_a_valid_start():
    calendar = Calendar(time_zone=LONDON, weekly=every_day((60, 240)))
    before_offset = dt.datetime(2026, 3, 29, 1, 30, tzinfo=LONDON)
    after_offset = dt.datetime(2026, 3, 29, 1, 30, fold=1, tzinfo=LONDON)
    assert before_offset.astimezone(UTC) == utc(2026, 3, 29, 1, 30)  # 02:30 BST
    assert after_offset.astimezone(UTC) == utc(2026, 3, 29, 0, 30)  # 00:30 GMT
    assert is_open(calendar, before_offset)
    assert not is_open(calendar, after_offset)
    assert add_business_time(calendar, before_offset, 90 * MINUTE) == utc(2026, 3, 29, 3)
    assert add_business_time(calendar, after_offset, MINUTE) == utc(2026, 3, 29, 1, 1)


def test_spring_forward_skipped_hour_contributes_nothing_even_if_it_is_the_only_hours():
    # 01:00-02:00 London simply does not happen on 29 March 2026.
    calendar = Calendar(time_zone=LONDON, weekly=every_day((60, 120)))
    assert business_time_between(calendar, utc(2026, 3, 28, 12), utc(2026, 3, 29, 23)) == (
        dt.timedelta(0)
    )
    assert add_business_time(calendar, utc(2026, 3, 28, 12), MINUTE) == utc(2026, 3, 30, 0, 1)


# Fall back: a local hour that happens twice.


@pytest.mark.parametrize(
    ("zone", "day"),
    [(LONDON, dt.date(2026, 10, 25)), (NEW_YORK, dt.date(2026, 11, 1))],
)
def test_fall_back_day_is_25_hours_on_a_24_7_calendar(zone, day):
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    assert business_time_between(Calendar.always_open(zone), start, end) == 25 * HOUR


@pytest.mark.parametrize(
    ("zone", "day", "opens_utc", "closes_utc"),
    [
        (LONDON, dt.date(2026, 10, 25), utc(2026, 10, 24, 23), utc(2026, 10, 25, 3)),
        (NEW_YORK, dt.date(2026, 11, 1), utc(2026, 11, 1, 4), utc(2026, 11, 1, 8)),
    ],
)
def test_fall_back_working_interval_0000_to_0300_gives_four_hours(zone, day, opens_utc, closes_utc):
    calendar = Calendar(time_zone=zone, weekly=every_day((0, 180)))
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    assert business_time_between(calendar, start, end) == 4 * HOUR
    assert list(open_intervals(calendar, start, end)) == [(opens_utc, closes_utc)]


@pytest.mark.parametrize(
    ("zone", "day", "first_0130_utc", "second_0130_utc"),
    [
        (LONDON, dt.date(2026, 10, 25), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
        (NEW_YORK, dt.date(2026, 11, 1), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
    ],
)
def test_fall_back_both_0130s_are_open_and_the_repeated_hour_counts_twice(
    zone, day, first_0130_utc, second_0130_utc
):
    calendar = Calendar(time_zone=zone, weekly=every_day((60, 120)))
    first = dt.datetime.combine(day, dt.time(1, 30), tzinfo=zone)
    second = dt.datetime.combine(day, dt.time(1, 30, fold=1), tzinfo=zone)
    assert first.astimezone(UTC) == first_0130_utc
    assert second.astimezone(UTC) == second_0130_utc
    assert is_open(calendar, first)
    assert is_open(calendar, second)
    assert not is_open(calendar, first - 31 * MINUTE)
    assert not is_open(calendar, second + 30 * MINUTE)
    day_start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    assert business_time_between(calendar, day_start, day_end) == 2 * HOUR
    # Both passes through 01:00-02:00 touch, so they come back as one interval.
    assert list(open_intervals(calendar, day_start, day_end)) == [
        (first_0130_utc - 30 * MINUTE, second_0130_utc + 30 * MINUTE)
    ]
    # 90 minutes from the first 01:30: 30 to the first 02:00, then the whole repeat.
    assert add_business_time(calendar, first, 90 * MINUTE) == second_0130_utc + 30 * MINUTE


# Holidays, extra open days, sparse and 24/7 calendars.


def test_holiday_on_a_weekend_changes_nothing():
    christmas_on_saturday = {dt.date(2027, 12, 25): "Christmas Day"}
    plain = office(LONDON)
    with_holiday = office(LONDON, closed=christmas_on_saturday)
    start = dt.datetime(2027, 12, 24, 16, tzinfo=LONDON)
    week_later = dt.datetime(2027, 12, 31, 16, tzinfo=LONDON)
    assert business_time_between(with_holiday, start, week_later) == 40 * HOUR
    assert business_time_between(plain, start, week_later) == 40 * HOUR
    assert add_business_time(with_holiday, start, 2 * HOUR) == utc(2027, 12, 27, 10)
    assert add_business_time(plain, start, 2 * HOUR) == utc(2027, 12, 27, 10)
    assert with_holiday.closed_reason(dt.date(2027, 12, 25)) == "Christmas Day"


def test_holiday_on_a_weekday_is_skipped():
    calendar = office(LONDON, closed={dt.date(2027, 12, 27): "Boxing Day (substitute)"})
    start = dt.datetime(2027, 12, 24, 16, tzinfo=LONDON)
    assert add_business_time(calendar, start, 2 * HOUR) == utc(2027, 12, 28, 10)


def test_extra_open_saturday_adds_its_hours():
    saturday = dt.date(2026, 3, 28)
    calendar = office(LONDON, extra_open={saturday: ((10 * 60, 14 * 60),)})
    friday_1600 = dt.datetime(2026, 3, 27, 16, tzinfo=LONDON)
    assert add_business_time(calendar, friday_1600, 2 * HOUR) == utc(2026, 3, 28, 11)
    assert add_business_time(office(LONDON), friday_1600, 2 * HOUR) == utc(2026, 3, 30, 9)
    friday = dt.datetime(2026, 3, 27, tzinfo=LONDON)
    monday = dt.datetime(2026, 3, 30, tzinfo=LONDON)
    assert business_time_between(calendar, friday, monday) == 12 * HOUR
    assert calendar.hours_on(saturday) == ((600, 840),)
    assert calendar.closed_reason(saturday) == ""


def test_extra_open_hours_replace_a_holiday_and_the_weekly_hours():
    day = dt.date(2026, 12, 24)  # Thursday
    calendar = office(LONDON, closed={day: "Christmas Eve"}, extra_open={day: ((9 * 60, 12 * 60),)})
    assert calendar.hours_on(day) == ((540, 720),)
    start = dt.datetime(2026, 12, 24, 11, tzinfo=LONDON)
    assert add_business_time(calendar, start, 2 * HOUR) == utc(2026, 12, 25, 10)


def test_one_day_a_week_calendar_lands_three_wednesdays_later():
    wednesday_10_to_12 = ((), (), ((600, 720),), (), (), (), ())
    calendar = Calendar(time_zone=LONDON, weekly=wednesday_10_to_12)
    thursday = dt.datetime(2026, 1, 8, 9, tzinfo=LONDON)
    assert add_business_time(calendar, thursday, 5 * HOUR) == utc(2026, 1, 28, 11)
    assert business_time_between(calendar, thursday, utc(2026, 1, 28, 11)) == 5 * HOUR


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        (LONDON, utc(2026, 3, 28, 22, 17), utc(2026, 10, 26, 3, 2)),
        (NEW_YORK, utc(2026, 3, 7), utc(2026, 11, 2, 12)),
        (SANTIAGO, utc(2026, 4, 4, 1), utc(2026, 9, 7, 5)),
        (LORD_HOWE, utc(2026, 4, 4, 12), utc(2026, 10, 4, 12)),
        (ZoneInfo("Pacific/Apia"), utc(2011, 12, 29), utc(2012, 1, 2)),
    ],
)
def test_24_7_business_time_is_real_time_across_dst_changes(zone, start, end):
    calendar = Calendar.always_open(zone)
    assert business_time_between(calendar, start, end) == end - start
    assert add_business_time(calendar, start, end - start) == end
    assert is_open(calendar, start)


def test_24_7_open_intervals_join_across_midnight_and_dst():
    calendar = Calendar.always_open(LONDON)
    start = utc(2026, 3, 28, 12)
    end = utc(2026, 3, 30, 12)
    assert list(open_intervals(calendar, start, end)) == [(start, end)]


def test_unended_open_intervals_of_a_24_7_calendar_come_in_week_sized_pieces():
    calendar = Calendar.always_open(ZoneInfo("UTC"))
    pieces = open_intervals(calendar, utc(2026, 1, 1))
    assert next(pieces) == (utc(2026, 1, 1), utc(2026, 1, 8))
    assert next(pieces) == (utc(2026, 1, 8), utc(2026, 1, 15))


def test_deadline_across_new_year_skips_christmas_and_new_years_day():
    closed = {
        dt.date(2026, 12, 25): "Christmas Day",
        dt.date(2026, 12, 26): "Boxing Day",
        dt.date(2027, 1, 1): "New Year's Day",
    }
    calendar = office(BERLIN, closed=closed)
    start = dt.datetime(2026, 12, 31, 15, tzinfo=BERLIN)  # Thursday
    # Thu 2 h, Fri 1 Jan closed, weekend, Mon 4 Jan 8 h, Tue 5 Jan 6 h -> 15:00 CET.
    assert add_business_time(calendar, start, 16 * HOUR) == utc(2027, 1, 5, 14)
    assert add_business_minutes(calendar, start, 16 * 60) == utc(2027, 1, 5, 14)


def test_adding_up_to_closing_time_lands_at_closing_time_not_next_opening():
    friday_1600 = dt.datetime(2026, 6, 5, 16, tzinfo=LONDON)
    assert add_business_time(office(LONDON), friday_1600, HOUR) == utc(2026, 6, 5, 16)
    assert add_business_time(office(LONDON), friday_1600, HOUR + MINUTE) == utc(2026, 6, 8, 8, 1)


def test_adding_zero_returns_the_start_even_when_closed():
    sunday = dt.datetime(2026, 6, 7, 12, tzinfo=LONDON)
    assert add_business_time(office(LONDON), sunday, dt.timedelta(0)) == utc(2026, 6, 7, 11)
    assert add_business_time(office(LONDON), sunday, dt.timedelta(0)).tzinfo is UTC


def test_pause_over_a_weekend_then_resume_sets_the_deadline_from_the_time_left():
    calendar = office(LONDON)
    target = 4 * HOUR
    opened = dt.datetime(2026, 6, 5, 14, tzinfo=LONDON)  # Friday
    paused = dt.datetime(2026, 6, 5, 15, tzinfo=LONDON)
    resumed = dt.datetime(2026, 6, 8, 10, 30, tzinfo=LONDON)  # Monday
    used = business_time_between(calendar, opened, paused)
    assert used == HOUR
    deadline = add_business_time(calendar, resumed, target - used)
    assert deadline == utc(2026, 6, 8, 12, 30)  # 13:30 BST
    assert used + business_time_between(calendar, resumed, deadline) == target
    # Unpaused, the same case would have been due an hour into Monday.
    assert add_business_time(calendar, opened, target) == utc(2026, 6, 8, 9)


def test_business_time_counts_seconds_and_minutes_round_down():
    start = dt.datetime(2026, 6, 5, 16, 58, 30, 500_000, tzinfo=LONDON)
    end = dt.datetime(2026, 6, 8, 9, 0, 20, tzinfo=LONDON)
    assert business_time_between(office(LONDON), start, end) == dt.timedelta(
        minutes=1, seconds=49, microseconds=500_000
    )
    assert business_minutes_between(office(LONDON), start, end) == 1


def test_end_before_start_counts_nothing():
    assert business_time_between(office(LONDON), utc(2026, 6, 8, 12), utc(2026, 6, 8, 9)) == (
        dt.timedelta(0)
    )
    assert list(open_intervals(office(LONDON), utc(2026, 6, 8, 12), utc(2026, 6, 8, 9))) == []


def test_open_intervals_join_an_evening_and_the_next_morning_across_midnight():
    late_and_early = (((1320, 1440),), ((0, 120), (1320, 1440))) + ((),) * 5
    calendar = Calendar(time_zone=ZoneInfo("UTC"), weekly=late_and_early)
    monday = utc(2026, 6, 8)
    assert list(open_intervals(calendar, monday, monday + dt.timedelta(days=7))) == [
        (utc(2026, 6, 8, 22), utc(2026, 6, 9, 2)),
        (utc(2026, 6, 9, 22), utc(2026, 6, 10)),
    ]


def test_lazy_holiday_mapping_is_only_looked_up_never_iterated():
    class EndlessHolidays(Mapping[dt.date, str]):
        def __getitem__(self, day: dt.date) -> str:
            if day.month == 12 and day.day == 25:
                return "Christmas Day"
            raise KeyError(day)

        def __iter__(self) -> Iterator[dt.date]:
            raise AssertionError("the clock must not list every holiday")

        def __len__(self) -> int:
            raise AssertionError("the clock must not count every holiday")

    calendar = office(LONDON, closed=EndlessHolidays())
    start = dt.datetime(2030, 12, 24, 16, tzinfo=LONDON)  # Tuesday
    assert add_business_time(calendar, start, 2 * HOUR) == utc(2030, 12, 26, 10)


# Other offsets: half-hour, 45-minute, 30-minute DST, DST at midnight, a skipped date.


def test_kolkata_half_hour_offset():
    calendar = office(ZoneInfo("Asia/Kolkata"))
    start = dt.datetime(2026, 1, 5, 16, 30, tzinfo=ZoneInfo("Asia/Kolkata"))  # Monday
    assert add_business_time(calendar, start, HOUR) == utc(2026, 1, 6, 4)  # Tue 09:30 IST


def test_kathmandu_45_minute_offset():
    calendar = office(ZoneInfo("Asia/Kathmandu"))
    sunday_noon = utc(2026, 1, 4, 12)
    assert add_business_time(calendar, sunday_noon, MINUTE) == utc(2026, 1, 5, 3, 16)
    monday = dt.datetime(2026, 1, 5, tzinfo=ZoneInfo("Asia/Kathmandu"))
    assert list(open_intervals(calendar, monday, monday + dt.timedelta(days=1))) == [
        (utc(2026, 1, 5, 3, 15), utc(2026, 1, 5, 11, 15))
    ]


def test_st_johns_half_hour_offset_across_spring_forward():
    zone = ZoneInfo("America/St_Johns")
    friday_1600 = dt.datetime(2026, 3, 6, 16, tzinfo=zone)  # NST, -03:30
    assert friday_1600.astimezone(UTC) == utc(2026, 3, 6, 19, 30)
    # 1 h on Friday, then Monday 09:00 NDT (-02:30) = 11:30 UTC, plus 1 h.
    assert add_business_time(office(zone), friday_1600, 2 * HOUR) == utc(2026, 3, 9, 12, 30)
    sunday = dt.datetime(2026, 3, 8, tzinfo=zone)
    monday = dt.datetime(2026, 3, 9, tzinfo=zone)
    assert business_time_between(Calendar.always_open(zone), sunday, monday) == 23 * HOUR


def test_lord_howe_half_hour_dst_shift():
    calendar = Calendar(time_zone=LORD_HOWE, weekly=every_day((60, 180)))
    # 5 April 2026: 02:00 (+11:00) falls back to 01:30 (+10:30), so 01:30-02:00 repeats.
    day_start = dt.datetime(2026, 4, 5, tzinfo=LORD_HOWE)
    day_end = dt.datetime(2026, 4, 6, tzinfo=LORD_HOWE)
    assert business_time_between(Calendar.always_open(LORD_HOWE), day_start, day_end) == (
        dt.timedelta(hours=24, minutes=30)
    )
    assert list(open_intervals(calendar, day_start, day_end)) == [
        (utc(2026, 4, 4, 14), utc(2026, 4, 4, 16, 30))
    ]
    # 4 October 2026: 02:00 (+10:30) jumps to 02:30 (+11:00).
    spring_start = dt.datetime(2026, 10, 4, tzinfo=LORD_HOWE)
    spring_end = dt.datetime(2026, 10, 5, tzinfo=LORD_HOWE)
    assert business_time_between(Calendar.always_open(LORD_HOWE), spring_start, spring_end) == (
        dt.timedelta(hours=23, minutes=30)
    )
    assert business_time_between(calendar, spring_start, spring_end) == 90 * MINUTE


def test_santiago_fall_back_at_midnight_repeats_saturdays_last_hour():
    # 5 April 2026 00:00 (-03) falls back to 4 April 23:00 (-04): Saturday has 25 hours.
    saturday_late = ((),) * 5 + (((22 * 60, 24 * 60),), ())
    calendar = Calendar(time_zone=SANTIAGO, weekly=saturday_late)
    assert business_time_between(calendar, utc(2026, 4, 3), utc(2026, 4, 7)) == 3 * HOUR
    assert list(open_intervals(calendar, utc(2026, 4, 3), utc(2026, 4, 7))) == [
        (utc(2026, 4, 5, 1), utc(2026, 4, 5, 4))
    ]
    saturday = dt.datetime(2026, 4, 4, tzinfo=SANTIAGO)
    sunday = dt.datetime(2026, 4, 5, tzinfo=SANTIAGO)
    assert business_time_between(Calendar.always_open(SANTIAGO), saturday, sunday) == 25 * HOUR


def test_santiago_spring_forward_at_midnight_skips_sundays_first_hour():
    # 6 September 2026 00:00 (-04) jumps to 01:00 (-03).
    sunday_early = ((),) * 6 + (((0, 120),),)
    calendar = Calendar(time_zone=SANTIAGO, weekly=sunday_early)
    assert business_time_between(calendar, utc(2026, 9, 5), utc(2026, 9, 8)) == HOUR
    assert add_business_time(calendar, utc(2026, 9, 5), 30 * MINUTE) == utc(2026, 9, 6, 4, 30)


def test_apia_skipped_friday_30_december_2011_does_not_exist():
    zone = ZoneInfo("Pacific/Apia")
    thursday_1600 = dt.datetime(2011, 12, 29, 16, tzinfo=zone)  # -10:00
    # 1 h on Thursday; Friday the 30th never happened; Monday 2 January 09:00 is +14:00.
    assert add_business_time(office(zone), thursday_1600, 2 * HOUR) == utc(2012, 1, 1, 20)


# Explanations.


def test_explain_add_names_holidays_weekends_and_evenings():
    closed = {
        dt.date(2026, 12, 25): "Christmas Day",
        dt.date(2026, 12, 28): "Boxing Day (substitute)",
    }
    calendar = office(LONDON, closed=closed)
    start = dt.datetime(2026, 12, 24, 16, tzinfo=LONDON)  # Thursday, GMT
    assert explain_add(calendar, start, 2 * HOUR) == [
        Span(start=utc(2026, 12, 24, 16), end=utc(2026, 12, 24, 17), open=True, reason=""),
        Span(
            start=utc(2026, 12, 24, 17),
            end=utc(2026, 12, 25),
            open=False,
            reason="outside working hours",
        ),
        Span(start=utc(2026, 12, 25), end=utc(2026, 12, 26), open=False, reason="Christmas Day"),
        Span(
            start=utc(2026, 12, 26), end=utc(2026, 12, 27), open=False, reason="closed on Saturdays"
        ),
        Span(
            start=utc(2026, 12, 27), end=utc(2026, 12, 28), open=False, reason="closed on Sundays"
        ),
        Span(
            start=utc(2026, 12, 28),
            end=utc(2026, 12, 29),
            open=False,
            reason="Boxing Day (substitute)",
        ),
        Span(
            start=utc(2026, 12, 29),
            end=utc(2026, 12, 29, 9),
            open=False,
            reason="outside working hours",
        ),
        Span(start=utc(2026, 12, 29, 9), end=utc(2026, 12, 29, 10), open=True, reason=""),
    ]


def test_explain_add_joins_consecutive_days_of_one_closure():
    shutdown = {dt.date(2027, 1, day): "Office move" for day in (4, 5, 6)}
    calendar = office(BERLIN, closed=shutdown)
    start = dt.datetime(2027, 1, 3, 12, tzinfo=BERLIN)  # Sunday
    assert explain_add(calendar, start, HOUR) == [
        Span(
            start=utc(2027, 1, 3, 11),
            end=utc(2027, 1, 3, 23),
            open=False,
            reason="closed on Sundays",
        ),
        Span(start=utc(2027, 1, 3, 23), end=utc(2027, 1, 6, 23), open=False, reason="Office move"),
        Span(
            start=utc(2027, 1, 6, 23),
            end=utc(2027, 1, 7, 8),
            open=False,
            reason="outside working hours",
        ),
        Span(start=utc(2027, 1, 7, 8), end=utc(2027, 1, 7, 9), open=True, reason=""),
    ]


def test_explain_add_of_nothing_is_empty():
    assert explain_add(office(LONDON), utc(2026, 6, 6, 12), dt.timedelta(0)) == []


# Refusals.


def test_calendar_with_no_hours_never_opens():
    closed_for_good = Calendar(time_zone=LONDON, weekly=((),) * 7)
    with pytest.raises(CalendarNeverOpen):
        add_business_time(closed_for_good, utc(2026, 1, 1), MINUTE)
    with pytest.raises(CalendarNeverOpen):
        next(open_intervals(closed_for_good, utc(2026, 1, 1)))
    assert business_time_between(closed_for_good, utc(2026, 1, 1), utc(2027, 1, 1)) == (
        dt.timedelta(0)
    )
    assert add_business_time(closed_for_good, utc(2026, 1, 1), dt.timedelta(0)) == utc(2026, 1, 1)


def test_calendar_open_only_on_one_past_date_runs_out():
    calendar = Calendar(
        time_zone=LONDON, weekly=((),) * 7, extra_open={dt.date(2026, 1, 2): ((540, 600),)}
    )
    intervals = open_intervals(calendar, utc(2026, 1, 1))
    assert next(intervals) == (utc(2026, 1, 2, 9), utc(2026, 1, 2, 10))
    with pytest.raises(CalendarNeverOpen):
        next(intervals)
    with pytest.raises(CalendarNeverOpen):
        add_business_time(calendar, utc(2026, 1, 1), 61 * MINUTE)
    assert add_business_time(calendar, utc(2026, 1, 1), HOUR) == utc(2026, 1, 2, 10)


def test_never_open_is_a_value_error():
    assert issubclass(CalendarNeverOpen, ValueError)


def test_naive_datetimes_are_refused():
    naive = utc(2026, 1, 1, 9).replace(tzinfo=None)
    aware = utc(2026, 1, 1, 9)
    calendar = office(LONDON)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(calendar, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(calendar, naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_minutes_between(calendar, aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(calendar, naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(calendar, naive, 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        open_intervals(calendar, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        open_intervals(calendar, aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        explain_add(calendar, naive, HOUR)


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(office(LONDON), utc(2026, 1, 1), -MINUTE)
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(office(LONDON), utc(2026, 1, 1), -1)


@pytest.mark.parametrize(
    ("monday", "message"),
    [
        (((600, 720), (700, 800)), "must not overlap"),
        (((700, 800), (600, 720)), "sorted"),
        (((-1, 60),), "0 <= start < end <= 1440"),
        (((60, 1441),), "0 <= start < end <= 1440"),
        (((600, 600),), "0 <= start < end <= 1440"),
        (((720, 600),), "0 <= start < end <= 1440"),
        (((9.5, 17),), "whole minutes"),
        ((("09:00", "17:00"),), "whole minutes"),
        (((540, 600, 660),), "whole minutes"),
    ],
)
def test_malformed_weekly_intervals_are_refused(monday, message):
    with pytest.raises(ValueError, match=message) as refused:
        Calendar(time_zone=LONDON, weekly=(monday,) + ((),) * 6)
    assert "Monday" in str(refused.value)


def test_wrong_number_of_weekdays_is_refused():
    with pytest.raises(ValueError, match="exactly 7"):
        Calendar(time_zone=LONDON, weekly=(NINE_TO_FIVE,) * 5)


def test_malformed_extra_open_hours_are_refused():
    with pytest.raises(ValueError, match="2026-03-28"):
        office(LONDON, extra_open={dt.date(2026, 3, 28): ((600, 700), (650, 800))})


def test_touching_intervals_are_allowed_and_count_as_one_run():
    calendar = Calendar(time_zone=ZoneInfo("UTC"), weekly=every_day((540, 720), (720, 1020)))
    monday = utc(2026, 6, 8)
    assert list(open_intervals(calendar, monday, monday + dt.timedelta(days=1))) == [
        (utc(2026, 6, 8, 9), utc(2026, 6, 8, 17))
    ]


def test_always_open_calendar_has_every_hour_of_every_day():
    calendar = Calendar.always_open(LONDON)
    assert calendar.weekly == (((0, 1440),),) * 7
    assert calendar.closed_reason(dt.date(2026, 12, 25)) == ""
