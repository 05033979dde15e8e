"""The cases API: working a case — contacts, notes, next steps, details, status, ownership.

Each operation: one success (status, body, database effect, event, ETag) and one refusal (a
problem with the service's code, nothing changed). Then If-Match on every write that takes it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from followthrough.cases.models import Case, CaseEvent, Interaction, Note
from followthrough.cases.services import case_add_note, case_set_status
from followthrough.cases.states import CaseStatus, EventType
from followthrough.cases.tests.factories import case_state, in_hours, open_case, promise
from followthrough.cases.tests.test_api_cases import api_for, iso, problem
from followthrough.customers.tests.factories import ContactFactory


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


def contact_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "direction": "inbound",
        "disposition": "next_step_set",
        "note": "Customer sent the logs; the switch reboots at 2 am",
        "started_at": iso(timezone.now()),
        "next_step": "Read the logs",
        "next_step_due": iso(in_hours(2)),
    }
    return body | overrides


# --- Contacts and notes ------------------------------------------------------------------


def test_log_interaction_records_the_contact_and_the_new_next_step(agent, agent2):
    case = open_case(actor=agent)
    response = api_for(agent2).post(
        f"/cases/{case.pk}/interactions", contact_body(), **{"If-Match": '"1"'}
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    interaction = Interaction.objects.get()
    assert body["id"] == interaction.pk
    assert body["agent"]["id"] == agent2.pk
    assert (interaction.agent, interaction.disposition) == (agent2, "next_step_set")
    case.refresh_from_db()
    assert case.next_step == "Read the logs"
    assert (case.interaction_count, case.agent_count, case.version) == (1, 2, 2)
    types = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("type", "actor"))
    assert types[-2:] == [
        (EventType.INTERACTION_LOGGED, agent2.pk),
        (EventType.NEXT_STEP_SET, agent2.pk),
    ]


def test_log_interaction_refused_without_an_outcome(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(
        f"/cases/{case.pk}/interactions", contact_body(next_step="", next_step_due=None)
    )
    assert problem(response, 422)["code"] == "next_step_required"
    assert case_state(case) == before


def test_add_note_is_recorded_with_its_author(agent, agent2):
    case = open_case(actor=agent)
    response = api_for(agent2).post(
        f"/cases/{case.pk}/notes", {"body": "Vendor confirms a known bug", "visibility": "public"}
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["author"]["name"] == "Bea Second"
    note = Note.objects.get()
    assert (note.author, note.visibility, note.body) == (
        agent2,
        "public",
        "Vendor confirms a known bug",
    )
    case.refresh_from_db()
    assert (case.agent_count, case.version) == (2, 2)
    assert (last_event(case).type, last_event(case).note) == (EventType.NOTE_ADDED, note)


def test_add_note_refused_when_blank(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/notes", {"body": "   "})
    assert problem(response, 422)["code"] == "note_required"
    assert case_state(case) == before


def test_add_note_refused_for_an_unknown_visibility(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/notes", {"body": "x", "visibility": "secret"})
    assert problem(response, 422)["code"] == "invalid"
    assert case_state(case) == before


# --- Next step, details and status -------------------------------------------------------


def test_set_next_step_replaces_it_and_records_before_and_after(agent):
    case = open_case(actor=agent)
    due = in_hours(6)
    response = api_for(agent).send(
        "PUT",
        f"/cases/{case.pk}/next-step",
        {"next_step": "Ship a spare", "next_step_due": iso(due)},
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["next_step"] == "Ship a spare"
    case.refresh_from_db()
    assert (case.next_step, case.next_step_due, case.version) == ("Ship a spare", due, 2)
    event = last_event(case)
    assert (event.type, event.actor) == (EventType.NEXT_STEP_SET, agent)
    assert event.before["next_step"] == "Call back with the driver fix"
    assert event.after["next_step"] == "Ship a spare"


def test_set_next_step_refused_in_the_past(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).send(
        "PUT",
        f"/cases/{case.pk}/next-step",
        {"next_step": "Ship a spare", "next_step_due": iso(in_hours(-2))},
    )
    assert problem(response, 422)["code"] == "next_step_in_past"
    assert case_state(case) == before


def test_set_status_moves_the_case_and_records_it(agent):
    case = open_case(actor=agent)
    response = api_for(agent).post(
        f"/cases/{case.pk}/status", {"status": "pending_customer", "reason": "Waiting for logs"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == CaseStatus.PENDING_CUSTOMER
    assert response["ETag"] == '"2"'
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_CUSTOMER
    event = last_event(case)
    assert (event.type, event.before, event.after, event.reason) == (
        EventType.STATUS_CHANGED,
        {"status": "open"},
        {"status": "pending_customer"},
        "Waiting for logs",
    )


def test_resolving_is_refused_while_a_promise_is_open(agent):
    case = open_case(actor=agent)
    promise(agent, case)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/status", {"status": "resolved"})
    body = problem(response, 409)
    assert body["code"] == "open_promises"
    assert body["open_promises"] == 1
    assert case_state(case) == before


# --- Ownership ---------------------------------------------------------------------------


def test_claim_takes_an_unowned_queue_case(agent, tier1):
    case = open_case(actor=agent, owner=None, team=tier1)
    response = api_for(agent).post(f"/cases/{case.pk}/claim")
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == agent.pk
    assert response["ETag"] == '"2"'
    case.refresh_from_db()
    assert (case.owner, case.status, case.version) == (agent, CaseStatus.OPEN, 2)
    assert (last_event(case).type, last_event(case).actor) == (EventType.CLAIMED, agent)


def test_claim_refused_when_someone_owns_it(agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    body = problem(api_for(agent2).post(f"/cases/{case.pk}/claim"), 409)
    assert body["code"] == "already_owned"
    assert body["owner_id"] == agent.pk
    assert case_state(case) == before


def test_lead_assigns_a_case_to_an_agent(agent, agent2, tier1, tier1_lead):
    case = open_case(actor=agent, team=tier1)
    response = api_for(tier1_lead).post(
        f"/cases/{case.pk}/assign",
        {"owner_id": agent2.pk, "team_id": tier1.pk, "reason": "Bea knows this switch"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == agent2.pk
    case.refresh_from_db()
    assert (case.owner, case.team, case.status) == (agent2, tier1, CaseStatus.OPEN)
    event = last_event(case)
    assert (event.type, event.actor, event.reason) == (
        EventType.ASSIGNED,
        tier1_lead,
        "Bea knows this switch",
    )
    assert event.after["owner"] == {"id": agent2.pk, "name": "Bea Second"}


def test_agent_may_not_assign(agent, agent2, tier1):
    case = open_case(actor=agent, team=tier1)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/assign", {"owner_id": agent2.pk})
    body = problem(response, 403)
    assert (body["code"], body["capability"]) == ("forbidden", "case.assign")
    assert case_state(case) == before


def test_assign_to_nobody_is_refused(agent, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(tier1_lead).post(f"/cases/{case.pk}/assign", {})
    assert problem(response, 422)["code"] == "owner_or_team_required"
    assert case_state(case) == before


def test_take_next_claims_the_most_urgent_queue_case(agent, tier1):
    later = open_case(actor=agent, owner=None, team=tier1, next_step_due=in_hours(5))
    sooner = open_case(actor=agent, owner=None, team=tier1, next_step_due=in_hours(1))
    response = api_for(agent).post("/cases/take-next", {"team_id": tier1.pk})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == sooner.pk
    assert response["ETag"] == '"2"'
    sooner.refresh_from_db()
    later.refresh_from_db()
    assert (sooner.owner, later.owner) == (agent, None)
    assert last_event(sooner).type == EventType.CLAIMED


def test_take_next_from_an_empty_queue_is_a_409(agent, tier1):
    body = problem(api_for(agent).post("/cases/take-next", {"team_id": tier1.pk}), 409)
    assert body["code"] == "queue_empty"


def test_take_next_refused_for_a_team_one_is_not_in(agent, tier2):
    case = open_case(actor=agent, owner=None, team=tier2)
    before = case_state(case)
    body = problem(api_for(agent).post("/cases/take-next", {"team_id": tier2.pk}), 403)
    assert body["code"] == "not_team_member"
    assert case_state(case) == before


# --- Details (PATCH), ETags and If-Match --------------------------------------------------


def test_patch_with_matching_if_match_changes_and_returns_the_new_etag(agent):
    case = open_case(actor=agent)
    response = api_for(agent).send(
        "PATCH", f"/cases/{case.pk}", {"subject": "Switch reboots at 2 am"}, **{"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    case.refresh_from_db()
    assert (case.subject, case.version) == ("Switch reboots at 2 am", 2)
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.type, event.actor, event.after) == (
        EventType.UPDATED,
        agent,
        {"subject": "Switch reboots at 2 am"},
    )


def test_patch_with_stale_if_match_is_412_and_says_what_changed(agent):
    case = open_case(actor=agent)
    api = api_for(agent)
    etag = api.get(f"/cases/{case.pk}")["ETag"]
    case_add_note(actor=agent, case=case, body="Someone else got there first")
    before = case_state(case)

    response = api.send("PATCH", f"/cases/{case.pk}", {"subject": "New"}, **{"If-Match": etag})

    body = problem(response, 412)
    assert body["code"] == "stale_version"
    assert body["current_version"] == 2
    assert body["changes"] == [EventType.NOTE_ADDED]
    assert case_state(case) == before


@pytest.mark.parametrize("garbage", ['"abc"', "W/", "1.5", '"-1"', "x" * 150])
def test_patch_with_garbage_if_match_is_422(agent, garbage):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).send(
        "PATCH", f"/cases/{case.pk}", {"subject": "New"}, **{"If-Match": garbage}
    )
    assert problem(response, 422)["code"] == "invalid"
    assert case_state(case) == before


def test_patch_refuses_unknown_fields_and_changes_nothing(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    response = api_for(agent).send("PATCH", f"/cases/{case.pk}", {"is_staff": True})
    assert problem(response, 422)["code"] == "invalid"
    assert case_state(case) == before


def test_patch_moves_the_case_to_another_contact_of_the_customer(agent, contact):
    case = open_case(actor=agent, contact=contact)
    colleague = ContactFactory.create(organization=contact.organization)
    response = api_for(agent).send("PATCH", f"/cases/{case.pk}", {"contact_id": colleague.pk})
    assert response.status_code == 200, response.content
    assert response.json()["contact"]["id"] == colleague.pk
    case.refresh_from_db()
    assert case.contact == colleague
    assert case.version == 2


def test_patch_refused_for_a_closed_case(agent):
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    before = case_state(case)
    response = api_for(agent).send("PATCH", f"/cases/{case.pk}", {"subject": "New"})
    assert problem(response, 409)["code"] == "case_closed"
    assert case_state(case) == before


# --- If-Match on every write whose service takes an expected version ---------------------

WRITES_WITH_IF_MATCH = {
    "PATCH ": ("PATCH", "", {"subject": "New subject"}),
    "interactions": ("POST", "/interactions", None),
    "notes": ("POST", "/notes", {"body": "A note"}),
    "next-step": ("PUT", "/next-step", {"next_step": "Later", "next_step_due": None}),
    "status": ("POST", "/status", {"status": "pending_customer"}),
    "assign": ("POST", "/assign", None),
    "handoffs": ("POST", "/handoffs", None),
    "promises": ("POST", "/promises", None),
    "decisions": ("POST", "/decisions", None),
}


def _write_body(name: str, body: dict[str, Any] | None, agent2: Any) -> dict[str, Any]:
    due = iso(in_hours(3))
    bodies: dict[str, dict[str, Any]] = {
        "interactions": contact_body(),
        "assign": {"owner_id": agent2.pk},
        "handoffs": {
            "kind": "transfer",
            "summary": "Switch reboots nightly",
            "tried": "Firmware rollback",
            "promised": "A call tomorrow",
            "next_step": "Check the power supply",
            "next_step_due": due,
            "to_user_id": agent2.pk,
        },
        "promises": {"owed_by": "us", "description": "Call back", "due_at": due},
        "decisions": {
            "policy": "No advance replacement",
            "decision": "Ship now",
            "rationale": "Site is far away",
            "no_approver_reason": "Lead on leave",
        },
    }
    if body is None:
        return bodies[name]
    return {k: (due if v is None else v) for k, v in body.items()}


@pytest.mark.parametrize("name", list(WRITES_WITH_IF_MATCH))
def test_every_write_refuses_a_stale_if_match(agent, agent2, tier1_lead, name):
    method, suffix, body = WRITES_WITH_IF_MATCH[name]
    case = open_case(actor=agent)
    promise(agent, case)  # version 2 now: "1" is stale
    before = case_state(case)
    actor = tier1_lead if name == "assign" else agent
    response = api_for(actor).send(
        method, f"/cases/{case.pk}{suffix}", _write_body(name, body, agent2), **{"If-Match": '"1"'}
    )
    problem_body = problem(response, 412)
    assert problem_body["code"] == "stale_version"
    assert problem_body["current_version"] == 2
    assert problem_body["changes"] == [EventType.COMMITMENT_ADDED]
    assert case_state(case) == before


@pytest.mark.parametrize("name", list(WRITES_WITH_IF_MATCH))
def test_every_write_accepts_the_current_if_match_and_returns_the_next_etag(
    agent, agent2, tier1_lead, name
):
    method, suffix, body = WRITES_WITH_IF_MATCH[name]
    case = open_case(actor=agent)
    actor = tier1_lead if name == "assign" else agent
    response = api_for(actor).send(
        method, f"/cases/{case.pk}{suffix}", _write_body(name, body, agent2), **{"If-Match": '"1"'}
    )
    assert response.status_code in (200, 201), response.content
    case.refresh_from_db()
    assert case.version > 1
    assert response["ETag"] == f'"{case.version}"'
