"""In a real browser: a lead reads the knowledge report at desk and phone widths."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from followthrough.cases.services import case_mark_solution
from followthrough.cases.tests.suggestion_samples import (
    incompatible_products,
    publish,
    vireo_case,
)
from followthrough.core.search import search_log
from followthrough.knowledge.models import ArticleVisibility
from followthrough.knowledge.services.articles import article_create

PHONE = {"width": 390, "height": 844}


def test_a_lead_reads_the_knowledge_report(browser_page, tier1_lead, agent, contact):
    kb = incompatible_products(tier1_lead)
    case_mark_solution(actor=agent, case=vireo_case(agent, contact), article=kb.article)
    for text in ("VPN token expired", "vpn token expired", "printer duplex"):
        search_log(user_id=agent.pk, query=text, kinds=["article"], result_count=0)
    stale = article_create(
        actor=tier1_lead,
        title="Resetting the EdgeSwitch to factory settings",
        body="Hold the reset button for ten seconds.",
        visibility=ArticleVisibility.INTERNAL,
        owner=agent,
        review_by=timezone.localdate() - dt.timedelta(days=12),
    )
    publish(tier1_lead, stale)
    browser_page.sign_in(tier1_lead)
    page = browser_page.page
    browser_page.goto("/reports/knowledge/")

    expect(page.get_by_role("heading", name="Knowledge report")).to_be_visible()
    solved = page.get_by_role("region", name="Solved the most cases")
    expect(solved.get_by_role("link", name=kb.article.title)).to_be_visible()
    empty = page.get_by_role("region", name="Searches that found nothing")
    expect(empty.get_by_role("row", name="vpn token expired 2")).to_be_visible()
    overdue = page.get_by_role("region", name="Past their review date")
    expect(overdue.get_by_role("link", name=stale.title)).to_be_visible()
    expect(overdue.get_by_text(agent.display_name)).to_be_visible()
    expect(overdue.get_by_text("12 days overdue")).to_be_visible()
    browser_page.screenshot("kb-report")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("heading", name="Knowledge report")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser_page.screenshot("kb-report-phone")
