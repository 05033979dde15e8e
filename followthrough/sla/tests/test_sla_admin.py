"""Calendars and policies in the admin: the pages render with their inlines, and a calendar or
policy that could not work is refused with a message and nothing saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.sla.calendars import build_calendar
from followthrough.sla.models import (
    BusinessCalendar,
    BusinessHours,
    CalendarDay,
    CalendarDayKind,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
)

CALENDAR_ADD = "admin:sla_businesscalendar_add"
POLICY_ADD = "admin:sla_slapolicy_add"


@pytest.fixture
def admin_client(db: None, client: Client) -> Client:
    client.force_login(UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def default_policy(db: None) -> SlaPolicy:
    return SlaPolicy.objects.select_related("calendar").get(is_default=True)


def inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    """An admin inline formset's POST data: the management form and one entry per row."""
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def calendar_form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        "holiday_country": "DE",
        "holiday_subdivision": "BE",
        **inline("hours", [{"weekday": "0", "opens": "09:00", "closes": "17:00"}]),
        **inline("days", []),
    }
    data.update(fields)
    return data


def policy_form(calendar: BusinessCalendar, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Premium care",
        "calendar": str(calendar.pk),
        "position": "10",
        "match_plan_tier": "premium",
        "warn_percent": "75",
        "pause_when_pending_customer": "on",
        **inline(
            "targets",
            [
                {
                    "priority": "P3",
                    "first_response_minutes": "30",
                    "next_response_minutes": "60",
                    "resolution_minutes": "240",
                }
            ],
        ),
        **inline("escalations", []),
    }
    data.update(fields)
    return data


def calendar_rows() -> list[tuple[Any, ...]]:
    return [
        *BusinessCalendar.objects.order_by("pk").values_list(
            "pk", "name", "time_zone", "holiday_country", "holiday_subdivision", "updated_at"
        ),
        *BusinessHours.objects.order_by("pk").values_list("pk", "calendar_id", "weekday"),
        *CalendarDay.objects.order_by("pk").values_list("pk", "calendar_id", "date"),
    ]


def policy_rows() -> list[tuple[Any, ...]]:
    return [
        *SlaPolicy.objects.order_by("pk").values_list(
            "pk", "name", "is_default", "match_priority", "match_plan_tier", "updated_at"
        ),
        *SlaTarget.objects.order_by("pk").values_list("pk", "policy_id", "priority"),
        *EscalationRule.objects.order_by("pk").values_list("pk", "policy_id", "action"),
    ]


def errors_of(response: Any) -> str:
    assert response.status_code == 200  # the form again, not a redirect
    return response.content.decode()


# --- the pages render ------------------------------------------------------------------------


