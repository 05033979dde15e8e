"""In a real browser, the stories of DESIGN.md §1 worked on the case page: an escalation to
Tier 2 is accepted; a promise is kept; an exception is recorded when no approver can be
reached; resolving with an open promise is refused, in words.

Each story drives the page the way a person does (labels, button names, visible text) and
then checks the database the page wrote to.
"""

from __future__ import annotations

import zoneinfo

from playwright.sync_api import expect

from followthrough.accounts.models import User
from followthrough.cases.models import Case, CaseEvent, Commitment, Decision, Handoff
from followthrough.cases.states import (
    CaseStatus,
    CommitmentStatus,
    EventType,
    HandoffKind,
    HandoffStatus,
)
from followthrough.cases.tests.factories import case_state, in_hours, log_call, open_case, promise

SWITCH = "EdgeSwitch drops every port at night"


def typed_time(user: User, hours: float) -> str:
    """A time `hours` from now as the user types it into <input type="datetime-local">."""
    zone = zoneinfo.ZoneInfo(user.time_zone)
    return in_hours(hours).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def switch_case(agent, tier1, contact) -> Case:
    case = open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        organization=contact.organization,
        contact=contact,
        subject=SWITCH,
        next_step="Ask the customer for the switch's log",
    )
    log_call(agent, case, note="Customer is sure the switch is faulty; it is 2.5 h from him.")
    case.refresh_from_db()
    return case


def test_escalation_to_tier2_is_accepted(browser_page, agent, tier1, tier2, tier2_agent, contact):
    case = switch_case(agent, tier1, contact)
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{case.pk}/")

    # Adam escalates to Tier 2 with everything the next person needs.
    page.get_by_text("Hand off", exact=True).click()
    panel = page.locator("#action-handoff")
    panel.get_by_label("Kind").select_option(label="Tier escalation")
    panel.get_by_label("To a team").select_option(label=f"Tier 2 ({tier2.get_tier_display()})")
    panel.get_by_label("Summary").fill("Switch drops all ports every night around 2 am")
    panel.get_by_label("What was tried").fill("Power cycle, firmware check, cable swap on port 1")
    panel.get_by_label("What was promised").fill("An answer from Tier 2 by tomorrow noon")
    panel.get_by_label("Next step").fill("Read the switch log and decide on a replacement")
    panel.get_by_label("Due").fill(typed_time(agent, 20))
    panel.get_by_role("button", name="Send the handoff").click()
    expect(page.get_by_text("Handoff sent to Tier 2.")).to_be_visible()
    # Until Tier 2 accepts, the case is still Adam's, and the page says so.
    brief = page.get_by_label("Brief")
    expect(brief.get_by_text("Adam Agent", exact=True)).to_be_visible()
    expect(brief.get_by_text("Handoff waiting for acceptance")).to_be_visible()
    waiting = page.get_by_role("heading", name="Waiting for acceptance: tier escalation")
    expect(waiting).to_be_visible()
    expect(page.get_by_text("the case stays with Adam Agent")).to_be_visible()
    case.refresh_from_db()
    assert case.owner == agent
    handoff = Handoff.objects.get(case=case)
    assert (handoff.status, handoff.kind, handoff.to_team) == (
        HandoffStatus.PENDING,
        HandoffKind.TIER_ESCALATION,
        tier2,
    )

    # Cora in Tier 2 signs in and finds it under "Handoffs for me".
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    browser_page.sign_in(tier2_agent)
    page.get_by_role("link", name="Handoffs for me").click()
    row = page.get_by_role("row").filter(has_text=SWITCH)
    expect(row.get_by_text("Adam Agent")).to_be_visible()
    expect(row.get_by_text("Tier escalation")).to_be_visible()
    expect(row.get_by_text("Switch drops all ports every night around 2 am")).to_be_visible()
    row.get_by_role("link", name=SWITCH).click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(
        page.get_by_label("What was tried").get_by_text("Power cycle, firmware check")
    ).to_be_visible()
    page.get_by_role("button", name="Accept and take the case").click()
    expect(page.get_by_text(f"Handoff accepted: you now own {case.number}.")).to_be_visible()
    expect(brief.get_by_text("Cora Tiertwo", exact=True)).to_be_visible()
    expect(brief.get_by_text("Team: Tier 2")).to_be_visible()
    expect(waiting).to_have_count(0)
    expect(
        page.locator("#timeline").get_by_text("Handoff accepted (tier escalation)")
    ).to_be_visible()

    case.refresh_from_db()
    handoff.refresh_from_db()
    assert (case.owner, case.team) == (tier2_agent, tier2)
    assert case.next_step == "Read the switch log and decide on a replacement"
    assert handoff.status == HandoffStatus.ACCEPTED
    accepted = CaseEvent.objects.get(case=case, type=EventType.HANDOFF_ACCEPTED)
    assert accepted.actor == tier2_agent


