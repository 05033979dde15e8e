"""In a real browser: the search box in the top bar, the ranked and highlighted results, the
kind tabs and the filters; hostile text in a note stays text. Saves the "search" screenshots
at desktop and phone widths."""

from __future__ import annotations

from playwright.sync_api import expect

from followthrough.cases.services import case_add_note
from followthrough.cases.tests.factories import log_call, open_case
from followthrough.customers.services import contact_create, organization_create, site_create


def test_searching_from_the_top_bar_and_narrowing_the_results(browser_page, agent, tier1):
    acme = organization_create(
        actor=agent, name="Acme Printing Works", notes="Key account, printer fleet of 40"
    )
    site_create(actor=agent, organization=acme, name="Print shop", city="Köln")
    maria = contact_create(
        actor=agent,
        organization=acme,
        name="Maria Printer",
        emails=["maria@acme.example"],
        phones=["+49 221 1234567"],
    )
    first = open_case(
        actor=agent,
        contact=maria,
        subject="Printer drops off the network every night",
        description="The printer shows <script>alert('x')</script> and loses its address.",
    )
    case_add_note(
        actor=agent,
        case=first,
        body="<script>alert('x')</script> Customer pasted this into the printer's web form.",
    )
    second = open_case(actor=agent, owner=None, team=tier1, subject="Scanner slow")
    log_call(agent, second, note="The printer beside the scanner works fine")
    open_case(actor=agent, subject="Phone system upgrade")

    browser_page.sign_in(agent)
    page = browser_page.page
    page.get_by_label("Search cases, customers and the knowledge base").fill("printer")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=printer")

    results = page.get_by_label("Everything that mentions it")
    expect(results.locator(".search-result")).to_have_count(4)
    expect(results.get_by_role("link", name=f"{first.number} Printer drops off")).to_be_visible()
    expect(results.locator("mark").first).to_have_text("Printer")
    # The pasted markup is text on the page; Maria is found by her surname too.
    expect(results.get_by_text("<script>alert('x')</script>", exact=False)).to_be_visible()
    assert page.locator("main script").count() == 0
    expect(results.get_by_role("link", name="Maria Printer")).to_be_visible()
    browser_page.screenshot("search")

    page.get_by_role("link", name="Cases", exact=True).click()
    page.wait_for_url("**kind=case**")
    expect(results.locator(".search-result")).to_have_count(2)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Team").select_option(label="Tier 1")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**team=**")
    expect(results.locator(".search-result")).to_have_count(1)
    expect(results.get_by_role("link", name=f"{second.number} Scanner slow")).to_be_visible()
    expect(results.get_by_text("Internal notes")).to_be_visible()
    browser_page.screenshot("search-filtered")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(browser_page.base_url + "/search/?q=printer")
    expect(
        page.get_by_label("Everything that mentions it").locator(".search-result")
    ).to_have_count(4)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width} px)"
    browser_page.screenshot("search-phone")

    # A hand-made URL with a bad date is refused in words, with the filters open to fix it.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(browser_page.base_url + "/search/?q=printer&opened_from=2026-02-30")
    expect(page.get_by_role("alert")).to_contain_text("Give the “opened from” date as a date")
    expect(page.get_by_label("Opened from")).to_be_visible()
    browser_page.screenshot("search-refused")
    # The refusal is a 400, which the browser reports; nothing else went wrong.
    assert browser_page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    browser_page.console_errors.clear()
