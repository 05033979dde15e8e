"""What every case action shares: POST only, staff only, stale pages refused, fixed queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followthrough.cases.models import Case
from followthrough.cases.services import case_add_note, decision_record
from followthrough.cases.states import NoteVisibility
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.cases.tests.test_case_actions import local, panel, post
from followthrough.cases.tests.test_case_page import busy_case

CASE_ACTIONS = [
    "case_log_call",
    "case_add_note",
    "case_set_next_step",
    "case_update",
    "case_set_status",
    "case_claim",
    "case_assign",
    "case_hand_off",
    "case_add_promise",
    "case_record_decision",
    "case_link",
    "case_merge",
]


def record_urls(agent, agent2) -> tuple[Case, list[str]]:
    """A case with a promise, a pending handoff and a decision, and the URLs acting on them."""
    case = open_case(actor=agent)
    made = promise(agent, case)
    handoff = hand_off(agent, case, to_user=agent2)
    decision = decision_record(
        actor=agent, case=case, policy="P", decision="D", rationale="R", no_approver_reason="N"
    )
    urls = [
        reverse("promise_settle", args=[made.pk, "keep"]),
        reverse("handoff_answer", args=[handoff.pk, "accept"]),
        reverse("decision_outcome", args=[decision.pk]),
    ]
    return case, urls


@pytest.mark.parametrize("name", CASE_ACTIONS)
def test_get_on_a_case_action_is_refused_and_changes_nothing(client, tier1_lead, agent, name):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(tier1_lead)
    assert client.get(reverse(name, args=[case.pk])).status_code == 405
    assert case_state(case) == before


def test_get_on_record_actions_is_refused_and_changes_nothing(client, agent, agent2):
    case, urls = record_urls(agent, agent2)
    before = case_state(case)
    client.force_login(agent2)
    for url in urls:
        assert client.get(url).status_code == 405
    assert case_state(case) == before


@pytest.mark.parametrize("name", CASE_ACTIONS)
def test_portal_customer_is_forbidden_every_action(client, agent, contact, customer_user, name):
    case = open_case(actor=agent, contact=contact)
    before = case_state(case)
    client.force_login(customer_user)
    data = {"body": "Hi", "visibility": "public", "status": "resolved"}
    assert client.post(reverse(name, args=[case.pk]), data).status_code == 403
    assert case_state(case) == before


def test_action_on_a_missing_case_is_not_found(client, agent):
    client.force_login(agent)
    url = reverse("case_add_note", args=[987654])
    assert client.post(url, {"body": "x", "visibility": "internal"}).status_code == 404


# Session, user, case (access); the service: savepoint, lock, note, its text into the search
# index, agent, case, event, release (an internal note reads no SLA clock); then the body:
# brief (7), people, teams, vendors (the referral picker), member teams, timeline (5: merged
# cases, events, their handoffs, promises and decisions), SLA clocks, calendar hours, team
# (top bar).
NOTE_BODY_QUERIES = 30


def test_htmx_body_query_count_does_not_grow_with_the_case(
    client, agent, agent2, tier2_agent, tier2, tier1_lead, contact, django_assert_num_queries
):
    bare = open_case(actor=agent, contact=contact)
    busy = busy_case(
        owner=agent,
        helper=agent2,
        tier2_agent=tier2_agent,
        tier2=tier2,
        lead=tier1_lead,
        contact=contact,
    )
    client.force_login(agent)
    for case in (bare, busy):
        data = {"body": "Quick note", "visibility": NoteVisibility.INTERNAL}
        with django_assert_num_queries(NOTE_BODY_QUERIES):
            response = post(client, "case_add_note", case, data, htmx=True)
        assert "Internal note added." in response.content.decode()


def test_portal_customer_is_forbidden_the_record_actions(client, agent, agent2, customer_user):
    case, urls = record_urls(agent, agent2)
    before = case_state(case)
    client.force_login(customer_user)
    for url in urls:
        assert client.post(url, {"reason": "x", "outcome": "x"}).status_code == 403
    assert case_state(case) == before


# Each edit carries the version its page was rendered with; a stale one changes nothing.
STALE_EDITS = [
    (
        "case_log_call",
        "call",
        {
            "channel": "phone",
            "direction": "inbound",
            "disposition": "information_given",
            "note": "Hi",
            "outcome": "confirm",
        },
    ),
    ("case_add_note", "note", {"body": "Hi", "visibility": "internal"}),
    ("case_set_next_step", "step", {"next_step": "Later", "next_step_due": "DUE"}),
    ("case_update", "details", {"subject": "New subject", "priority": "P2", "category": ""}),
    ("case_set_status", "status", {"status": "pending_customer"}),
]


@pytest.mark.parametrize(("name", "panel_name", "data"), STALE_EDITS)
def test_stale_edit_is_refused_with_the_conflict_message(
    client, agent, agent2, name, panel_name, data
):
    case = open_case(actor=agent)
    rendered_version = case.version
    case_add_note(actor=agent2, case=case, body="Meanwhile, another agent wrote this")
    before = case_state(case)
    client.force_login(agent)
    data = {k: local(in_hours(5)) if v == "DUE" else v for k, v in data.items()}
    data["expected_version"] = rendered_version
    html = post(client, name, case, data, htmx=True).content.decode()
    assert f"{case.number} was changed by someone else" in panel(html, panel_name)
    assert case_state(case) == before
