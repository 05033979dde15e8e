"""In a real browser: an agent finds a quarantined message in the mail log, reads it, releases
it into a new case and sees the case page with its mail panel loaded (at 1280 px and on a
phone). Saves the "mail-*" screenshots.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from followthrough.intake.models import InboundMessage, InboundSource, InboundState, Mailbox
from followthrough.intake.services.mail_inbound import inbound_message_process
from followthrough.intake.services.mail_store import inbound_mail_store

SUBJECT = "VPN drops every hour, full client log attached below"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOG_LINES = "".join(
    f"2026-11-16 09:{i // 60:02d}:{i % 60:02d} tunnel: keepalive timeout, reconnecting "
    f"(try {i})\r\n"
    for i in range(1000)
)


def raw(subject: str, sender: str, body: str, extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: Acme Support <support@desk.example>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((subject, sender)))}@acme.example>\r\n"
        "Date: Mon, 16 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def receive(mailbox: Mailbox, data: bytes) -> InboundMessage:
    message, _ = inbound_mail_store(mailbox=mailbox, raw=data, source=InboundSource.IMPORT)
    inbound_message_process(message.pk)
    message.refresh_from_db()
    return message


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_agent_releases_a_quarantined_message_into_a_new_case(browser_page, agent, tier1, settings):
    settings.FOLLOWTHROUGH_MAIL_MAX_BYTES = 64 * 1024
    mailbox = Mailbox.objects.create(
        name="Acme Support", address="support@desk.example", team=tier1
    )
    receive(
        mailbox,
        raw(
            "Out of office",
            "Tom Baker <tom@acme.example>",
            "I am away until Monday.",
            "Auto-Submitted: auto-replied\r\n",
        ),
    )
    receive(mailbox, raw("Who am I", "", "A message with no sender at all."))
    big = receive(
        mailbox,
        raw(
            SUBJECT,
            "Maria Lopez <maria@acme.example>",
            "Hello, the VPN drops every hour since the update. Here is the log:\r\n\r\n"
            + LOG_LINES,
        ),
    )
    assert big.state == InboundState.QUARANTINED

    browser_page.sign_in(agent)
    page = browser_page.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mail").click()
    expect(page.get_by_role("heading", name="Mail", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Quarantined")).to_have_attribute("aria-current", "page")
    table = page.get_by_role("table")
    expect(table.get_by_text("messages over")).to_be_visible()
    expect(table.get_by_text("The message has no usable sender address")).to_be_visible()
    expect(table.get_by_text("Out of office")).to_have_count(0)  # ignored, another tab
    browser_page.screenshot("mail-log")

    page.set_viewport_size(PHONE)
    page.reload()
    browser_page.screenshot("mail-log-phone")
    assert no_overflow(page)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name=f"Message {big.pk} (no subject)").click()
    # Too large to be processed, so never read: the page reads it for a preview.
    expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(page.get_by_text("Why it is quarantined:")).to_be_visible()
    expect(page.get_by_text("maria@acme.example")).to_be_visible()
    expect(page.get_by_text("tunnel: keepalive timeout, reconnecting (try 3)")).to_be_visible()
    expect(page.get_by_role("link", name="Download the original (.eml)")).to_be_visible()
    browser_page.screenshot("mail-message")

    page.set_viewport_size(PHONE)
    page.reload()
    browser_page.screenshot("mail-message-phone")
    assert no_overflow(page)
    page.set_viewport_size(DESKTOP)

    release = page.locator("#action-release")
    release.get_by_label("Case number").fill("")
    release.get_by_label("Note").fill("Too big for the usual rules; the log is what we need.")
    release.get_by_role("button", name="Release").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Released\. .* opened FT-\d+"))
    big.refresh_from_db()
    assert big.state == InboundState.PROCESSED
    assert big.case is not None and big.case.team == tier1

    page.get_by_role("link", name=big.case.number, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{big.case_id}/$"))
    panel = page.locator("#case-mail")
    expect(panel.get_by_role("heading", name="Email")).to_be_visible()
    expect(panel).to_contain_text("Public notes are emailed to maria@acme.example")
    expect(panel).to_contain_text("from support@desk.example")
    expect(panel.get_by_text("On a case")).to_be_visible()
    expect(panel.get_by_role("link", name="Show the case's email")).to_have_count(0)

    # A public note is emailed: the panel, loaded again with the case body, shows it queued.
    page.get_by_text("Add a note", exact=True).click()
    note = page.locator("#action-note")
    note.get_by_label("Note").fill("We are looking at the log; a fix follows today.")
    note.get_by_label("Public: the customer sees it").check()
    note.get_by_role("button", name="Add the note").click()
    expect(page.get_by_text("Public note added")).to_be_visible()
    panel = page.locator("#case-mail")
    expect(panel.get_by_text("Queued")).to_be_visible()
    expect(panel).to_contain_text("To maria@acme.example")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(browser_page.shots / "mail-case.png"))
    panel.screenshot(path=str(browser_page.shots / "mail-case-panel.png"))

    page.set_viewport_size(PHONE)
    page.reload()
    panel = page.locator("#case-mail")
    expect(panel).to_contain_text("Public notes are emailed to")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(browser_page.shots / "mail-case-phone.png"))
    panel.screenshot(path=str(browser_page.shots / "mail-case-panel-phone.png"))
    assert no_overflow(page)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Mail settings").first.click()
    expect(page.get_by_role("heading", name="Mail settings")).to_be_visible()
    page.get_by_label("A customer writes on my case").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Mail settings saved.")
    expect(page.get_by_label("A customer writes on my case")).not_to_be_checked()
    browser_page.screenshot("mail-settings")
