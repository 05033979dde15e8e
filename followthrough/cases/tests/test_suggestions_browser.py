"""In a real browser, DESIGN.md §1 story 1 as it should have gone: the agent opens the case,
the knowledge base suggests the list of incompatible products with the Vireo AV row and its
removal tool, and one click records that it solved the case. At desk and phone widths."""

from __future__ import annotations

from playwright.sync_api import expect

from followthrough.cases.models import CaseArticle, CaseEvent
from followthrough.cases.states import EventType
from followthrough.cases.tests.factories import open_case
from followthrough.cases.tests.suggestion_samples import (
    REMOVAL_TOOL,
    incompatible_products,
    vireo_case,
)
from followthrough.knowledge.models import Article

PHONE = {"width": 390, "height": 844}


def test_the_suggested_row_solves_the_case(browser_page, agent, tier1_lead, contact):
    kb = incompatible_products(tier1_lead)
    case = vireo_case(agent, contact)
    duplicate = open_case(
        actor=agent,
        subject="ShieldGuard install stops: Vireo AV still detected",
        contact=contact,
    )
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{case.pk}/")

    panel = page.locator("#case-suggestions")
    expect(panel.get_by_role("heading", name="Suggested articles")).to_be_visible()
    article_link = panel.get_by_role("link", name=kb.article.title)
    expect(article_link).to_be_visible()
    row = panel.locator(f"#suggested-row-{kb.vireo.pk}")
    expect(row.get_by_role("cell", name="Vireo AV", exact=True)).to_be_visible()
    expect(row.get_by_text("Vireo Software")).to_be_visible()
    tool = row.get_by_role("link", name=REMOVAL_TOOL)
    expect(tool).to_have_attribute("href", REMOVAL_TOOL)
    expect(tool).to_have_attribute("target", "_blank")
    expect(tool).to_have_attribute("rel", "noopener noreferrer nofollow")
    similar = page.locator("#case-similar")
    expect(similar.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    expect(similar.get_by_role("link", name=duplicate.subject)).to_be_visible()
    expect(similar.get_by_text("same customer", exact=True)).to_be_visible()
    browser_page.screenshot("suggestions-case")

    row.get_by_role("button", name="This solved it").click()

    expect(
        page.get_by_text(f"Marked “{kb.article.title}” as the solution of {case.number}.")
    ).to_be_visible()
    solutions = page.locator("#case-suggestions .solutions")
    expect(solutions.get_by_role("link", name=kb.article.title)).to_be_visible()
    expect(solutions.get_by_role("button", name="Undo")).to_be_visible()
    expect(
        page.locator(f"#suggested-row-{kb.vireo.pk}").get_by_text("Solution", exact=True)
    ).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("Marked as the solution", exact=True)).to_be_visible()
    expect(timeline.get_by_text(kb.article.title)).to_be_visible()
    browser_page.screenshot("suggestions-solved")
    page.locator("#case-suggestions").screenshot(
        path=str(browser_page.shots / "suggestions-panel.png")
    )

    solution = CaseArticle.objects.get(case=case)
    assert (solution.article_id, solution.row_id, solution.linked_by_id) == (
        kb.article.pk,
        kb.vireo.pk,
        agent.pk,
    )
    assert Article.objects.get(pk=kb.article.pk).solved_count == 1
    assert CaseEvent.objects.filter(case=case, type=EventType.ARTICLE_SOLVED).count() == 1

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#case-suggestions .solutions")).to_be_visible()
    expect(page.locator(f"#suggested-row-{kb.vireo.pk}")).to_be_visible()
    expect(
        page.locator("#case-similar").get_by_role("link", name=duplicate.subject)
    ).to_be_visible()
    # Nothing sticks out sideways at phone width (wide tables scroll inside their box).
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#case-suggestions").screenshot(
        path=str(browser_page.shots / "suggestions-panel-phone.png")
    )
    browser_page.screenshot("suggestions-case-phone")
