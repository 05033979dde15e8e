"""In a real browser: a lead sees a possible duplicate on the case page, asks to merge it,
reads what the merge will do, gives a reason and merges; at desk and phone widths."""

from __future__ import annotations

from playwright.sync_api import expect

from followthrough.cases.models import Case
from followthrough.cases.states import CaseStatus
from followthrough.cases.tests.factories import open_case, promise

PHONE = {"width": 390, "height": 844}


def test_a_lead_merges_a_duplicate_from_the_panel(browser_page, tier1_lead, agent, contact):
    case = open_case(
        actor=agent,
        subject="EdgeSwitch drops every port at night",
        description="All ports go dark around 2 am.",
        organization=contact.organization,
        contact=contact,
    )
    duplicate = open_case(
        actor=agent,
        subject="EdgeSwitch ports dark every night",
        contact=contact,
    )
    promise(agent, duplicate, description="Call back about the switch logs")
    browser_page.sign_in(tier1_lead)
    page = browser_page.page
    page.set_viewport_size(PHONE)
    browser_page.goto(f"/cases/{case.pk}/")

    panel = page.locator("#case-similar")
    row = panel.locator(f"#similar-{duplicate.pk}")
    expect(row.get_by_role("link", name=duplicate.subject)).to_be_visible()
    expect(row.get_by_text("similar text")).to_be_visible()
    row.get_by_role("button", name="Merge into this case…").click()

    expect(row.get_by_text("Check before you merge.")).to_be_visible()
    expect(row.get_by_text("its 1 open promise moves")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    panel.screenshot(path=str(browser_page.shots / "similar-merge-confirm-phone.png"))
    row.get_by_label("Reason").fill("Same switch, same nights")
    row.get_by_role("button", name=f"Merge {duplicate.number} into {case.number}").click()

    expect(
        page.get_by_text(f"{duplicate.number} was merged into {case.number} and is now closed.")
    ).to_be_visible()
    records = page.locator(".case-records")
    expect(records.get_by_text("Call back about the switch logs")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_page.screenshot("similar-merged")

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (CaseStatus.CLOSED, case.pk)
    assert Case.objects.get(pk=case.pk).open_commitment_count == 1
