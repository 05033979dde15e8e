"""The referrals-by-vendor report: outcomes, shares of "no answer" and "we solved it", and the
follow-up promises kept on time, late, broken or still open; and the page that shows it."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import time_machine
from django.urls import reverse
from django.utils import timezone

from followthrough.cases.selectors.referrals import VendorReferrals, referral_report
from followthrough.cases.services import (
    commitment_break,
    commitment_cancel,
    commitment_keep,
)
from followthrough.cases.states import ReferralOutcome
from followthrough.cases.tests.test_referrals import (
    antivirus_case,
    make_vendor,
    record_outcome,
    refer,
    us_numbers,
    vendor,
)
from followthrough.knowledge.models import Vendor

__all__ = ["us_numbers", "vendor"]  # the fixtures, imported so pytest finds them here

UTC = zoneinfo.ZoneInfo("UTC")
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def in_period(agent, tier1_lead, vendor):
    """Six referrals on Monday 2 November: Brand X four, Quiet Co two; one in October."""
    quiet = make_vendor(tier1_lead, "Quiet Co")
    with time_machine.travel(MONDAY - dt.timedelta(days=20), tick=False):
        refer(agent, antivirus_case(agent), vendor)  # before the period
    with time_machine.travel(MONDAY, tick=False) as clock:
        due = MONDAY + dt.timedelta(hours=2)
        made = [
            refer(agent, antivirus_case(agent), v, follow_up_due=due)
            for v in (vendor, vendor, vendor, vendor, quiet, quiet)
        ]
        helped, silent, solved, waiting, quiet_silent, quiet_open = made
        # Checked back in time: the outcome keeps the promise.
        record_outcome(actor=agent, referral=helped, outcome=ReferralOutcome.VENDOR_HELPED)
        record_outcome(actor=agent, referral=silent, outcome=ReferralOutcome.NO_ANSWER)
        clock.shift(dt.timedelta(hours=5))
        # Late: kept after it was due, then the outcome.
        commitment_keep(actor=agent, commitment=solved.commitment)
        record_outcome(actor=agent, referral=solved, outcome=ReferralOutcome.WE_SOLVED)
        commitment_break(actor=agent, commitment=waiting.commitment, reason="Nobody called")
        commitment_cancel(actor=agent, commitment=quiet_silent.commitment, reason="Duplicate")
        record_outcome(actor=agent, referral=quiet_silent, outcome=ReferralOutcome.NO_ANSWER)
    return quiet_open


def test_report_counts_per_vendor(agent, tier1_lead, vendor, settings):
    settings.TIME_ZONE = "UTC"
    in_period(agent, tier1_lead, vendor)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    report = referral_report(start, end, at=MONDAY + dt.timedelta(days=1))
    brand_x, quiet = report.vendors
    assert (brand_x.vendor_name, quiet.vendor_name) == ("Brand X Corp", "Quiet Co")
    assert (brand_x.referrals, brand_x.vendor_helped, brand_x.no_answer, brand_x.we_solved) == (
        4,
        1,
        1,
        1,
    )
    assert brand_x.pending == 1
    assert brand_x.no_answer_share == 33.3
    assert brand_x.we_solved_share == 33.3
    assert (brand_x.kept_on_time, brand_x.kept_late, brand_x.broken, brand_x.still_open) == (
        2,
        1,
        1,
        0,
    )
    assert (quiet.referrals, quiet.no_answer, quiet.pending) == (2, 1, 1)
    assert quiet.no_answer_share == 100.0
    assert quiet.we_solved_share == 0.0
    assert (quiet.cancelled, quiet.still_open, quiet.overdue) == (1, 1, 1)
    assert report.total.referrals == 6
    assert report.total.no_answer == 2
    assert report.total.kept_on_time == 2
    assert report.total.still_open == 1
    # October's referral is outside the period.
    october = referral_report(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert [(v.vendor_name, v.referrals) for v in october.vendors] == [("Brand X Corp", 1)]


def test_a_vendor_is_flagged_only_with_enough_known_outcomes():
    few = VendorReferrals(1, "Few", referrals=2, no_answer=2)
    assert few.no_answer_share == 100.0 and not few.often_unanswered
    many = VendorReferrals(2, "Many", referrals=4, no_answer=2, vendor_helped=2)
    assert many.no_answer_share == 50.0 and many.often_unanswered
    fine = VendorReferrals(3, "Fine", referrals=5, no_answer=1, vendor_helped=4)
    assert not fine.often_unanswered


def test_shares_are_empty_without_known_outcomes(agent, vendor):
    refer(agent, antivirus_case(agent), vendor)
    today = timezone.localdate()
    report = referral_report(today - dt.timedelta(days=1), today)
    (row,) = report.vendors
    assert row.decided == 0
    assert row.no_answer_share is None and row.we_solved_share is None


def test_report_is_one_query(agent, tier1_lead, vendor, django_assert_num_queries, settings):
    settings.TIME_ZONE = "UTC"
    in_period(agent, tier1_lead, vendor)
    with django_assert_num_queries(1):
        referral_report(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_report_page_for_leads(client, agent, tier1_lead, vendor, settings):
    settings.TIME_ZONE = "UTC"
    in_period(agent, tier1_lead, vendor)
    quiet = Vendor.objects.get(name="Quiet Co")
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(2):
            referral = refer(agent, antivirus_case(agent), quiet)
            record_outcome(actor=agent, referral=referral, outcome=ReferralOutcome.NO_ANSWER)
    url = reverse("referral_report")
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(tier1_lead)
    response = client.get(url, {"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Referrals by vendor" in html
    assert "8 referrals from 1 Nov 2026 to 30 Nov 2026" in html
    assert reverse("vendor_detail", args=[vendor.pk]) in html
    # Quiet Co: every one of three known outcomes was "no answer"; Brand X one in three.
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</th>", html, re.S)
    flagged = [row for row in rows if "often no answer" in row]
    assert len(flagged) == 1 and "Quiet Co" in flagged[0]
    assert "33.3%" in html
    assert 'aria-current="page">Referrals by vendor' in html
    assert reverse("equal_treatment_report") in html


def test_report_page_refuses_bad_dates_in_words(client, tier1_lead):
    client.force_login(tier1_lead)
    response = client.get(reverse("referral_report"), {"from": "2026-13-01"})
    assert response.status_code == 400
    assert "Dates are written YYYY-MM-DD" in response.content.decode()


def test_equal_treatment_page_links_to_the_referral_report(client, tier1_lead):
    client.force_login(tier1_lead)
    html = client.get(reverse("equal_treatment_report")).content.decode()
    assert reverse("referral_report") in html