def test_promise_is_kept(browser_page, agent, tier1, contact):
    case = switch_case(agent, tier1, contact)
    callback = promise(agent, case, description="Call back with the log analysis by 3 pm")
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{case.pk}/")

    promises = page.get_by_label("Open promises")
    expect(promises.get_by_text("Call back with the log analysis by 3 pm")).to_be_visible()
    promises.get_by_text("Keep, break or cancel").click()
    promises.get_by_label("Note or reason").fill("Called back at 2:40 pm with the analysis")
    promises.get_by_role("button", name="Kept").click()
    expect(page.get_by_text("Promise marked kept: Call back with the log analysis")).to_be_visible()
    expect(promises.get_by_text("No open promises.")).to_be_visible()
    expect(promises.get_by_text("Call back with the log analysis by 3 pm")).to_have_count(0)
    expect(page.get_by_label("Brief").get_by_text("No open promises")).to_be_visible()
    kept = page.locator("#timeline li").filter(has_text="Promise kept")
    expect(kept.get_by_text("Call back with the log analysis by 3 pm")).to_be_visible()
    expect(kept.get_by_text("Called back at 2:40 pm with the analysis")).to_be_visible()

    callback.refresh_from_db()
    case.refresh_from_db()
    assert callback.status == CommitmentStatus.KEPT
    assert case.open_commitment_count == 0
    event = CaseEvent.objects.get(case=case, type=EventType.COMMITMENT_KEPT)
    assert (event.actor, event.commitment_id) == (agent, callback.pk)


def test_exception_is_recorded_when_no_approver_is_reachable(
    browser_page, agent, tier1, tier1_lead, contact
):
    case = switch_case(agent, tier1, contact)
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{case.pk}/")

    page.get_by_text("Record a decision", exact=True).click()
    panel = page.locator("#action-decision")
    panel.get_by_label("Policy it departs from").fill("No replacement before troubleshooting")
    panel.get_by_label("Decision", exact=True).fill(
        "Ship an advance replacement; the old switch comes back"
    )
    panel.get_by_label("Why", exact=True).fill(
        "Customer is 2.5 hours from the switch with no remote access"
    )
    panel.get_by_label("No approver reachable").check()
    expect(panel.get_by_label("Approved by (a lead or admin)")).to_be_hidden()
    tried = "Lena Lead (on leave), Tomas Tier2lead (phone off after 6 pm)"
    panel.get_by_label("Who was tried, and why nobody could approve").fill(tried)
    panel.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("Decision recorded: exception to No replacement before troubleshooting.")
    ).to_be_visible()
    decisions = page.get_by_label("Decisions")
    expect(
        decisions.get_by_text("Exception to No replacement before troubleshooting")
    ).to_be_visible()
    expect(decisions.get_by_text("No approver", exact=True)).to_be_visible()
    expect(decisions.get_by_text(tried)).to_be_visible()
    expect(decisions.get_by_text("Adam Agent,")).to_be_visible()

    decision = Decision.objects.get(case=case)
    assert decision.approved_by is None
    assert decision.no_approver_reason == tried
    assert decision.decided_by == agent
    assert decision.decision == "Ship an advance replacement; the old switch comes back"
    event = CaseEvent.objects.get(case=case, type=EventType.DECISION_RECORDED)
    assert event.actor == agent


def test_resolving_with_an_open_promise_is_refused_in_words(browser_page, agent, tier1, contact):
    case = switch_case(agent, tier1, contact)
    promise(agent, case, description="Return of the old switch", due_at=in_hours(72))
    case.refresh_from_db()
    before = case_state(case)
    browser_page.sign_in(agent)
    page = browser_page.page
    browser_page.goto(f"/cases/{case.pk}/")

    page.get_by_text("Change status", exact=True).click()
    panel = page.locator("#action-status")
    panel.get_by_label("New status").select_option(label="Resolved")
    panel.get_by_label("Reason").fill("Replacement works")
    panel.get_by_role("button", name="Change the status").click()
    refusal = panel.get_by_role("alert")
    expect(refusal).to_have_text(
        "1 promise is still open: keep, break or cancel each one before resolving."
    )
    # The panel stays open with what was typed, and the promise is right there to settle.
    expect(panel.get_by_label("Reason")).to_have_value("Replacement works")
    expect(
        page.get_by_label("Open promises").get_by_text("Return of the old switch")
    ).to_be_visible()
    expect(page.get_by_label("Brief").get_by_text("Open", exact=True)).to_be_visible()
    browser_page.screenshot("refused-resolve")

    assert case_state(case) == before
    case.refresh_from_db()
    assert case.status != CaseStatus.RESOLVED
    assert case.is_open
    assert Commitment.objects.get(case=case).status == CommitmentStatus.OPEN
