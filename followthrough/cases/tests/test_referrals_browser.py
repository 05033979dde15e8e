"""In a real browser, story 1 of DESIGN.md: the agent refers the customer to the vendor from the
case page, the brief shows the referral with the promise to check back and how to reach the
vendor; later the vendor did not answer, and that is recorded. Also the vendor page and the
report, at 1280 and 390 px (the "referral-*" screenshots)."""

from __future__ import annotations

from playwright.sync_api import expect

from followthrough.cases.models import Commitment, Referral
from followthrough.cases.states import CaseStatus, CommitmentStatus, ReferralOutcome
from followthrough.cases.tests.test_browser_stories_case import typed_time
from followthrough.cases.tests.test_referrals import (
    REASON,
    antivirus_case,
    make_vendor,
    us_numbers,
    vendor,
)

__all__ = ["us_numbers", "vendor"]  # the fixtures, imported so pytest finds them here

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits(page, width: int) -> None:
    """Nothing on the page is wider than the window (no sideways scrolling of the page)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_refer_from_the_case_page_and_record_no_answer(
    browser_page, agent, tier1_lead, vendor, contact
):
    make_vendor(tier1_lead, "Other Co", hours="24/7")
    case = antivirus_case(agent, contact)
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{case.pk}/")

    page.get_by_text("Refer to a vendor", exact=True).click()
    panel = page.locator("#action-refer")
    panel.get_by_label("Vendor", exact=True).select_option(label="Brand X Corp")
    panel.get_by_label("What they should ask the vendor for").fill(REASON)
    panel.get_by_label("Check back with the customer by").fill(typed_time(agent, 3))
    expect(panel.get_by_label("Set the case to pending third party")).to_be_checked()
    panel.screenshot(path=str(browser_page.shots / "referral-panel.png"))
    panel.get_by_role("button", name="Refer and promise to check back").click()
    expect(page.get_by_text("Referred to Brand X Corp; the promise to check back")).to_be_visible()

    referrals = page.get_by_role("region", name="Referrals")
    expect(referrals.get_by_text("Referred to Brand X Corp on")).to_be_visible()
    expect(referrals.get_by_text("(promise open)")).to_be_visible()
    expect(referrals.get_by_role("link", name="+1 212-555-0147")).to_have_attribute(
        "href", "tel:+12125550147"
    )
    expect(referrals.get_by_text("Mon-Fri 08:00-18:00 (America/New_York)")).to_be_visible()
    expect(page.get_by_label("Brief").get_by_text("Pending third party")).to_be_visible()
    expect(
        page.locator("#timeline").get_by_text("Referred to Brand X Corp", exact=True)
    ).to_be_visible()
    browser_page.screenshot("referral-case-referred")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    browser_page.screenshot("referral-case-referred-phone")
    referrals.screenshot(path=str(browser_page.shots / "referral-brief-phone.png"))
    page.set_viewport_size(DESKTOP)

    referral = Referral.objects.get()
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_THIRD_PARTY

    # The next day: the customer says the vendor never answered.
    referrals.get_by_text("Record the outcome").click()
    outcome = page.locator(f"#action-referral-{referral.pk}")
    outcome.get_by_label("The vendor did not answer").check()
    outcome.get_by_label("Note").fill("Customer rang them twice; nobody picked up.")
    expect(outcome.get_by_text("The case's next step is this check-back")).to_be_visible()
    outcome.get_by_label("Next step").fill("Run Brand X's removal tool with the customer")
    outcome.get_by_label("Due").fill(typed_time(agent, 2))
    outcome.screenshot(path=str(browser_page.shots / "referral-outcome-form.png"))
    outcome.get_by_role("button", name="Save the outcome").click()
    expect(
        page.get_by_text("Outcome recorded for Brand X Corp: the vendor did not answer.")
    ).to_be_visible()
    brief = page.get_by_role("region", name="Brief")
    expect(brief.get_by_text("Run Brand X's removal tool with the customer")).to_be_visible()
    expect(referrals.get_by_text("(promise kept)")).to_be_visible()
    expect(
        page.locator("#timeline").get_by_text("Referral to Brand X Corp: the vendor did not answer")
    ).to_be_visible()
    browser_page.screenshot("referral-case-no-answer")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    browser_page.screenshot("referral-case-no-answer-phone")
    referrals.screenshot(path=str(browser_page.shots / "referral-brief-no-answer-phone.png"))

    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.NO_ANSWER
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert Commitment.objects.get(pk=referral.commitment_id).status == CommitmentStatus.KEPT


def test_vendor_pages_and_report_read_well(browser_page, agent, tier1_lead, vendor):
    from followthrough.cases.tests.test_referrals import record_outcome, refer

    quiet = make_vendor(tier1_lead, "Quiet Co", support_phone="", hours="Ask for Bob")
    outcomes = [(vendor, "no_answer"), (vendor, "we_solved"), (vendor, "vendor_helped")]
    outcomes += [(quiet, "no_answer")] * 3
    for chosen, outcome in outcomes:
        referral = refer(agent, antivirus_case(agent), chosen)
        record_outcome(actor=agent, referral=referral, outcome=outcome)
    refer(agent, antivirus_case(agent), vendor)
    browser_page.sign_in(tier1_lead)
    page = browser_page.page

    browser_page.goto("/kb/vendors/")
    expect(page.get_by_role("heading", name="Vendor directory")).to_be_visible()
    browser_page.screenshot("referral-vendor-list")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    browser_page.screenshot("referral-vendor-list-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Brand X Corp").click()
    expect(page.get_by_role("heading", name="Brand X Corp")).to_be_visible()
    expect(page.get_by_role("link", name="+1 212-555-0147")).to_be_visible()
    expect(page.get_by_text("Their time", exact=True)).to_be_visible()
    browser_page.screenshot("referral-vendor-detail")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    browser_page.screenshot("referral-vendor-detail-phone")
    page.set_viewport_size(DESKTOP)

    # A support link that is not http(s) is refused in words, next to the field.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Support site").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("must start with http:// or https://")).to_be_visible()
    browser_page.screenshot("referral-vendor-refused")

    browser_page.goto("/reports/referrals/")
    expect(page.get_by_role("heading", name="Referrals by vendor")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Quiet Co")).to_contain_text("often no answer")
    browser_page.screenshot("referral-report")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    browser_page.screenshot("referral-report-phone")
