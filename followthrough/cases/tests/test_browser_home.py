"""In a real browser: signing in, the queues, and hostile text staying text."""

from __future__ import annotations

from followthrough.cases.tests.factories import in_hours, open_case

HOSTILE = "<script>alert('subject')</script><img src=x onerror=alert('img')>"


def test_agent_signs_in_and_sees_the_queues(browser_page, agent, tier1):
    open_case(actor=agent, owner=agent, team=tier1, subject="Router reboots every night")
    open_case(
        actor=agent,
        owner=None,
        team=tier1,
        subject="Printer offline after firmware update",
        next_step_due=in_hours(0.5),
    )
    browser_page.sign_in(agent)
    page = browser_page.page
    assert page.get_by_role("heading", name="Queues").is_visible()
    assert page.get_by_text("Router reboots every night").is_visible()
    browser_page.screenshot("home")
    page.get_by_role("link", name="Team queue").click()
    assert page.get_by_text("Printer offline after firmware update").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    browser_page.screenshot("home-phone")


def test_hostile_subject_renders_as_text(browser_page, agent, tier1):
    open_case(actor=agent, owner=agent, team=tier1, subject=HOSTILE)
    browser_page.sign_in(agent)
    assert browser_page.page.get_by_text(HOSTILE).is_visible()
    assert browser_page.dialogs == []


def test_take_next_from_the_button(browser_page, agent, tier1):
    case = open_case(actor=agent, owner=None, team=tier1, subject="Unowned and urgent")
    browser_page.sign_in(agent)
    browser_page.page.get_by_role("button", name="Take next case from Tier 1").click()
    browser_page.page.wait_for_url(f"**/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.owner == agent
