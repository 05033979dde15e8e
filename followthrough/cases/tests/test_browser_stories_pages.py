"""In a real browser: hostile text stays text on every page that shows it, and the customer
page an agent opens from a case. Also saves the "home" screenshot of a busy queue.
"""

from __future__ import annotations

from playwright.sync_api import expect

from followthrough.cases.models import Case, Note
from followthrough.cases.services import case_add_note
from followthrough.cases.states import OPEN_STATUSES, Priority
from followthrough.cases.tests.factories import in_hours, log_call, open_case, promise
from followthrough.customers.tests.factories import (
    AssetFactory,
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    OrganizationFactory,
    SiteFactory,
)

HOSTILE_SUBJECT = "<script>alert(1)</script> Printer <img src=x onerror=alert(2)>"
HOSTILE_NOTE = "<img src=x onerror=alert(2)> and <script>alert(1)</script>"
TYPED_NOTE = "<script>alert(3)</script><img src=x onerror=alert(4)> typed into the page"


def test_hostile_subject_and_note_render_as_text(browser_page, agent, tier1, contact):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact, subject=HOSTILE_SUBJECT)
    case_add_note(actor=agent, case=case, body=HOSTILE_NOTE)
    browser_page.sign_in(agent)
    page = browser_page.page

    # The queue: the subject is a link whose text is the markup, not an element.
    expect(page.get_by_role("link", name=HOSTILE_SUBJECT)).to_be_visible()

    page.get_by_role("link", name=HOSTILE_SUBJECT).click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(page.get_by_role("heading", name=HOSTILE_SUBJECT)).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text(HOSTILE_NOTE)).to_be_visible()

    # A note typed into the page's note form comes back as text too.
    page.get_by_text("Add a note", exact=True).click()
    panel = page.locator("#action-note")
    panel.get_by_label("Note").fill(TYPED_NOTE)
    expect(panel.get_by_label("Internal: agents only")).to_be_checked()
    panel.get_by_role("button", name="Add the note").click()
    expect(page.get_by_text("Internal note added.")).to_be_visible()
    expect(timeline.get_by_text(TYPED_NOTE)).to_be_visible()
    # Reloaded from the server rather than swapped in by htmx: still text.
    page.reload()
    expect(page.locator("#timeline").get_by_text(TYPED_NOTE)).to_be_visible()
    expect(page.locator("#timeline").get_by_text(HOSTILE_NOTE)).to_be_visible()

    # Search results echo the query and list the case, both as text.
    page.get_by_label("Search cases, customers and the knowledge base").fill(HOSTILE_SUBJECT)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=*")
    expect(page.locator(".query-echo")).to_have_text(HOSTILE_SUBJECT)
    cases = page.get_by_label("Everything that mentions it")
    expect(cases.get_by_role("link", name=HOSTILE_SUBJECT)).to_be_visible()

    # Nothing became markup: no script ran (the fixture fails on any dialog), no image
    # was requested (a broken image would log a console error), none is in the page.
    for path in ("/", f"/cases/{case.pk}/"):
        browser_page.goto(path)
        assert page.locator("main img").count() == 0
        assert page.locator("main script").count() == 0
    assert browser_page.dialogs == []
    # And the text was stored as typed, not mangled.
    typed = Note.objects.filter(case=case).order_by("-id").first()
    assert typed is not None
    assert (typed.body, typed.author) == (TYPED_NOTE, agent)
    assert Case.objects.get(pk=case.pk).subject == HOSTILE_SUBJECT


