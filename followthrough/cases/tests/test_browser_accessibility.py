"""Keyboard and screen-reader basics on the pages agents use all day."""

from __future__ import annotations

import pytest

from followthrough.cases.tests.factories import hand_off, open_case, promise
from followthrough.customers.tests.factories import ContactPhoneFactory

UNLABELLED_FIELDS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))
"""


@pytest.fixture
def busy_case(agent, agent2, tier1, tier2, contact):
    ContactPhoneFactory.create(contact=contact, number="+14155550134", raw="+1 415 555 0134")
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    promise(agent, case)
    hand_off(agent, case, to_team=tier2)
    return case


def test_every_field_on_the_workspace_pages_has_a_label(browser_page, agent, busy_case):
    browser_page.sign_in(agent)
    page = browser_page.page
    paths = [
        "/",
        f"/cases/{busy_case.pk}/",
        "/calls/new/?q=%2B1+415+555+0134",
        f"/customers/{busy_case.organization_id}/",
        "/search/?q=Printer",
    ]
    for path in paths:
        browser_page.goto(path)
        for summary in page.locator("details.action > summary").all():
            summary.click()
        assert page.evaluate(UNLABELLED_FIELDS) == [], path


def test_keyboard_reaches_the_content_and_focus_is_visible(browser_page, agent, busy_case):
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{busy_case.pk}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands on a control inside the page, and it is drawn with a focus ring.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
