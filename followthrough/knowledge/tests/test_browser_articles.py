"""In a real browser: an agent writes an article whose Markdown holds hostile links and a
script (BAD_INPUTS.md item 4), previews and saves it, and nothing runs and no javascript: or
data: link reaches the page; then edits its table (a refused link, then a good one), reads
the diff, and a lead publishes it. Saves the "kb-*" screenshots at 1280 px and on a phone.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from followthrough.knowledge.models import Article, ArticleStatus, TableRow
from followthrough.knowledge.tests.factories import VendorFactory

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}

HOSTILE_BODY = """ShieldGuard refuses to install next to **another antivirus**.

## Links people pasted

- [run this](javascript:alert(1))
- [or this](JaVaScRiPt:alert(2))
- [twice](javascript:javascript:alert(3))
- [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)
- [entity](&#106;avascript:alert(5))
- <javascript:alert(6)>
- ![pixel](http://169.254.169.254/latest/meta-data/)
- [the vendor's page](https://support.vireo.example/removal)

<script>alert(7)</script>
<img src=x onerror=alert(8)>
"""

ALL_HREFS = "Array.from(document.querySelectorAll('[href]'), e => e.getAttribute('href'))"
ALL_SOURCES = "Array.from(document.querySelectorAll('[src]'), e => e.getAttribute('src'))"


def assert_inert(page: Page) -> None:
    """No script ran, no link with a forbidden scheme and no image from the text is in the page."""
    hrefs = [h.strip().lower() for h in page.evaluate(ALL_HREFS)]
    assert not [h for h in hrefs if h.startswith(("javascript:", "data:", "vbscript:"))], hrefs
    sources = page.evaluate(ALL_SOURCES)
    assert all(s.startswith("/static/") for s in sources), sources
    assert page.locator("main script").count() == 0
    assert page.locator("main img").count() == 0


def fits(page: Page) -> None:
    size = page.viewport_size
    assert size is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_agent_writes_hostile_markdown_edits_a_table_and_reads_the_diff(
    browser_page, agent, tier1_lead
):
    VendorFactory.create(name="Vireo Software")
    browser_page.sign_in(agent)
    page = browser_page.page

    page.get_by_role("link", name="Knowledge base").click()
    page.wait_for_url("**/kb/")
    page.get_by_role("link", name="Write an article").click()
    page.get_by_label("Title").fill("ShieldGuard will not install: remnants of another antivirus")
    page.get_by_label("Text").fill(HOSTILE_BODY)
    page.get_by_label("Category").fill("Antivirus")
    page.get_by_label("Tags").fill("install, Remnants")
    page.get_by_label("Products").fill("ShieldGuard Endpoint, Vireo AV")

    # The preview is rendered by the server and swapped in by htmx.
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Links people pasted")).to_be_visible()
    expect(preview.get_by_role("link", name="the vendor's page")).to_have_attribute(
        "href", "https://support.vireo.example/removal"
    )
    expect(preview.get_by_text("<script>alert(7)</script>")).to_be_visible()
    assert_inert(page)
    browser_page.screenshot("kb-article-form")

    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/kb/articles/\d+/$"))
    article = Article.objects.get()
    expect(page.get_by_text("Article saved as a draft.")).to_be_visible()
    body = page.locator(".md-body")
    expect(body.get_by_text("[run this](javascript:alert(1))")).to_be_visible()
    expect(body.get_by_text("<img src=x onerror=alert(8)>")).to_be_visible()
    expect(body.get_by_role("link", name="Image: pixel")).to_have_attribute(
        "href", "http://169.254.169.254/latest/meta-data/"
    )
    expect(body.get_by_role("link", name="the vendor's page")).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )
    assert body.get_by_role("link").count() == 2
    assert_inert(page)
    assert browser_page.dialogs == []

    # The table: a refused link keeps what was typed and names the column; then a good row.
    page.get_by_role("link", name="Edit tables").click()
    page.wait_for_url(f"**/kb/articles/{article.pk}/tables/")
    page.get_by_label("Table name").fill("Incompatible products")
    page.get_by_label("Column 1 name").fill("Product")
    page.get_by_label("Column 2 name").fill("Vendor")
    page.get_by_label("Column 2 type").select_option("vendor")
    page.get_by_label("Column 3 name").fill("Removal tool")
    page.get_by_label("Column 3 type").select_option("url")
    page.get_by_role("button", name="Add the table").click()
    expect(page.get_by_text("Table “Incompatible products” added")).to_be_visible()
    section = page.locator("section.kb-table-editor")
    add_row = section.locator("form.kb-add-row")
    add_row.get_by_label("Product").fill("Vireo AV")
    add_row.get_by_label("Vendor").select_option(label="Vireo Software")
    add_row.get_by_label("Removal tool").fill("javascript:alert(9)")
    add_row.get_by_role("button", name="Add the row").click()
    refusal = page.locator("section.kb-table-editor form.kb-add-row .refusal")
    expect(refusal).to_contain_text("“Removal tool”: a link must start with http://")
    add_row = page.locator("section.kb-table-editor form.kb-add-row")
    expect(add_row.get_by_label("Product")).to_have_value("Vireo AV")
    expect(add_row.get_by_label("Removal tool")).to_have_value("javascript:alert(9)")
    assert not TableRow.objects.exists()
    add_row.get_by_label("Removal tool").fill("https://support.vireo.example/removal-tool")
    add_row.get_by_role("button", name="Add the row").click()
    expect(page.locator("section.kb-table-editor .kb-done")).to_have_text("Row added.")
    row = TableRow.objects.get()
    expect(page.locator(f"#row-{row.pk}")).to_contain_text("Vireo Software")
    assert_inert(page)
    browser_page.screenshot("kb-table-editor")
    page.set_viewport_size(PHONE)
    fits(page)
    browser_page.screenshot("kb-table-editor-phone")
    page.set_viewport_size(DESK)

    # The article shows the row, anchored, with the tool opening in a new tab.
    browser_page.goto(f"/kb/articles/{article.pk}/#row-{row.pk}")
    link = page.locator(f"#row-{row.pk}").get_by_role("link", name=re.compile("removal-tool"))
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(
        page.locator(f"#row-{row.pk}").get_by_role("link", name="Vireo Software")
    ).to_be_visible()
    assert_inert(page)
    browser_page.screenshot("kb-article")
    page.set_viewport_size(PHONE)
    page.reload()
    fits(page)
    browser_page.screenshot("kb-article-phone")
    page.set_viewport_size(DESK)

    # The history and the diff of the last change: the row that was added.
    page.get_by_role("link", name="History").click()
    expect(
        page.get_by_role("cell", name="Added the row “Vireo AV” to “Incompatible products”")
    ).to_be_visible()
    page.get_by_role("link", name="Changes").first.click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Changes from version 2 to 3"))
    ).to_be_visible()
    added = page.locator("li.kb-diff-add")
    expect(added).to_have_count(1)
    expect(added).to_contain_text(
        "Row: Product: Vireo AV | Vendor: Vireo Software | "
        "Removal tool: https://support.vireo.example/removal-tool"
    )
    browser_page.screenshot("kb-diff")
    page.set_viewport_size(PHONE)
    page.reload()
    fits(page)
    browser_page.screenshot("kb-diff-phone")
    page.set_viewport_size(DESK)

    # Versions 1 to 3 in one diff: the table as a whole.
    page.get_by_label("From version").select_option("1")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Tables")).to_be_visible()
    assert_inert(page)

    # The list, where the new draft waits for a lead.
    browser_page.goto("/kb/")
    expect(
        page.get_by_role("link", name="ShieldGuard will not install: remnants of another antivirus")
    ).to_be_visible()
    browser_page.screenshot("kb-home")
    page.set_viewport_size(PHONE)
    page.reload()
    fits(page)
    browser_page.screenshot("kb-home-phone")
    assert browser_page.dialogs == []


def test_lead_publishes_from_the_article_page(browser_page, agent, tier1_lead):
    from followthrough.knowledge.tests.factories import write_article

    article = write_article(agent, title="Resetting the FX-200 modem", body="Hold **reset**.")
    browser_page.sign_in(tier1_lead)
    page = browser_page.page
    browser_page.goto(f"/kb/articles/{article.pk}/")
    page.get_by_label("Note").fill("Checked on a real modem")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: staff can read it now.")).to_be_visible()
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.revisions.get(number=2).summary == "Published: Checked on a real modem"
