"""Reading a vendor's support hours, and whether they answer now, in their own time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followthrough.knowledge.vendor_hours import Window, opening, parse_hours

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(text: str, zone: zoneinfo.ZoneInfo = NEW_YORK) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


def test_weekday_range_with_times():
    assert parse_hours("Mon-Fri 08:00-18:00") == [Window(d, 480, 1080) for d in range(5)]


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri 8-18",
        "mon\u2013fri 8am\u20136pm",
        "Monday to Friday 08.00 - 18.00",
        "Weekdays: 8:00-18:00",
        "Mon, Tue, Wed, Thu, Fri 08:00-18:00",
    ],
)
def test_the_same_hours_written_many_ways(text):
    assert parse_hours(text) == parse_hours("Mon-Fri 08:00-18:00")


def test_several_segments_and_split_days():
    windows = parse_hours("Mon-Fri 08:00-12:00, 13:00-17:00; Sat 09:00-13:00, Sun closed")
    assert windows is not None
    assert Window(0, 480, 720) in windows
    assert Window(0, 780, 1020) in windows
    assert Window(5, 540, 780) in windows
    assert all(w.day != 6 for w in windows)


def test_overnight_range_runs_into_the_next_day():
    assert parse_hours("Fri 22:00-02:00") == [Window(4, 1320, 1440), Window(5, 0, 120)]
    assert parse_hours("Sun 22:00-02:00") == [Window(6, 1320, 1440), Window(0, 0, 120)]


def test_round_the_clock():
    assert parse_hours("24/7") == [Window(d, 0, 1440) for d in range(7)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Call them in the morning",
        "Mon-Fri 08:00-18:00 (EST)",
        "Mon-Fri 25:00-26:00",
        "Mon-Fri 08:00-08:00",
        "Mon-Fri 13pm-14pm",
        "Funday 08:00-18:00",
        "Mon-Fri 08:75-18:00",
        "x" * 5_000,
    ],
)
def test_text_we_do_not_read_is_none(text):
    assert parse_hours(text) is None


@given(st.text(max_size=300))
def test_any_text_parses_or_is_none_and_never_raises(text):
    windows = parse_hours(text)
    assert windows is None or all(0 <= w.start < w.end <= 1440 for w in windows)


def test_open_now_and_when_they_close():
    state = opening("Mon-Fri 08:00-18:00", "America/New_York", at("2026-03-04T10:30"))
    assert state.understood and state.is_open
    assert state.next_change == at("2026-03-04T18:00")
    assert state.local_time.utcoffset() == dt.timedelta(hours=-5)


def test_closed_on_friday_evening_opens_on_monday():
    state = opening("Mon-Fri 08:00-18:00", "America/New_York", at("2026-03-06T19:00"))
    assert state.understood and state.is_open is False
    assert state.next_change == at("2026-03-09T08:00")


def test_their_time_zone_not_ours_decides():
    # 14:00 in Berlin is 08:00 in New York: they have just opened.
    berlin = at("2026-03-04T14:00", zoneinfo.ZoneInfo("Europe/Berlin"))
    assert opening("Mon-Fri 08:00-18:00", "America/New_York", berlin).is_open
    assert not opening("Mon-Fri 08:00-18:00", "Asia/Tokyo", berlin).is_open


def test_hours_across_a_dst_change_stay_on_the_wall_clock():
    # New York moves its clocks on Sunday 8 March 2026; Monday still opens at 08:00 local.
    state = opening("Mon-Fri 08:00-18:00", "America/New_York", at("2026-03-07T12:00"))
    assert state.next_change == at("2026-03-09T08:00")
    assert state.next_change.utcoffset() == dt.timedelta(hours=-4)


def test_round_the_clock_never_closes():
    state = opening("24/7", "UTC", at("2026-03-04T03:00", zoneinfo.ZoneInfo("UTC")))
    assert state.is_open and state.next_change is None


def test_unreadable_hours_and_unknown_zone_still_give_their_time():
    state = opening("Ask for Bob", "Mars/Olympus", at("2026-03-04T10:30"))
    assert not state.understood and state.is_open is None
    assert state.time_zone == "UTC"
    assert state.local_time == at("2026-03-04T10:30")
