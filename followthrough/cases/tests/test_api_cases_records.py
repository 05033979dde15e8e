"""The cases API: handoffs, promises, decisions, links and merges.

Each operation: one success (status, body, database effect, event, ETag) and one refusal (a
problem with the service's code, nothing changed).
"""

from __future__ import annotations

from typing import Any

import pytest

from followthrough.accounts.capabilities import Capability
from followthrough.cases.models import Case, CaseEvent, CaseLink, Commitment, Decision, Handoff
from followthrough.cases.services import (
    case_set_status,
    commitment_keep,
    decision_record,
    handoff_decline,
)
from followthrough.cases.states import (
    CaseStatus,
    CommitmentStatus,
    EventType,
    HandoffStatus,
)
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.cases.tests.test_api_cases import Api, api_for, iso, problem, token_for


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


def handoff_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "transfer",
        "summary": "Switch reboots nightly",
        "tried": "Firmware rollback, new power supply",
        "promised": "A call before noon",
        "next_step": "Ask the vendor for a replacement",
        "next_step_due": iso(in_hours(3)),
    }
    return body | overrides


def _decision(agent: Any, case: Case) -> Decision:
    return decision_record(
        actor=agent,
        case=case,
        policy="No advance replacement",
        decision="Ship the switch before the old one is back",
        rationale="The customer is 2.5 hours from the site",
        no_approver_reason="Both leads were away",
    )


# --- Handoffs ----------------------------------------------------------------------------


def test_hand_off_asks_the_receiver_and_leaves_the_case_with_the_sender(agent, agent2):
    case = open_case(actor=agent)
    response = api_for(agent).post(f"/cases/{case.pk}/handoffs", handoff_body(to_user_id=agent2.pk))
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    handoff = Handoff.objects.get()
    assert (body["id"], body["status"], body["to_user"]["id"]) == (handoff.pk, "pending", agent2.pk)
    case.refresh_from_db()
    assert (case.owner, case.version) == (agent, 2)
    event = last_event(case)
    assert (event.type, event.actor, event.handoff) == (EventType.HANDOFF_REQUESTED, agent, handoff)


