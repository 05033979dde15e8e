"""The equal-treatment report: figures per plan tier and channel in business time, who is
behind, tiers treated differently on purpose, and the page that shows it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pytest
import time_machine

from followthrough.accounts.models import User
from followthrough.cases.selectors.reports import (
    TreatmentReport,
    TreatmentRow,
    equal_treatment_report,
)
from followthrough.cases.services.deadlines import sla_scan
from followthrough.cases.states import Channel
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.cases.tests.sla_fixtures import london, office, set_targets
from followthrough.customers.models import Organization, PlanTier
from followthrough.customers.tests.factories import OrganizationFactory
from followthrough.sla.models import SlaPolicy

__all__ = ["office"]  # the fixture, imported so pytest finds it here

MONDAY = dt.date(2026, 11, 23)
MONDAY_10 = london(2026, 11, 23, 10, 0)
NEXT_WEEK = MONDAY_10 + dt.timedelta(days=14)
REPORT_URL = "/reports/equal-treatment/"


@pytest.fixture
def free_org(db: None) -> Organization:
    return OrganizationFactory.create(name="Corner Shop", plan_tier=PlanTier.FREE)


@pytest.fixture
def premium_org(db: None) -> Organization:
    return OrganizationFactory.create(name="Big Bank", plan_tier=PlanTier.PREMIUM)


def open_and_answer(
    agent: User,
    groups: Sequence[tuple[Organization, str, int]],
    *,
    unanswered: Organization | None,
) -> None:
    """Open every case on Monday at 10:00, then answer each group after its minutes (business
    time: the office is open all morning). An unanswered case is left to miss its deadline."""
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        waiting = []
        for organization, channel, minutes in groups:
            case = open_case(
                actor=agent, organization=organization, channel=channel, next_step_due=NEXT_WEEK
            )
            waiting.append((minutes, case))
        if unanswered is not None:
            open_case(actor=agent, organization=unanswered, next_step_due=NEXT_WEEK)
        elapsed = 0
        for minutes, case in sorted(waiting, key=lambda pair: pair[0]):
            clock.shift(dt.timedelta(minutes=minutes - elapsed))
            elapsed = minutes
            log_call(agent, case)
        clock.shift(dt.timedelta(hours=2))
        sla_scan()


@pytest.fixture
def answered(office, agent, free_org, premium_org) -> None:
    """Five premium cases by phone answered in 10 min; five free cases (three by email, two by
    phone) answered in 90 min, 30 min late; one more free case never answered."""
    premium = [(premium_org, Channel.PHONE, 10)] * 5
    free = [(free_org, Channel.EMAIL, 90)] * 3 + [(free_org, Channel.PHONE, 90)] * 2
    open_and_answer(agent, premium + free, unanswered=free_org)


def row(rows: list[TreatmentRow], key: str) -> TreatmentRow:
    [found] = [r for r in rows if r.key == key]
    return found


def monday_report() -> TreatmentReport:
    return equal_treatment_report(start=MONDAY, end=MONDAY)


def test_figures_per_plan_tier_in_business_time(answered):
    report = monday_report()
    premium = row(report.by_plan_tier, PlanTier.PREMIUM)
    assert premium.label == "Premium plan"
    assert premium.cases == 5
    first = premium.first_response
    assert (first.clocks, first.met, first.within, first.missed_open) == (5, 5, 5, 0)
    assert first.average_seconds == 10 * 60
    assert first.within_share == 100.0
    free = row(report.by_plan_tier, PlanTier.FREE).first_response
    assert (free.clocks, free.met, free.within, free.missed_open) == (6, 5, 0, 1)
    assert free.average_seconds == 90 * 60
    assert free.within_share == 0.0
    # Resolution runs on (one working day): counted, none met, none missed yet.
    resolution = row(report.by_plan_tier, PlanTier.FREE).resolution
    assert (resolution.clocks, resolution.met, resolution.missed_open) == (6, 0, 0)
    assert resolution.within_share is None
    standard = row(report.by_plan_tier, PlanTier.STANDARD)
    assert standard.cases == 0


def test_the_whole_desk_is_the_sum_of_the_tiers(answered):
    overall = monday_report().overall
    first = overall.first_response
    assert (first.clocks, first.met, first.within, first.missed_open) == (11, 10, 5, 1)
    assert first.average_seconds == 50 * 60
    assert first.within_share == 50.0
    assert overall.cases == 11


def test_figures_per_channel(answered):
    report = monday_report()
    assert [r.key for r in report.by_channel] == [Channel.PHONE, Channel.EMAIL]
    phone = row(report.by_channel, Channel.PHONE).first_response
    # Five premium in 10 min, two free in 90 min, the unanswered free case.
    assert (phone.clocks, phone.met, phone.within, phone.missed_open) == (8, 7, 5, 1)
    assert phone.average_seconds == pytest.approx((5 * 10 + 2 * 90) * 60 / 7)
    email = row(report.by_channel, Channel.EMAIL).first_response
    assert (email.clocks, email.met, email.within) == (3, 3, 0)


def test_a_tier_answered_much_slower_is_behind(answered):
    report = monday_report()
    free = row(report.by_plan_tier, PlanTier.FREE)
    assert free.behind == ["first response within target 0% against 50% overall"]
    assert row(report.by_plan_tier, PlanTier.PREMIUM).behind == []
    assert report.findings == ["Free plan: first response within target 0% against 50% overall"]


def test_a_group_with_too_few_cases_is_not_judged(answered):
    # Email: three answers, all late, but three cases are too few to say email waits longer.
    assert row(monday_report().by_channel, Channel.EMAIL).behind == []


def test_a_slower_average_within_target_is_behind_too(office, agent, free_org, premium_org):
    premium = [(premium_org, Channel.PHONE, 10)] * 5
    free = [(free_org, Channel.PHONE, 50)] * 5
    open_and_answer(agent, premium + free, unanswered=None)
    free_row = row(monday_report().by_plan_tier, PlanTier.FREE)
    assert free_row.first_response.within_share == 100.0
    assert free_row.behind == ["first response takes 1.7 times the overall average"]


def test_an_equal_desk_has_no_findings(office, agent, free_org, premium_org):
    groups = [(premium_org, Channel.PHONE, 20)] * 5 + [(free_org, Channel.PHONE, 20)] * 5
    open_and_answer(agent, groups, unanswered=None)
    report = monday_report()
    assert report.findings == []
    assert report.tier_policies == []


def test_cases_outside_the_period_are_not_counted(answered):
    report = equal_treatment_report(
        start=MONDAY + dt.timedelta(days=1), end=MONDAY + dt.timedelta(days=7)
    )
    assert report.overall.cases == 0
    assert report.by_channel == []


def test_a_policy_for_a_plan_tier_is_listed_as_differing_on_purpose(office):
    premium = SlaPolicy.objects.create(
        name="Premium care", calendar=office.calendar, match_plan_tier=PlanTier.PREMIUM
    )
    set_targets(premium, "P3", 30, 60, 240)
    SlaPolicy.objects.create(
        name="Old free plan", calendar=office.calendar, match_plan_tier=PlanTier.FREE, active=False
    )
    SlaPolicy.objects.create(name="Tier 2 only", calendar=office.calendar, match_priority="P1")
    assert [p.name for p in monday_report().tier_policies] == ["Premium care"]


def test_report_page_for_a_lead(answered, tier1_lead, client):
    SlaPolicy.objects.create(
        name="Premium care",
        calendar=SlaPolicy.objects.get(is_default=True).calendar,
        match_plan_tier=PlanTier.PREMIUM,
    )
    client.force_login(tier1_lead)
    response = client.get(REPORT_URL, {"from": "2026-11-23", "to": "2026-11-23"})
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "Findings for 23 Nov 2026 to 23 Nov 2026" in text
    assert "Free plan: first response within target 0% against 50% overall" in text
    assert (
        "Targets differ by plan on purpose in these policies: Premium care (Premium plan)" in text
    )
    assert "Free plan ⚠ waits longer 6 1 h 30 min 0.0% of 5 1" in text
    assert "Premium plan 5 10 min 100.0% of 5 0" in text
    assert "All customers 11 50 min 50.0% 1" in text


def test_report_page_defaults_to_the_last_30_days(tier1_lead, client):
    client.force_login(tier1_lead)
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    assert b"No cases were opened in this period." in response.content


def test_report_page_is_for_leads_only(agent, client):
    client.force_login(agent)
    assert client.get(REPORT_URL).status_code == 403


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"from": "23/11/2026", "to": "2026-11-30"}, "Dates are written YYYY-MM-DD"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "The period starts after it ends"),
        ({"from": "2024-01-01", "to": "2026-11-01"}, "A report covers at most 366 days"),
        ({"from": "2026-02-30"}, "Dates are written YYYY-MM-DD"),
    ],
)
def test_report_page_refuses_a_bad_period(period, message, tier1_lead, client):
    client.force_login(tier1_lead)
    response = client.get(REPORT_URL, period)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert "Findings for" not in html


def test_report_page_query_count_does_not_grow_with_the_cases(
    office, agent, tier1_lead, free_org, premium_org, client, django_assert_num_queries
):
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    open_and_answer(agent, [(free_org, Channel.PHONE, 10)], unanswered=None)
    client.force_login(tier1_lead)
    # Session, user, the two aggregates (per tier, per channel), tier policies, the nav's team.
    with django_assert_num_queries(6):
        assert client.get(REPORT_URL, period).status_code == 200
    groups = [(free_org, Channel.EMAIL, 20)] * 6 + [(premium_org, Channel.CHAT, 30)] * 6
    open_and_answer(agent, groups, unanswered=premium_org)
    with django_assert_num_queries(6):
        response = client.get(REPORT_URL, period)
    assert response.status_code == 200
    assert b"All customers" in response.content