def busy_desk(agent, tier1, contact):
    """A morning's work: cases at three customers with promises, contacts and products."""
    contact.time_zone = "America/Los_Angeles"
    contact.save(update_fields=["time_zone"])
    site = SiteFactory.create(
        organization=contact.organization,
        name="Head office",
        address="500 Market Street",
        city="San Francisco",
        postcode="94105",
        country="US",
        time_zone="America/Los_Angeles",
    )
    asset = AssetFactory.create(
        organization=contact.organization,
        site=site,
        product="EdgeSwitch 48",
        serial_number="ES48-00912",
        warranty_end=in_hours(24 * 200).date(),
    )
    ContactPhoneFactory.create(contact=contact, number="+14155550134", raw="(415) 555-0134")
    ContactEmailFactory.create(contact=contact, address="maria.lopez@acme.example")
    colleague = ContactFactory.create(
        organization=contact.organization, name="Tom Becker", time_zone="America/Los_Angeles"
    )
    ContactPhoneFactory.create(contact=colleague, number="+14155550188", raw="415 555 0188")
    other = ContactFactory.create(
        organization=OrganizationFactory.create(name="Brightline Dental"), name="Helen Ortiz"
    )
    third = ContactFactory.create(
        organization=OrganizationFactory.create(name="Northwind Books"), name="Sam Okafor"
    )
    switch = open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        contact=contact,
        asset=asset,
        subject="EdgeSwitch drops every port at night",
        priority=Priority.P2,
        next_step="Read the switch log with Maria",
        next_step_due=in_hours(1.5),
    )
    log_call(agent, switch, note="All ports drop around 2 am; log requested.")
    promise(agent, switch, description="Call Maria back with the log analysis", due_at=in_hours(3))
    open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        contact=colleague,
        subject="VPN client asks for a certificate on every start",
        next_step="Send Tom the new profile",
        next_step_due=in_hours(6),
    )
    open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        contact=other,
        subject="Reception printer offline after the firmware update",
        priority=Priority.P1,
        next_step="Walk Helen through the driver rollback",
        next_step_due=in_hours(0.5),
    )
    open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        contact=third,
        subject="Antivirus will not install: remnants of another product",
        next_step="Check back after she contacts the vendor",
        next_step_due=in_hours(26),
    )
    open_case(actor=agent, owner=None, team=tier1, contact=other, subject="Second screen flickers")
    return switch


def test_customer_page(browser_page, agent, tier1, contact):
    switch = busy_desk(agent, tier1, contact)
    organization = contact.organization
    browser_page.sign_in(agent)
    page = browser_page.page

    # Home, with a morning's work: most urgent first.
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Reception printer offline after the firmware update")
    expect(rows.last).to_contain_text("Antivirus will not install")
    browser_page.screenshot("home")

    # From the case page, the customer link opens the organisation.
    page.get_by_role("link", name=switch.subject).click()
    page.wait_for_url(f"**/cases/{switch.pk}/")
    page.locator(".case-customer").get_by_role("link", name="Acme Networks").click()
    page.wait_for_url(f"**/customers/{organization.pk}/")
    expect(page.get_by_role("heading", name="Acme Networks", level=1)).to_be_visible()
    open_cases = page.get_by_label("Open cases")
    expect(
        open_cases.get_by_role("link", name="EdgeSwitch drops every port at night")
    ).to_be_visible()
    expect(open_cases.get_by_role("link", name="VPN client asks for a certificate")).to_be_visible()
    expect(open_cases.get_by_text("Brightline Dental")).to_have_count(0)
    expect(open_cases.get_by_text("Adam Agent").first).to_be_visible()
    contacts = page.get_by_label("Contacts")
    expect(contacts.get_by_role("link", name="Maria Lopez")).to_be_visible()
    expect(contacts.get_by_text("maria.lopez@acme.example")).to_be_visible()
    expect(contacts.get_by_role("link", name="Tom Becker")).to_be_visible()
    expect(page.get_by_label("Sites").get_by_text("Head office")).to_be_visible()
    products = page.get_by_label("Products")
    expect(products.get_by_text("ES48-00912")).to_be_visible()
    expect(products.get_by_text("Under warranty until")).to_be_visible()
    browser_page.screenshot("customer-page")

    # What the page counts is what the database holds.
    shown = int(open_cases.locator(".count").inner_text())
    assert shown == Case.objects.filter(organization=organization, status__in=OPEN_STATUSES).count()
    assert shown == 2
