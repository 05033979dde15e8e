"""In a real browser, the stories of DESIGN.md §1 that start with a phone call: a Tier 1
agent logs a call and refers the customer; the customer calls back and a second agent sees
the history; a call logged at phone width.

Each story drives the pages the way a person does (labels, button names, visible text) and
then checks the database the pages wrote to.
"""

from __future__ import annotations

import re
import zoneinfo

from playwright.sync_api import expect

from followthrough.accounts.models import User
from followthrough.cases.models import Case, Commitment, Interaction
from followthrough.cases.states import (
    CaseStatus,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    Disposition,
)
from followthrough.cases.tests.factories import in_hours, log_call, open_case, promise
from followthrough.customers.tests.factories import ContactPhoneFactory

MARIA_PHONE = "+14155550134"
REFERRAL_NOTE = "Not our product: told Maria to ask the other vendor to remove its remnants"
FOLLOW_UP = "Check back with Maria after she contacts the vendor"


def typed_time(user: User, hours: float) -> str:
    """A time `hours` from now as the user types it into <input type="datetime-local">."""
    zone = zoneinfo.ZoneInfo(user.time_zone)
    return in_hours(hours).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def maria_phone(contact):
    contact.time_zone = "America/Los_Angeles"
    contact.save(update_fields=["time_zone"])
    return ContactPhoneFactory.create(contact=contact, number=MARIA_PHONE, raw="(415) 555-0134")


def referred_case(agent, tier1, contact) -> Case:
    """The first call's result, on file: a referral with its follow-up promise."""
    case = open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        organization=contact.organization,
        contact=contact,
        subject="Antivirus will not install: remnants of another product",
        next_step="Check whether the other vendor answered",
        next_step_due=in_hours(24),
    )
    log_call(agent, case, disposition=Disposition.REFERRED, note=REFERRAL_NOTE)
    promise(
        agent,
        case,
        kind=CommitmentKind.REFERRAL_FOLLOW_UP,
        description=FOLLOW_UP,
        due_at=in_hours(24),
    )
    case.refresh_from_db()
    return case


def test_tier1_agent_logs_a_call_and_refers_the_customer(browser_page, agent, tier1, contact):
    maria_phone(contact)
    browser_page.sign_in(agent)
    page = browser_page.page

    # The phone rings: the agent types the caller's number as it shows, in another format.
    page.get_by_role("link", name="New call").click()
    page.get_by_label("Who is calling?").fill("415.555.0134")
    page.get_by_role("button", name="Find the caller").click()
    caller = page.get_by_label("Caller")
    expect(caller.get_by_text("Maria Lopez")).to_be_visible()
    expect(caller.get_by_text("Acme Networks")).to_be_visible()
    expect(caller.get_by_text("Found by phone number")).to_be_visible()
    expect(caller.get_by_text("0 open cases")).to_be_visible()
    browser_page.screenshot("lookup")

    # Not our product: the agent opens a case from the call and refers her to the vendor.
    page.get_by_label("Subject").fill("Antivirus will not install: remnants of another product")
    page.get_by_label("What the caller said").fill(REFERRAL_NOTE)
    page.get_by_label("How the call ended").select_option(label="Referred to a third party")
    page.get_by_role("textbox", name="Next step").fill("Check whether the other vendor answered")
    page.get_by_label("Due").fill(typed_time(agent, 24))
    expect(page.get_by_label("Me (Adam Agent)")).to_be_checked()
    page.get_by_role("button", name="Open the case and log this call").click()
    # The form posts to .../open-case/#open-case, so the new case's address keeps that anchor.
    page.wait_for_url(re.compile(r"/cases/\d+/(#open-case)?$"))
    case = Case.objects.get(contact=contact)
    expect(page.get_by_role("heading", name=case.subject)).to_be_visible()
    expect(page.get_by_text(f"{case.number} opened")).to_be_visible()

    # On the case page: the referral is a promise with a follow-up date.
    page.get_by_text("Add a promise", exact=True).click()
    panel = page.locator("#action-promise")
    expect(panel.get_by_label("We owe the customer")).to_be_checked()
    panel.get_by_label("What is promised").fill(FOLLOW_UP)
    panel.get_by_label("Kind").select_option(label="Follow-up after a referral")
    panel.get_by_label("Due").fill(typed_time(agent, 48))
    panel.get_by_role("button", name="Record the promise").click()
    expect(page.get_by_text("Promise recorded.")).to_be_visible()
    promises = page.get_by_label("Open promises")
    expect(promises.get_by_text(FOLLOW_UP)).to_be_visible()
    expect(promises.get_by_text("Follow-up after a referral")).to_be_visible()
    brief = page.get_by_label("Brief")
    expect(brief.get_by_text("Adam Agent", exact=True)).to_be_visible()
    expect(brief.get_by_text("1 open promise")).to_be_visible()
    expect(brief.get_by_text("1st contact")).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("Phone · inbound · Referred to a third party")).to_be_visible()
    expect(timeline.get_by_text(REFERRAL_NOTE)).to_be_visible()
    browser_page.screenshot("case-page")

    case.refresh_from_db()
    assert case.owner == agent
    assert case.team == tier1
    assert case.organization == contact.organization
    assert case.status in (CaseStatus.NEW, CaseStatus.OPEN)
    assert case.next_step == "Check whether the other vendor answered"
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (1, 1, 1)
    call = Interaction.objects.get(case=case)
    assert (call.agent, call.disposition, call.note) == (agent, Disposition.REFERRED, REFERRAL_NOTE)
    follow_up = Commitment.objects.get(case=case)
    assert follow_up.kind == CommitmentKind.REFERRAL_FOLLOW_UP
    assert follow_up.owed_by == CommitmentParty.US
    assert follow_up.status == CommitmentStatus.OPEN
    assert follow_up.owner == agent
    assert follow_up.description == FOLLOW_UP


