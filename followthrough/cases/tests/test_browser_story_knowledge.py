"""Story 1 of DESIGN.md §1, end to end in a real browser: the agent searches "Brand X
uninstall", finds the incompatible-products row with the vendor's removal-tool link, refers the
customer to the vendor with a promise to check back, the promise falls due and its owner is
told, and the promise is kept when the agent solves it with the removal tool.
Screenshots: "story-knowledge-*" in var/screenshots/."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from followthrough.cases.models import CaseArticle, Commitment, Notification, Referral
from followthrough.cases.services.deadlines import commitments_notice_due
from followthrough.cases.states import (
    CommitmentKind,
    CommitmentStatus,
    NotificationKind,
    ReferralOutcome,
)
from followthrough.cases.tests.test_browser_stories_case import typed_time
from followthrough.cases.tests.test_referrals import antivirus_case, make_vendor, us_numbers
from followthrough.knowledge.models import ColumnType
from followthrough.knowledge.services.tables import row_add, table_create
from followthrough.knowledge.tests.factories import published_article

__all__ = ["us_numbers"]  # the fixture, imported so pytest finds it here

REMOVAL_TOOL = "https://help.brandx.example/tools/bx-uninstall-utility"


def incompatible_products(author, publisher, vendor):
    article = published_article(
        author,
        publisher,
        title="Products incompatible with ShieldGuard Endpoint",
        body="ShieldGuard will not install next to another security product or its remnants. "
        "Find the product below and remove it with the customer.",
    )
    table = table_create(
        actor=author,
        article=article,
        name="Incompatible products",
        columns=[
            ("Product", ColumnType.TEXT),
            ("Vendor", ColumnType.VENDOR),
            ("How to remove", ColumnType.TEXT),
            ("Removal tool", ColumnType.URL),
        ],
    )
    ids = [str(c.pk) for c in table.columns.order_by("position", "id")]
    row_add(
        actor=author,
        table=table,
        cells=dict(
            zip(
                ids,
                [
                    "Lumen Antivirus",
                    vendor.pk,
                    "Run the Lumen cleaner.",
                    "https://lumen.example/cleaner",
                ],
                strict=True,
            )
        ),
    )
    row = row_add(
        actor=author,
        table=table,
        cells=dict(
            zip(
                ids,
                [
                    "Brand X Total Security",
                    vendor.pk,
                    "Uninstall Brand X, reboot into safe mode, run the Brand X uninstall "
                    "utility, reboot.",
                    REMOVAL_TOOL,
                ],
                strict=True,
            )
        ),
    )
    return article, row


def test_story_one_search_refer_follow_up_kept(browser_page, agent, tier1_lead, contact):
    vendor = make_vendor(tier1_lead, "Brand X Security")
    article, row = incompatible_products(tier1_lead, tier1_lead, vendor)
    case = antivirus_case(agent, contact)
    browser_page.sign_in(agent)
    page = browser_page.page

    # 1. The agent searches from the box at the top of every page.
    browser_page.goto("/")
    page.locator("#global-search").fill("Brand X uninstall")
    page.locator("#global-search").press("Enter")
    results = page.get_by_role("region", name="Everything that mentions it")
    hit = results.get_by_role(
        "link", name="Products incompatible with ShieldGuard Endpoint — Incompatible products"
    )
    expect(hit).to_be_visible()
    expect(results.locator("mark", has_text="uninstall").first).to_be_visible()
    browser_page.screenshot("story-knowledge-search")

    # 2. The row, with the vendor's removal tool one click away.
    hit.click()
    found = page.locator(f"#row-{row.pk}")
    expect(found).to_be_visible()
    tool = found.get_by_role("link", name=REMOVAL_TOOL)
    expect(tool).to_have_attribute("href", REMOVAL_TOOL)
    assert "noopener" in (tool.get_attribute("rel") or "")
    expect(found.get_by_role("link", name="Brand X Security")).to_be_visible()
    browser_page.screenshot("story-knowledge-row")

    # 3. The customer wants the vendor to confirm first: refer, and promise to check back.
    browser_page.goto(f"/cases/{case.pk}/")
    page.get_by_text("Refer to a vendor", exact=True).click()
    panel = page.locator("#action-refer")
    panel.get_by_label("Vendor", exact=True).select_option(label="Brand X Security")
    panel.get_by_label("What they should ask the vendor for").fill(
        "Confirm the Brand X licence is cancelled and send the uninstall utility."
    )
    panel.get_by_label("Check back with the customer by").fill(typed_time(agent, 2))
    panel.get_by_role("button", name="Refer and promise to check back").click()
    referrals = page.get_by_role("region", name="Referrals")
    expect(referrals.get_by_text("(promise open)")).to_be_visible()
    referral = Referral.objects.get(case=case)
    promise = referral.commitment
    assert promise.kind == CommitmentKind.REFERRAL_FOLLOW_UP
    assert promise.status == CommitmentStatus.OPEN

    # 4. Two hours later the follow-up falls due; the deadline scan tells its owner.
    Commitment.objects.filter(pk=promise.pk).update(due_at=promise.due_at - dt.timedelta(hours=3))
    assert commitments_notice_due() == 1
    browser_page.goto("/")
    notifications = page.get_by_role("region", name="Notifications")
    expect(
        notifications.get_by_text("Check back with the customer about Brand X Security")
    ).to_be_visible()
    browser_page.screenshot("story-knowledge-due")
    assert Notification.objects.filter(
        user=agent, kind=NotificationKind.PROMISE_DUE, case=case
    ).exists()

    # 5. The vendor never answered; the agent removes it with the tool and keeps the promise.
    browser_page.goto(f"/cases/{case.pk}/")
    referrals = page.get_by_role("region", name="Referrals")
    referrals.get_by_text("Record the outcome").click()
    outcome = page.locator(f"#action-referral-{referral.pk}")
    outcome.get_by_label("We solved it ourselves").check()
    outcome.get_by_label("Note").fill("Brand X never answered; removed it with their utility.")
    outcome.get_by_label("Next step").fill("Confirm the ShieldGuard install finished")
    outcome.get_by_label("Due").fill(typed_time(agent, 2))
    outcome.get_by_role("button", name="Save the outcome").click()
    expect(referrals.get_by_text("(promise kept)")).to_be_visible()

    suggestions = page.locator("#case-suggestions")
    expect(suggestions.get_by_role("link", name=REMOVAL_TOOL)).to_be_visible()
    suggestions.get_by_role("button", name="This solved it").first.click()
    expect(suggestions.get_by_text("Marked as the solution").first).to_be_visible()
    browser_page.screenshot("story-knowledge-kept")

    promise.refresh_from_db()
    referral.refresh_from_db()
    article.refresh_from_db()
    assert promise.status == CommitmentStatus.KEPT
    assert referral.outcome == ReferralOutcome.WE_SOLVED
    assert CaseArticle.objects.filter(case=case, article=article).count() == 1
    assert article.solved_count == 1
