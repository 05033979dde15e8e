"""In a real browser: a case page with missed and paused deadlines and why they are due when
they are (at 1280 px and on a phone), and the equal-treatment report as a lead. Saves the
"sla-*" screenshots.

The cases are set up at fixed moments in the past (time_machine), then browsed at the real
time, so the live server and the browser agree on the clock.
"""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from followthrough.cases.services import case_set_status
from followthrough.cases.services.deadlines import sla_scan
from followthrough.cases.states import CaseStatus, Channel
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.cases.tests.sla_fixtures import london, office
from followthrough.customers.models import PlanTier
from followthrough.customers.tests.factories import ContactFactory, OrganizationFactory

__all__ = ["office"]  # the fixture, imported so pytest finds it here

FRIDAY_1630 = london(2026, 11, 13, 16, 30)
MONDAY_10 = london(2026, 11, 16, 10, 0)
PHONE = {"width": 390, "height": 844}


# A next step still ahead at the real time the pages are looked at (worked out before any
# travel, which would move "now").
FAR_AHEAD = timezone.now() + dt.timedelta(days=10)


def missed_case(agent, tier1, contact):
    """Opened on Friday at 16:30, never answered: both deadlines missed on Monday."""
    with time_machine.travel(FRIDAY_1630, tick=False) as clock:
        case = open_case(
            actor=agent,
            owner=agent,
            team=tier1,
            contact=contact,
            subject="Router drops every hour",
            next_step="Read the router log with Maria",
            next_step_due=FAR_AHEAD,
        )
        clock.move_to(london(2026, 11, 16, 17, 0))
        assert sla_scan().breaches == 2
    return case


def paused_case(agent, tier1, contact):
    """Answered in 20 minutes, then waiting for the customer's logs since 11:00."""
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(
            actor=agent,
            owner=agent,
            team=tier1,
            contact=contact,
            subject="VPN asks for a certificate on every start",
            next_step="Check the logs Maria sends",
            next_step_due=FAR_AHEAD,
        )
        clock.shift(dt.timedelta(minutes=20))
        log_call(agent, case, note="Asked Maria for the client logs")
        clock.shift(dt.timedelta(minutes=40))
        case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    return case


def test_case_pages_show_missed_and_paused_deadlines(browser_page, office, agent, tier1, contact):
    missed = missed_case(agent, tier1, contact)
    paused = paused_case(agent, tier1, contact)
    browser_page.sign_in(agent)
    page = browser_page.page

    browser_page.goto(f"/cases/{missed.pk}/")
    deadlines = page.locator("#deadlines")
    expect(deadlines.get_by_role("heading", name="Service-level deadlines")).to_be_visible()
    first = deadlines.get_by_role("article", name="First response")
    expect(first.get_by_role("heading", name="First response Missed")).to_be_visible()
    expect(first.get_by_text(re.compile(r"^Missed: was due Mon 16 Nov 09:30 \("))).to_be_visible()
    expect(first.get_by_text("Standard (the default policy")).to_be_visible()
    first.get_by_text("Why it is due when it is").click()
    expect(first.get_by_text("not counted (closed on Saturdays)")).to_be_visible()
    expect(first.get_by_text("not counted (closed on Sundays)")).to_be_visible()
    resolution = deadlines.get_by_role("article", name="Resolution")
    expect(resolution.get_by_role("heading", name="Resolution Missed")).to_be_visible()
    expect(page.locator("#timeline").get_by_text("First response deadline missed")).to_be_visible()
    browser_page.screenshot("sla-case-missed")

    page.set_viewport_size(PHONE)
    page.reload()
    first = page.locator("#deadlines").get_by_role("article", name="First response")
    first.get_by_text("Why it is due when it is").click()
    expect(first.get_by_text("not counted (closed on Sundays)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#deadlines").screenshot(path=str(browser_page.shots / "sla-deadlines-phone.png"))
    browser_page.screenshot("sla-case-missed-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    browser_page.goto(f"/cases/{paused.pk}/")
    deadlines = page.locator("#deadlines")
    first = deadlines.get_by_role("article", name="First response")
    expect(first.get_by_role("heading", name=re.compile(r"^First response .*Met$"))).to_be_visible()
    resolution = deadlines.get_by_role("article", name="Resolution")
    expect(resolution.get_by_role("heading", name="Resolution Paused")).to_be_visible()
    expect(
        resolution.get_by_text("Paused since Mon 16 Nov 11:00 (pending customer): 1 h used of 8 h")
    ).to_be_visible()
    resolution.get_by_text("Pauses (1)").click()
    expect(resolution.get_by_text("Mon 16 Nov 11:00 to now: pending customer")).to_be_visible()
    browser_page.screenshot("sla-case-paused")

    browser_page.goto("/")
    expect(page.get_by_text(re.compile(r"First response missed \d+ days ago"))).to_be_visible()
    expect(page.get_by_text("SLA paused")).to_be_visible()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    browser_page.screenshot("sla-home")


def test_lead_reads_the_equal_treatment_report(browser_page, office, agent, tier1_lead, tier1):
    free = ContactFactory.create(
        organization=OrganizationFactory.create(name="Corner Shop", plan_tier=PlanTier.FREE)
    )
    premium = ContactFactory.create(
        organization=OrganizationFactory.create(name="Big Bank", plan_tier=PlanTier.PREMIUM)
    )
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        fast = [
            open_case(actor=agent, contact=premium, channel=Channel.PHONE, next_step_due=FAR_AHEAD)
            for _ in range(5)
        ]
        slow = [
            open_case(
                actor=agent,
                contact=free,
                channel=Channel.EMAIL if n < 3 else Channel.PHONE,
                next_step_due=FAR_AHEAD,
            )
            for n in range(5)
        ]
        clock.shift(dt.timedelta(minutes=10))
        for case in fast:
            log_call(agent, case)
        clock.shift(dt.timedelta(minutes=80))
        for case in slow:
            log_call(agent, case)

    browser_page.sign_in(tier1_lead)
    page = browser_page.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Equal treatment", level=1)).to_be_visible()
    page.get_by_label("From", exact=True).fill("2026-11-16")
    page.get_by_label("To", exact=True).fill("2026-11-16")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/reports/equal-treatment/?from=2026-11-16&to=2026-11-16")
    findings = page.get_by_role("region", name="Findings for 16 Nov 2026 to 16 Nov 2026")
    expect(
        findings.get_by_text("Free plan: first response within target 0% against 50% overall")
    ).to_be_visible()
    tiers = page.get_by_role("region", name="By plan tier")
    free_row = tiers.get_by_role("row", name=re.compile("^Free plan"))
    expect(free_row.get_by_text("waits longer")).to_be_visible()
    expect(free_row.get_by_role("cell").nth(1)).to_have_text("1 h 30 min")
    browser_page.screenshot("sla-equal-treatment")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(findings).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser_page.screenshot("sla-equal-treatment-phone")
    # Scrolled sideways to the resolution columns, the group names stay in view.
    tiers.locator(".table-wrap").evaluate("wrap => { wrap.scrollLeft = wrap.scrollWidth; }")
    label = tiers.get_by_role("rowheader", name=re.compile("^Free plan")).bounding_box()
    assert label is not None and 0 <= label["x"] < PHONE["width"] / 2
    tiers.screenshot(path=str(browser_page.shots / "sla-equal-treatment-phone-scrolled.png"))