def test_customer_calls_back_and_the_second_agent_sees_the_history(
    browser_page, agent, agent2, tier1, contact
):
    maria_phone(contact)
    case = referred_case(agent, tier1, contact)
    browser_page.sign_in(agent2)
    page = browser_page.page

    # An hour later Maria calls again; Bea takes the call and types the number as it shows.
    page.get_by_role("link", name="New call").click()
    page.get_by_label("Who is calling?").fill("+1 415 555 0134")
    page.get_by_role("button", name="Find the caller").click()
    returning = page.locator("section.returning")
    expect(returning.get_by_text("Returning caller")).to_be_visible()
    expect(returning.get_by_role("heading", name="Maria Lopez has an open case")).to_be_visible()
    expect(returning.get_by_text(case.subject)).to_be_visible()
    expect(returning.get_by_text(f"Adam Agent, {agent.direct_line}")).to_be_visible()
    expect(returning.get_by_text("1 logged, 1 agent involved")).to_be_visible()
    # Her open case is offered before the form to open a new one.
    new_case = page.get_by_role("heading", name="Open a new case from this call")
    assert returning.bounding_box()["y"] < new_case.bounding_box()["y"]

    page.get_by_role("link", name=f"Log this call on {case.number}").click()
    page.wait_for_url(f"**/cases/{case.pk}/?action=log-call")
    # The history is there before she says a word: the owner, the referral, the promise.
    brief = page.get_by_label("Brief")
    expect(brief.get_by_text("Adam Agent", exact=True)).to_be_visible()
    expect(page.locator("#timeline").get_by_text(REFERRAL_NOTE)).to_be_visible()
    expect(page.get_by_label("Open promises").get_by_text(FOLLOW_UP)).to_be_visible()

    # The log-call panel is already open.
    panel = page.locator("#action-call")
    expect(panel).to_have_attribute("open", "")
    panel.get_by_label("Disposition").select_option(label="Information given")
    note = "Vendor never answered. Walked Maria through the removal tool; install works now."
    panel.get_by_label("Note").fill(note)
    expect(panel.get_by_label("Confirm the current next step")).to_be_checked()
    panel.get_by_role("button", name="Log the call").click()
    expect(page.get_by_text("Call logged; the next step is confirmed.")).to_be_visible()
    # The brief counts the contacts and names the agents besides the owner.
    expect(brief.get_by_text("2nd contact, previously Bea Second")).to_be_visible()
    expect(brief.get_by_text("2 agents worked on it: Adam Agent, Bea Second")).to_be_visible()
    expect(brief.get_by_text("Adam Agent", exact=True)).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text(note)).to_be_visible()
    expect(timeline.get_by_text(REFERRAL_NOTE)).to_be_visible()

    case.refresh_from_db()
    assert case.owner == agent
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (2, 2, 1)
    latest = Interaction.objects.filter(case=case).order_by("-id").first()
    assert latest is not None
    assert (latest.agent, latest.disposition, latest.note) == (
        agent2,
        Disposition.INFORMATION_GIVEN,
        note,
    )


def test_call_logged_on_the_case_page_at_phone_width(browser_page, agent, tier1, contact):
    maria_phone(contact)
    case = referred_case(agent, tier1, contact)
    browser_page.sign_in(agent)
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_page.goto(f"/cases/{case.pk}/")

    page.get_by_role("link", name="Jump to actions").click()
    page.get_by_text("Log a call", exact=True).click()
    panel = page.locator("#action-call")
    panel.get_by_label("Disposition").select_option(label="Callback promised")
    panel.get_by_label("Note").fill("Maria is still waiting for the vendor; we call back tomorrow.")
    panel.get_by_label("Set a new next step").check()
    panel.get_by_role("textbox", name="New next step").fill(
        "Call Maria back about the vendor's answer"
    )
    panel.get_by_label("Due").fill(typed_time(agent, 20))
    panel.get_by_role("button", name="Log the call").click()
    expect(page.get_by_text("Call logged; the new next step is set.")).to_be_visible()
    brief = page.get_by_label("Brief")
    expect(brief.get_by_text("Call Maria back about the vendor's answer")).to_be_visible()
    expect(brief.get_by_text("2nd contact")).to_be_visible()
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.scrollTo(0, 0)")
    browser_page.screenshot("case-page-phone")

    case.refresh_from_db()
    assert case.next_step == "Call Maria back about the vendor's answer"
    assert case.interaction_count == 2
    latest = Interaction.objects.filter(case=case).order_by("-id").first()
    assert latest is not None
    assert (latest.agent, latest.disposition) == (agent, Disposition.CALLBACK_PROMISED)
