"""Actions on a case's records from its page: handoffs, promises, decisions, links, merges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from followthrough.cases.models import Case, CaseEvent, CaseLink, Commitment, Decision, Handoff
from followthrough.cases.services import decision_record
from followthrough.cases.states import (
    CaseStatus,
    CommitmentStatus,
    EventType,
    HandoffKind,
    HandoffStatus,
)
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.cases.tests.test_case_actions import last_event, local, panel, post

HTMX = {"HX-Request": "true"}


def post_to(client, url, data=None, *, htmx=True):
    return client.post(url, data or {}, headers=HTMX if htmx else {})


# --- Handoffs ---


def test_hand_off_to_a_higher_tier(client, agent, tier1, tier2, tier2_agent):
    case = open_case(actor=agent, owner=agent, team=tier1)
    client.force_login(agent)
    data = {
        "kind": HandoffKind.TIER_ESCALATION,
        "to_user": "",
        "to_team": tier2.pk,
        "summary": "Switch drops all ports",
        "tried": "Power and uplink checks",
        "promised": "A call from Tier 2 today",
        "next_step": "Tier 2 calls the customer",
        "next_step_due": local(in_hours(3)),
    }
    html = post(client, "case_hand_off", case, data, htmx=True).content.decode()
    assert f"Handoff sent to {tier2.name}." in html
    handoff = Handoff.objects.get(case=case)
    assert (handoff.status, handoff.to_team, handoff.from_user) == ("pending", tier2, agent)
    assert handoff.tried == "Power and uplink checks"
    event = last_event(case)
    assert (event.type, event.actor, event.handoff) == (EventType.HANDOFF_REQUESTED, agent, handoff)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.owner == agent
    assert fresh.version == case.version + 1
    assert "Waiting for acceptance" in html


def test_incomplete_hand_off_is_refused_and_keeps_the_typing(client, agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    data = {
        "kind": HandoffKind.TRANSFER,
        "to_user": agent2.pk,
        "summary": "Summary I typed",
        "next_step": "Call back",
        "next_step_due": local(in_hours(3)),
    }
    html = post(client, "case_hand_off", case, data, htmx=True).content.decode()
    handoff_panel = panel(html, "handoff")
    assert "missing: tried, promised." in handoff_panel
    assert "Summary I typed" in handoff_panel
    assert case_state(case) == before


def test_receiver_accepts_a_handoff(client, agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    version = Case.objects.get(pk=case.pk).version
    client.force_login(agent2)
    html = post_to(client, reverse("handoff_answer", args=[handoff.pk, "accept"])).content.decode()
    assert f"Handoff accepted: you now own {case.number}." in html
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.owner == agent2
    assert fresh.next_step == handoff.next_step
    assert fresh.version == version + 1
    event = last_event(case)
    assert (event.type, event.actor) == (EventType.HANDOFF_ACCEPTED, agent2)
    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.ACCEPTED


def test_receiver_declines_with_a_reason_without_htmx(client, agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    client.force_login(agent2)
    url = reverse("handoff_answer", args=[handoff.pk, "decline"])
    response = post_to(client, url, {"reason": "Not my product line"}, htmx=False)
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert (handoff.status, handoff.response_reason) == ("declined", "Not my product line")
    event = last_event(case)
    assert (event.type, event.actor, event.reason) == (
        EventType.HANDOFF_DECLINED,
        agent2,
        "Not my product line",
    )
    assert Case.objects.get(pk=case.pk).owner == agent


def test_decline_without_a_reason_is_refused(client, agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    client.force_login(agent2)
    url = reverse("handoff_answer", args=[handoff.pk, "decline"])
    html = post_to(client, url, {"reason": ""}).content.decode()
    assert "Reason is required." in html[html.index(f'id="action-answer-{handoff.pk}"') :]
    assert case_state(case) == before


def test_sender_cancels_a_handoff(client, agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    client.force_login(agent)
    url = reverse("handoff_answer", args=[handoff.pk, "cancel"])
    html = post_to(client, url, {"reason": "Customer fixed it"}).content.decode()
    assert "Handoff cancelled." in html
    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.CANCELLED
    assert (last_event(case).type, last_event(case).actor) == (EventType.HANDOFF_CANCELLED, agent)


def test_someone_else_cannot_accept_a_handoff(client, agent, agent2, tier2_agent):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    client.force_login(tier2_agent)
    html = post_to(client, reverse("handoff_answer", args=[handoff.pk, "accept"])).content.decode()
    assert f"This handoff is for {agent2.display_name}, not for you." in html
    assert case_state(case) == before


def test_unknown_handoff_answer_is_not_found(client, agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    client.force_login(agent2)
    assert post_to(client, f"/handoffs/{handoff.pk}/shrug/").status_code == 404
    assert case_state(case) == before


# --- Promises ---


def test_add_a_promise_owned_by_me_by_default(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert f'<option value="{agent.pk}" selected>' in panel(html, "promise")
    due = in_hours(26)
    data = {
        "owed_by": "customer",
        "kind": "part_return",
        "description": "Return the old switch",
        "due_at": local(due),
        "owner": agent.pk,
    }
    html = post(client, "case_add_promise", case, data, htmx=True).content.decode()
    assert "Promise recorded." in html
    made = Commitment.objects.get(case=case)
    assert (made.owed_by, made.kind, made.owner, made.status) == (
        "customer",
        "part_return",
        agent,
        "open",
    )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.open_commitment_count == 1
    assert fresh.version == case.version + 1
    event = last_event(case)
    assert (event.type, event.actor, event.commitment) == (EventType.COMMITMENT_ADDED, agent, made)
    assert "Return the old switch" in panel(html, f"settle-{made.pk}")


def test_promise_due_in_the_past_is_refused(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    data = {
        "owed_by": "us",
        "kind": "callback",
        "description": "Call back",
        "due_at": local(timezone.now() - dt.timedelta(hours=2)),
        "owner": agent.pk,
    }
    html = post(client, "case_add_promise", case, data, htmx=True).content.decode()
    assert "The promise must be in the future." in panel(html, "promise")
    assert case_state(case) == before


@pytest.mark.parametrize(
    ("outcome", "status", "event_type"),
    [
        ("keep", CommitmentStatus.KEPT, EventType.COMMITMENT_KEPT),
        ("break", CommitmentStatus.BROKEN, EventType.COMMITMENT_BROKEN),
        ("cancel", CommitmentStatus.CANCELLED, EventType.COMMITMENT_CANCELLED),
    ],
)
def test_settle_a_promise(client, agent, outcome, status, event_type):
    case = open_case(actor=agent)
    made = promise(agent, case, description="Call back with the fix")
    version = Case.objects.get(pk=case.pk).version
    client.force_login(agent)
    url = reverse("promise_settle", args=[made.pk, outcome])
    html = post_to(client, url, {"reason": "Customer asked us to wait"}).content.decode()
    assert f"Promise marked {status.label.lower()}: Call back with the fix" in html
    made.refresh_from_db()
    assert made.status == status
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.open_commitment_count == 0
    assert fresh.version == version + 1
    event = last_event(case)
    assert (event.type, event.actor, event.commitment) == (event_type, agent, made)


def test_breaking_a_promise_without_a_reason_is_refused(client, agent):
    case = open_case(actor=agent)
    made = promise(agent, case)
    before = case_state(case)
    client.force_login(agent)
    url = reverse("promise_settle", args=[made.pk, "break"])
    html = post_to(client, url, {"reason": ""}).content.decode()
    settle_panel = panel(html, f"settle-{made.pk}")
    assert f'id="action-settle-{made.pk}" open' in html
    assert "Reason is required." in settle_panel
    assert case_state(case) == before


def test_unknown_promise_outcome_is_not_found(client, agent):
    case = open_case(actor=agent)
    made = promise(agent, case)
    before = case_state(case)
    client.force_login(agent)
    assert post_to(client, f"/promises/{made.pk}/forget/").status_code == 404
    assert case_state(case) == before


# --- Decisions ---


def decision_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "policy": "Hardware is replaced only after troubleshooting",
        "decision": "Advance replacement",
        "rationale": "Customer is 2.5 hours from the switch",
        "approval": "approved",
        "approved_by": "",
        "no_approver_reason": "",
    }
    data.update(overrides)
    return data


def test_record_a_decision_approved_by_a_lead(client, agent, tier1_lead):
    case = open_case(actor=agent)
    client.force_login(agent)
    data = decision_data(approved_by=tier1_lead.pk)
    html = post(client, "case_record_decision", case, data, htmx=True).content.decode()
    assert "Decision recorded: exception to Hardware is replaced only after" in html
    decision = Decision.objects.get(case=case)
    assert (decision.approved_by, decision.decided_by) == (tier1_lead, agent)
    event = last_event(case)
    assert (event.type, event.actor) == (EventType.DECISION_RECORDED, agent)
    assert event.after["approved_by"]["id"] == tier1_lead.pk
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_record_a_decision_when_no_approver_was_reachable(client, agent, tier1_lead):
    case = open_case(actor=agent)
    client.force_login(agent)
    # An approver picked before switching to "no approver reachable" is not recorded.
    data = decision_data(
        approval="none", approved_by=tier1_lead.pk, no_approver_reason="Lead on leave"
    )
    html = post(client, "case_record_decision", case, data, htmx=True).content.decode()
    decision = Decision.objects.get(case=case)
    assert (decision.approved_by, decision.no_approver_reason) == (None, "Lead on leave")
    assert "Lead on leave" in html


def test_decision_without_approver_or_reason_is_refused(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    html = post(client, "case_record_decision", case, decision_data(), htmx=True)
    assert "Name who approved the decision" in panel(html.content.decode(), "decision")
    assert case_state(case) == before


def test_an_agent_is_not_offered_as_approver(client, agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    data = decision_data(approved_by=agent2.pk)
    html = post(client, "case_record_decision", case, data, htmx=True).content.decode()
    assert "Choose an approver from the list." in panel(html, "decision")
    assert case_state(case) == before


def test_record_and_refuse_a_decision_outcome(client, agent):
    case = open_case(actor=agent)
    decision = decision_record(
        actor=agent, case=case, policy="P", decision="D", rationale="R", no_approver_reason="N"
    )
    before = case_state(case)
    client.force_login(agent)
    url = reverse("decision_outcome", args=[decision.pk])
    html = post_to(client, url, {"outcome": ""}).content.decode()
    assert "Outcome is required." in panel(html, f"outcome-{decision.pk}")
    assert case_state(case) == before
    html = post_to(client, url, {"outcome": "The old switch came back"}).content.decode()
    assert "Outcome recorded for P." in html
    decision.refresh_from_db()
    assert (decision.outcome, decision.outcome_by) == ("The old switch came back", agent)
    assert (last_event(case).type, last_event(case).actor) == (EventType.DECISION_OUTCOME, agent)


# --- Links ---


@pytest.mark.parametrize("typed", ["FT-{pk}", "ft-{pk}", "{pk}", " FT - {pk} "])
def test_link_accepts_a_case_number_as_typed(client, agent, contact, typed):
    case = open_case(actor=agent, contact=contact)
    other = open_case(actor=agent, contact=contact)
    client.force_login(agent)
    data = {"other": typed.format(pk=other.pk), "kind": "related"}
    html = post(client, "case_link", case, data, htmx=True).content.decode()
    assert f"{case.number} is linked to {other.number}." in html
    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case, link.kind) == (case, other, "related")
    for side in (case, other):
        event = last_event(side)
        assert (event.type, event.actor) == (EventType.LINKED, agent)
    assert Case.objects.get(pk=case.pk).version == case.version + 1


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("banana", "“banana” is not a case number. Type it like FT-12 (or just 12)."),
        ("XY-3", "“XY-3” is not a case number."),
        ("", "Type a case number, like FT-12."),
        ("FT-987654", "There is no case FT-987654."),
    ],
)
def test_link_to_a_nonsense_or_missing_case_is_refused(client, agent, typed, said):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    html = post(client, "case_link", case, {"other": typed, "kind": "related"}, htmx=True)
    assert said in panel(html.content.decode(), "link")
    assert case_state(case) == before


def test_link_to_itself_is_refused(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    html = post(client, "case_link", case, {"other": case.number, "kind": "related"}, htmx=True)
    assert "A case cannot be linked to itself." in panel(html.content.decode(), "link")
    assert case_state(case) == before


# --- Merge: show what it will do, then merge on a second POST with confirm=yes ---


@pytest.fixture
def duplicate(agent, contact) -> tuple[Case, Case]:
    target = open_case(actor=agent, contact=contact, subject="Switch drops ports")
    source = open_case(actor=agent, contact=contact, subject="Switch drops ports (again)")
    promise(agent, source, description="Call back")
    promise(agent, source, description="Ship a replacement")
    return source, target


def test_merge_first_shows_what_it_will_do_and_changes_nothing(client, tier1_lead, duplicate):
    source, target = duplicate
    before = (case_state(source), case_state(target))
    client.force_login(tier1_lead)
    data = {"into": f"ft-{target.pk}"}
    html = post(client, "case_merge", source, data, htmx=True).content.decode()
    merge_panel = panel(html, "merge")
    assert (
        f"{source.number} will be closed as a duplicate of {target.number}; "
        f"its 2 open promises move to {target.number}"
    ) in merge_panel
    assert 'name="confirm" value="yes"' in merge_panel
    assert f"Merge {source.number} into {target.number}" in merge_panel
    assert (case_state(source), case_state(target)) == before


def test_merge_with_confirm_merges(client, tier1_lead, duplicate):
    source, target = duplicate
    client.force_login(tier1_lead)
    data = {"into": target.number, "confirm": "yes", "reason": "Same switch, same customer"}
    response = post(client, "case_merge", source, data)
    assert response.status_code == 302
    source.refresh_from_db()
    target_now = Case.objects.get(pk=target.pk)
    assert (source.status, source.merged_into) == (CaseStatus.CLOSED, target_now)
    assert target_now.open_commitment_count == 2
    assert Commitment.objects.filter(case=target_now, status="open").count() == 2
    assert (last_event(source).type, last_event(source).actor) == (
        EventType.MERGED_INTO,
        tier1_lead,
    )
    assert CaseEvent.objects.filter(case=target_now, type=EventType.MERGED_FROM).count() == 1
    assert target_now.version > target.version
    html = client.get(response["Location"]).content.decode()
    assert f"{source.number} was merged into {target.number} and is now closed." in html


def test_merge_confirm_without_reason_is_refused_and_keeps_the_preview(
    client, tier1_lead, duplicate
):
    source, target = duplicate
    before = (case_state(source), case_state(target))
    client.force_login(tier1_lead)
    data = {"into": target.number, "confirm": "yes", "reason": ""}
    html = post(client, "case_merge", source, data, htmx=True).content.decode()
    merge_panel = panel(html, "merge")
    assert "Reason is required." in merge_panel
    assert "will be closed as a duplicate of" in merge_panel
    assert (case_state(source), case_state(target)) == before


def test_merge_of_another_customers_case_is_refused(client, agent, tier1_lead, other_organization):
    source = open_case(actor=agent)
    target = open_case(actor=agent, organization=other_organization)
    before = (case_state(source), case_state(target))
    client.force_login(tier1_lead)
    data = {"into": target.number, "confirm": "yes", "reason": "Looks the same"}
    html = post(client, "case_merge", source, data, htmx=True).content.decode()
    assert "Only cases of the same customer can be merged." in panel(html, "merge")
    assert (case_state(source), case_state(target)) == before


def test_merge_into_itself_is_refused_before_any_preview(client, tier1_lead, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(tier1_lead)
    html = post(client, "case_merge", case, {"into": str(case.pk)}, htmx=True).content.decode()
    assert "A case cannot be merged into itself." in panel(html, "merge")
    assert "will be closed as a duplicate of" not in html
    assert case_state(case) == before


def test_an_agent_cannot_merge(client, agent, duplicate):
    source, target = duplicate
    before = case_state(source)
    client.force_login(agent)
    data = {"into": target.number, "confirm": "yes", "reason": "Same"}
    assert post(client, "case_merge", source, data).status_code == 403
    assert case_state(source) == before


def test_settling_a_promise_someone_else_just_kept_is_said_at_the_top(client, agent, agent2):
    case = open_case(actor=agent)
    made = promise(agent, case)
    client.force_login(agent2)
    post_to(client, reverse("promise_settle", args=[made.pk, "keep"]))
    before = case_state(case)
    client.force_login(agent)
    url = reverse("promise_settle", args=[made.pk, "break"])
    html = post_to(client, url, {"reason": "Too late"}).content.decode()
    top = html[: html.index('class="case-head"')]
    assert "Not saved: This promise is already kept." in top
    assert case_state(case) == before