def test_calendar_list_shows_hours_and_holidays_in_words(admin_client, default_policy):
    calendar = default_policy.calendar
    calendar.holiday_country, calendar.holiday_subdivision = "GB", "ENG"
    calendar.save()
    response = admin_client.get(reverse("admin:sla_businesscalendar_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Support hours" in html
    assert "Mon-Fri 09:00-17:00" in html
    assert "public holidays of GB-ENG" in html


def test_calendar_page_shows_hours_and_days_inlines(admin_client, default_policy):
    calendar = default_policy.calendar
    CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2026, 12, 24), kind=CalendarDayKind.CLOSED, name="Party"
    )
    response = admin_client.get(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="hours-TOTAL_FORMS" value="5"' in html
    assert 'name="days-TOTAL_FORMS" value="1"' in html
    assert 'value="Party"' in html
    assert admin_client.get(reverse(CALENDAR_ADD)).status_code == 200


def test_policy_list_shows_rules_in_words(admin_client, default_policy):
    SlaPolicy.objects.create(
        name="Premium care", calendar=default_policy.calendar, match_plan_tier="premium"
    )
    response = admin_client.get(reverse("admin:sla_slapolicy_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "every case" in html
    assert "plan Premium" in html


def test_policy_page_shows_targets_and_escalations_inlines(admin_client, default_policy):
    response = admin_client.get(reverse("admin:sla_slapolicy_change", args=[default_policy.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="targets-TOTAL_FORMS" value="4"' in html
    assert 'name="escalations-TOTAL_FORMS" value="1"' in html
    assert "Which cases it applies to (empty rules match anything)" in html
    assert admin_client.get(reverse(POLICY_ADD)).status_code == 200


def test_calendar_list_query_count_does_not_grow(
    admin_client, default_policy, django_assert_num_queries
):
    url = reverse("admin:sla_businesscalendar_changelist")
    admin_client.get(url)
    with django_assert_num_queries(7):
        assert admin_client.get(url).status_code == 200
    for number in range(6):
        calendar = BusinessCalendar.objects.create(name=f"Office {number}", time_zone="UTC")
        BusinessHours.objects.create(
            calendar=calendar, weekday=0, opens=dt.time(9), closes=dt.time(17)
        )
    with django_assert_num_queries(7):
        assert admin_client.get(url).status_code == 200


# --- saving ------------------------------------------------------------------------------------


def test_a_good_calendar_is_saved_with_its_hours(admin_client):
    response = admin_client.post(reverse(CALENDAR_ADD), calendar_form())
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Berlin office")
    assert build_calendar(calendar).hours_on(dt.date(2026, 11, 23)) == ((540, 1020),)
    # Berlin's own holiday (Women's Day, 8 March) closes it.
    assert build_calendar(calendar).hours_on(dt.date(2027, 3, 8)) == ()


def test_a_calendar_with_an_unknown_time_zone_is_refused(admin_client):
    before = calendar_rows()
    response = admin_client.post(reverse(CALENDAR_ADD), calendar_form(time_zone="Mars/Olympus"))
    assert "is not a time zone (use a name like Europe/London)." in errors_of(response)
    assert calendar_rows() == before


def test_a_calendar_with_an_unknown_holiday_country_is_refused(admin_client):
    before = calendar_rows()
    response = admin_client.post(
        reverse(CALENDAR_ADD), calendar_form(holiday_country="XQ", holiday_subdivision="")
    )
    assert "is not a country with a public-holiday list" in errors_of(response)
    assert calendar_rows() == before


def test_a_calendar_with_an_unknown_subdivision_is_refused(admin_client):
    before = calendar_rows()
    response = admin_client.post(reverse(CALENDAR_ADD), calendar_form(holiday_subdivision="XYZ"))
    assert "DE has no subdivision" in errors_of(response)
    assert calendar_rows() == before


def test_changing_a_calendar_to_a_bad_time_zone_changes_nothing(admin_client, default_policy):
    calendar = default_policy.calendar
    before = calendar_rows()
    data = calendar_form(name="Support hours", time_zone="Nowhere/Special")
    data.update(inline("hours", [], initial=0))
    url = reverse("admin:sla_businesscalendar_change", args=[calendar.pk])
    assert "is not a time zone" in errors_of(admin_client.post(url, data))
    assert calendar_rows() == before


def test_hours_that_close_before_they_open_are_refused(admin_client):
    before = calendar_rows()
    data = calendar_form(**inline("hours", [{"weekday": "0", "opens": "17:00", "closes": "09:00"}]))
    assert "Closing time must be after opening time." in errors_of(
        admin_client.post(reverse(CALENDAR_ADD), data)
    )
    assert calendar_rows() == before


def test_a_good_policy_is_saved_with_its_targets(admin_client, default_policy):
    response = admin_client.post(reverse(POLICY_ADD), policy_form(default_policy.calendar))
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(name="Premium care")
    assert policy.rules() == ["plan Premium"]
    assert policy.targets.get().first_response_minutes == 30


def test_a_default_policy_with_a_rule_is_refused(admin_client, default_policy):
    before = policy_rows()
    url = reverse("admin:sla_slapolicy_change", args=[default_policy.pk])
    data = policy_form(
        default_policy.calendar, name="Standard", is_default="on", active="on"
    )  # with match_plan_tier="premium"
    data.update(inline("targets", []))
    response = admin_client.post(url, data)
    assert "The default policy matches every case: leave its rules empty." in errors_of(response)
    assert policy_rows() == before


def test_a_second_default_policy_is_refused(admin_client, default_policy):
    before = policy_rows()
    data = policy_form(default_policy.calendar, is_default="on", active="on", match_plan_tier="")
    response = admin_client.post(reverse(POLICY_ADD), data)
    assert "There is already a default policy" in errors_of(response)
    assert policy_rows() == before


def test_switching_off_the_default_policy_is_refused(admin_client, default_policy):
    before = policy_rows()
    url = reverse("admin:sla_slapolicy_change", args=[default_policy.pk])
    data = policy_form(
        default_policy.calendar, name="Standard", is_default="on", match_plan_tier=""
    )
    data.update(inline("targets", []))
    response = admin_client.post(url, data)
    assert "The default policy cannot be switched off." in errors_of(response)
    assert policy_rows() == before


def test_saving_a_calendar_in_the_admin_refreshes_its_deadlines(admin_client, default_policy):
    calendar = default_policy.calendar
    saturday = dt.date(2026, 11, 28)
    assert build_calendar(calendar).hours_on(saturday) == ()
    hours = list(BusinessHours.objects.filter(calendar=calendar).order_by("weekday"))
    rows = [
        {
            "id": str(h.pk),
            "calendar": str(calendar.pk),
            "weekday": str(h.weekday),
            "opens": "09:00",
            "closes": "17:00",
        }
        for h in hours
    ] + [{"weekday": "5", "opens": "10:00", "closes": "14:00"}]
    data = calendar_form(
        name=calendar.name,
        time_zone=calendar.time_zone,
        holiday_country="",
        holiday_subdivision="",
        **inline("hours", rows, initial=len(hours)),
    )
    url = reverse("admin:sla_businesscalendar_change", args=[calendar.pk])
    assert admin_client.post(url, data).status_code == 302
    calendar = BusinessCalendar.objects.get(pk=calendar.pk)
    assert build_calendar(calendar).hours_on(saturday) == ((600, 840),)