def test_hand_off_refused_when_the_summary_is_missing(agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(
        f"/cases/{case.pk}/handoffs", handoff_body(to_user_id=agent2.pk, tried="")
    )
    body = problem(response, 422)
    assert (body["code"], body["missing"]) == ("handoff_incomplete", ["tried"])
    assert case_state(case) == before


def test_accept_handoff_gives_the_receiver_the_case(agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    response = api_for(agent2).post(f"/handoffs/{handoff.pk}/accept")
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == agent2.pk
    case.refresh_from_db()
    assert response["ETag"] == f'"{case.version}"'
    assert (case.owner, case.next_step) == (agent2, handoff.next_step)
    handoff.refresh_from_db()
    assert (handoff.status, handoff.responded_by) == (HandoffStatus.ACCEPTED, agent2)
    assert (last_event(case).type, last_event(case).actor) == (EventType.HANDOFF_ACCEPTED, agent2)


def test_accept_handoff_refused_for_someone_else(agent, agent2, tier1_lead):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    body = problem(api_for(tier1_lead).post(f"/handoffs/{handoff.pk}/accept"), 403)
    assert body["code"] == "handoff_not_receiver"
    assert case_state(case) == before


def test_decline_handoff_keeps_the_case_with_the_sender(agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    response = api_for(agent2).post(
        f"/handoffs/{handoff.pk}/decline", {"reason": "Not my product line"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["response_reason"]) == (
        "declined",
        "Not my product line",
    )
    case.refresh_from_db()
    assert response["ETag"] == f'"{case.version}"'
    assert case.owner == agent
    event = last_event(case)
    assert (event.type, event.actor, event.reason) == (
        EventType.HANDOFF_DECLINED,
        agent2,
        "Not my product line",
    )


def test_decline_handoff_refused_without_a_reason(agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    response = api_for(agent2).post(f"/handoffs/{handoff.pk}/decline", {"reason": " "})
    assert problem(response, 422)["code"] == "reason_required"
    assert case_state(case) == before


def test_cancel_handoff_by_its_sender(agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    response = api_for(agent).post(f"/handoffs/{handoff.pk}/cancel", {"reason": "Solved it"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CANCELLED
    assert last_event(case).type == EventType.HANDOFF_CANCELLED


def test_cancel_handoff_refused_for_the_receiver(agent, agent2):
    case = open_case(actor=agent)
    handoff = hand_off(agent, case, to_user=agent2)
    before = case_state(case)
    response = api_for(agent2).post(f"/handoffs/{handoff.pk}/cancel", {"reason": "No"})
    assert problem(response, 403)["code"] == "handoff_not_sender"
    assert case_state(case) == before


# --- Promises ----------------------------------------------------------------------------


def test_add_promise_counts_it_open(agent, agent2):
    case = open_case(actor=agent)
    due = in_hours(5)
    response = api_for(agent).post(
        f"/cases/{case.pk}/promises",
        {
            "owed_by": "customer",
            "kind": "part_return",
            "description": "Return the old switch",
            "due_at": iso(due),
            "owner_id": agent2.pk,
        },
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["owner"]["id"] == agent2.pk
    commitment = Commitment.objects.get()
    assert (commitment.owner, commitment.kind, commitment.due_at) == (agent2, "part_return", due)
    case.refresh_from_db()
    assert (case.open_commitment_count, case.version) == (1, 2)
    assert (last_event(case).type, last_event(case).commitment) == (
        EventType.COMMITMENT_ADDED,
        commitment,
    )


def test_add_promise_owner_defaults_to_the_caller(agent):
    case = open_case(actor=agent)
    response = api_for(agent).post(
        f"/cases/{case.pk}/promises",
        {"owed_by": "us", "description": "Call back", "due_at": iso(in_hours(1))},
    )
    assert response.status_code == 201, response.content
    assert Commitment.objects.get().owner == agent


def test_add_promise_refused_when_due_in_the_past(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(
        f"/cases/{case.pk}/promises",
        {"owed_by": "us", "description": "Call back", "due_at": iso(in_hours(-1))},
    )
    assert problem(response, 422)["code"] == "due_in_past"
    assert case_state(case) == before


@pytest.mark.parametrize(
    ("outcome", "body", "status", "event"),
    [
        ("keep", None, CommitmentStatus.KEPT, EventType.COMMITMENT_KEPT),
        ("keep", {"note": "Called at 11"}, CommitmentStatus.KEPT, EventType.COMMITMENT_KEPT),
        ("break", {"reason": "Missed it"}, CommitmentStatus.BROKEN, EventType.COMMITMENT_BROKEN),
        (
            "cancel",
            {"reason": "Not needed"},
            CommitmentStatus.CANCELLED,
            EventType.COMMITMENT_CANCELLED,
        ),
    ],
)
def test_settle_promise(agent, outcome, body, status, event):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    response = api_for(agent).post(f"/promises/{commitment.pk}/{outcome}", body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    commitment.refresh_from_db()
    case.refresh_from_db()
    assert (commitment.status, commitment.settled_by) == (status, agent)
    assert (case.open_commitment_count, case.version) == (0, 3)
    assert response["ETag"] == '"3"'
    assert (last_event(case).type, last_event(case).commitment) == (event, commitment)


@pytest.mark.parametrize("outcome", ["break", "cancel"])
def test_settle_promise_refused_without_a_reason(agent, outcome):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    before = case_state(case)
    response = api_for(agent).post(f"/promises/{commitment.pk}/{outcome}", {"reason": ""})
    assert problem(response, 422)["code"] == "reason_required"
    assert case_state(case) == before


def test_keep_promise_refused_without_the_right(agent):
    case = open_case(actor=agent)
    commitment = promise(agent, case)
    before = case_state(case)
    api = Api(token_for(agent, scopes=[Capability.CASE_VIEW]))
    body = problem(api.post(f"/promises/{commitment.pk}/keep"), 403)
    assert (body["code"], body["capability"]) == ("forbidden", "commitment.manage")
    assert case_state(case) == before


def test_settling_a_missing_promise_is_not_found(agent):
    assert problem(api_for(agent).post("/promises/8888/keep"), 404)["code"] == "not_found"


# --- Decisions ---------------------------------------------------------------------------


def test_record_decision_with_its_approver(agent, tier1_lead):
    case = open_case(actor=agent)
    response = api_for(agent).post(
        f"/cases/{case.pk}/decisions",
        {
            "policy": "No advance replacement",
            "decision": "Ship now",
            "rationale": "Site is far away",
            "approved_by_id": tier1_lead.pk,
        },
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["approved_by"]["id"] == tier1_lead.pk
    decision = Decision.objects.get()
    assert (decision.decided_by, decision.approved_by) == (agent, tier1_lead)
    assert (last_event(case).type, last_event(case).decision) == (
        EventType.DECISION_RECORDED,
        decision,
    )


def test_record_decision_refused_without_approver_or_reason(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(
        f"/cases/{case.pk}/decisions",
        {"policy": "No advance replacement", "decision": "Ship now", "rationale": "Far away"},
    )
    assert problem(response, 422)["code"] == "approval_required"
    assert case_state(case) == before


def test_record_decision_outcome(agent):
    case = open_case(actor=agent)
    decision = _decision(agent, case)
    response = api_for(agent).post(
        f"/decisions/{decision.pk}/outcome", {"outcome": "The old switch came back"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "The old switch came back"
    decision.refresh_from_db()
    case.refresh_from_db()
    assert (decision.outcome, decision.outcome_by) == ("The old switch came back", agent)
    assert response["ETag"] == f'"{case.version}"'
    assert last_event(case).type == EventType.DECISION_OUTCOME


def test_record_decision_outcome_refused_when_blank(agent):
    case = open_case(actor=agent)
    decision = _decision(agent, case)
    before = case_state(case)
    response = api_for(agent).post(f"/decisions/{decision.pk}/outcome", {"outcome": ""})
    assert problem(response, 422)["code"] == "note_required"
    assert case_state(case) == before


# --- Links and merges --------------------------------------------------------------------


def test_link_two_cases_shows_on_both_timelines(agent):
    case, other = open_case(actor=agent), open_case(actor=agent)
    response = api_for(agent).post(
        f"/cases/{case.pk}/links", {"to_case_id": other.pk, "kind": "duplicate"}
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case, link.kind) == (case, other, "duplicate")
    assert (last_event(case).type, last_event(other).type) == (EventType.LINKED, EventType.LINKED)


def test_link_refused_when_already_linked(agent):
    case, other = open_case(actor=agent), open_case(actor=agent)
    api = api_for(agent)
    assert api.post(f"/cases/{case.pk}/links", {"to_case_id": other.pk}).status_code == 201
    before = (case_state(case), case_state(other))
    body = problem(api.post(f"/cases/{other.pk}/links", {"to_case_id": case.pk}), 409)
    assert body["code"] == "link_exists"
    assert (case_state(case), case_state(other)) == before


def test_link_to_a_missing_case_is_not_found(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/links", {"to_case_id": 99999})
    assert problem(response, 404)["code"] == "not_found"
    assert case_state(case) == before


def test_lead_merges_a_duplicate_in_one_step(agent, tier1_lead, contact):
    source = open_case(actor=agent, contact=contact)
    target = open_case(actor=agent, contact=contact)
    promise(agent, source)
    response = api_for(tier1_lead).post(
        f"/cases/{source.pk}/merge", {"into": target.pk, "reason": "Same switch"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == target.pk
    source.refresh_from_db()
    target.refresh_from_db()
    assert response["ETag"] == f'"{target.version}"'
    assert (source.status, source.merged_into) == (CaseStatus.CLOSED, target)
    assert target.open_commitment_count == 1
    assert (last_event(source).type, last_event(source).actor) == (
        EventType.MERGED_INTO,
        tier1_lead,
    )


def test_merge_refused_for_an_agent(agent, contact):
    source = open_case(actor=agent, contact=contact)
    target = open_case(actor=agent, contact=contact)
    before = (case_state(source), case_state(target))
    response = api_for(agent).post(
        f"/cases/{source.pk}/merge", {"into": target.pk, "reason": "Same switch"}
    )
    assert problem(response, 403)["code"] == "forbidden"
    assert (case_state(source), case_state(target)) == before


def test_merge_into_itself_is_refused(agent, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(tier1_lead).post(
        f"/cases/{case.pk}/merge", {"into": case.pk, "reason": "Oops"}
    )
    assert problem(response, 422)["code"] == "merge_into_self"
    assert case_state(case) == before


# --- Refusals that name the record's state ----------------------------------------------


@pytest.mark.parametrize("which", ["promise_kept_twice", "handoff_declined_then_cancelled"])
def test_refusal_naming_the_records_state_is_a_409_problem(agent, agent2, which):
    case = open_case(actor=agent)
    if which == "promise_kept_twice":
        commitment = promise(agent, case)
        commitment_keep(actor=agent, commitment=commitment)
        path, body = f"/promises/{commitment.pk}/keep", None
        code, detail = "commitment_not_open", {"promise_status": "kept"}
    else:
        handoff = hand_off(agent, case, to_user=agent2)
        handoff_decline(actor=agent2, handoff=handoff, reason="Not mine")
        path, body = f"/handoffs/{handoff.pk}/cancel", {"reason": "x"}
        code, detail = "handoff_not_pending", {"handoff_status": "declined"}
    before = case_state(case)
    refusal = problem(api_for(agent).post(path, body), 409)
    assert refusal["code"] == code
    assert detail.items() <= refusal.items()
    assert case_state(case) == before


def test_setting_the_status_of_a_closed_case_is_a_409_problem(agent):
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/status", {"status": "open"})
    refusal = problem(response, 409)
    assert (refusal["code"], refusal["case_status"]) == ("invalid_transition", "closed")
    assert case_state(case) == before
