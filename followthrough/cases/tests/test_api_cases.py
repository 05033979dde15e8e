"""The cases API: opening, reading, listing and the timeline; ETags and If-Match; bad input.

Requests go through the Django test client with a real API token, so authentication, the
problem+json handlers and the middleware all run. The helpers here serve the other
test_api_* files of this app too.
"""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from django.test import Client

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Membership, User
from followthrough.accounts.services import api_token_create
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.schemas import TimelineOnly
from followthrough.cases.services import case_add_note, case_set_status, decision_record
from followthrough.cases.states import TIMELINE_FILTERS, CaseStatus, EventType, NoteVisibility
from followthrough.cases.tests.factories import (
    hand_off,
    in_hours,
    log_call,
    open_case,
    promise,
)

API = "/api/v1"


def token_for(user: User, scopes: list[str] | None = None) -> str:
    """A personal API token for `user`: every capability of their role unless `scopes`."""
    _, text = api_token_create(
        actor=user,
        user=user,
        name="tests",
        scopes=scopes if scopes is not None else sorted(user.capabilities),
    )
    return text


class Api:
    """The Django test client speaking JSON with a bearer token (or a session, or nothing)."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        if self.token is not None:
            headers = {"Authorization": f"Bearer {self.token}", **headers}
        return headers

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(API + path, headers=self._headers(headers))

    def send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        call = getattr(self.client, method.lower())
        data = "" if body is None else json.dumps(body)
        return call(
            API + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("POST", path, body, **headers)


def api_for(user: User) -> Api:
    return Api(token_for(user))


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of a refusal, after checking its status and media type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def iso(value: Any) -> str:
    return value.isoformat()


def open_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Switch reboots every night",
        "channel": "phone",
        "next_step": "Check the switch logs",
        "next_step_due": iso(in_hours(4)),
    }
    return body | overrides


# --- Opening -----------------------------------------------------------------------------


def test_open_case_answers_201_with_etag_and_location(agent, tier1, contact):
    response = api_for(agent).post(
        "/cases",
        open_body(owner_id=agent.pk, team_id=tier1.pk, contact_id=contact.pk, priority="P2"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"{API}/cases/{case.pk}"
    assert body["id"] == case.pk
    assert body["number"] == case.number
    assert body["status"] == CaseStatus.OPEN
    assert body["owner"] == {"id": agent.pk, "name": "Adam Agent", "direct_line": agent.direct_line}
    assert body["team"]["id"] == tier1.pk
    assert body["organization"] == {"id": contact.organization_id, "name": "Acme Networks"}
    assert body["contact"] == {"id": contact.pk, "name": "Maria Lopez"}
    assert (case.subject, case.priority, case.opened_by) == (
        "Switch reboots every night",
        "P2",
        agent,
    )
    assert case.organization_id == contact.organization_id
    assert case.version == 1
    assert case.agent_count == 1
    event = CaseEvent.objects.get(case=case)
    assert (event.type, event.actor) == (EventType.OPENED, agent)


def test_open_case_into_a_team_queue_is_new_and_unowned(agent, tier1):
    response = api_for(agent).post("/cases", open_body(team_id=tier1.pk))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == CaseStatus.NEW
    assert response.json()["owner"] is None
    assert Case.objects.get().team == tier1


def test_open_case_refused_without_owner_or_team_creates_nothing(agent):
    body = problem(api_for(agent).post("/cases", open_body()), 422)
    assert body["code"] == "owner_or_team_required"
    assert not Case.objects.exists()


def test_open_case_refused_with_next_step_in_the_past(agent):
    response = api_for(agent).post(
        "/cases", open_body(owner_id=agent.pk, next_step_due=iso(in_hours(-1)))
    )
    assert problem(response, 422)["code"] == "next_step_in_past"
    assert not Case.objects.exists()


def test_open_case_with_unknown_owner_is_not_found(agent):
    body = problem(api_for(agent).post("/cases", open_body(owner_id=987654)), 404)
    assert body["code"] == "not_found"
    assert not Case.objects.exists()


def test_open_case_refuses_unknown_fields(agent):
    response = api_for(agent).post("/cases", open_body(owner_id=agent.pk, is_staff=True))
    body = problem(response, 422)
    assert body["code"] == "invalid"
    assert body["errors"][0]["type"] == "extra_forbidden"
    assert not Case.objects.exists()


def test_open_case_refuses_an_array_where_a_string_belongs(agent):
    response = api_for(agent).post("/cases", open_body(owner_id=agent.pk, subject=["a", "b"]))
    assert problem(response, 422)["code"] == "invalid"
    assert not Case.objects.exists()


def test_open_case_refuses_an_array_for_the_whole_body(agent):
    response = api_for(agent).post("/cases", [open_body(owner_id=agent.pk)])
    assert problem(response, 422)["code"] == "invalid"
    assert not Case.objects.exists()


def test_open_case_refuses_a_one_megabyte_subject(agent):
    response = api_for(agent).post("/cases", open_body(owner_id=agent.pk, subject="x" * 1_000_000))
    body = problem(response, 422)
    assert body["code"] == "invalid"
    assert body["errors"][0]["type"] == "string_too_long"
    assert not Case.objects.exists()


def test_open_case_refuses_a_naive_due_time(agent):
    response = api_for(agent).post(
        "/cases", open_body(owner_id=agent.pk, next_step_due="2999-01-01T10:00:00")
    )
    assert problem(response, 422)["code"] == "invalid"
    assert not Case.objects.exists()


def test_open_case_refuses_an_id_beyond_64_bits(agent):
    response = api_for(agent).post("/cases", open_body(owner_id=2**64))
    assert problem(response, 422)["code"] == "invalid"
    assert not Case.objects.exists()


# --- Reading one case --------------------------------------------------------------------


def test_get_case_answers_with_its_brief_and_etag(agent, agent2, tier1_lead):
    case = open_case(actor=agent)
    log_call(agent2, case)
    promised = promise(agent, case)
    decision_record(
        actor=agent,
        case=case,
        policy="No advance replacement",
        decision="Ship the switch now",
        rationale="Customer is 2.5 hours from the site",
        approved_by=tier1_lead,
    )
    handoff = hand_off(agent, case, to_user=agent2)
    case.refresh_from_db()

    response = api_for(agent).get(f"/cases/{case.pk}")

    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{case.version}"'
    body = response.json()
    assert body["version"] == case.version
    assert body["owner"]["direct_line"] == agent.direct_line
    assert body["next_step"] == case.next_step
    brief = body["brief"]
    assert brief["owner_name"] == "Adam Agent"
    assert brief["reach_owner"] == agent.direct_line
    assert brief["contact_summary"] == "1st contact, previously Bea Second"
    assert [a["name"] for a in brief["agents"]] == ["Adam Agent", "Bea Second"]
    assert [p["id"] for p in brief["open_promises"]] == [promised.pk]
    assert brief["decisions"][0]["approved_by"]["id"] == tier1_lead.pk
    assert brief["pending_handoff"]["id"] == handoff.pk
    assert brief["pending_handoff"]["to_user"]["id"] == agent2.pk


def test_get_case_of_a_queue_says_how_to_reach_the_team(agent, tier1):
    case = open_case(actor=agent, owner=None, team=tier1)
    brief = api_for(agent).get(f"/cases/{case.pk}").json()["brief"]
    assert brief["owner_name"] == "Tier 1 queue"
    assert brief["reach_owner"] == tier1.direct_line


def test_get_missing_case_is_a_404_problem(agent):
    body = problem(api_for(agent).get("/cases/424242"), 404)
    assert body["code"] == "not_found"


def test_customer_reads_own_case_without_staff_details(agent, agent2, customer_user, contact):
    case = open_case(actor=agent, contact=contact)
    hand_off(agent, case, to_user=agent2)
    decision_record(
        actor=agent,
        case=case,
        policy="Returns",
        decision="Take it back",
        rationale="Goodwill",
        no_approver_reason="Lead away",
    )
    client = Client()
    client.force_login(customer_user)

    response = Api(client=client).get(f"/cases/{case.pk}")

    assert response.status_code == 200, response.content
    brief = response.json()["brief"]
    assert brief["owner_name"] == "Adam Agent"
    assert brief["decisions"] == []
    assert brief["pending_handoff"] is None


# --- Listing -----------------------------------------------------------------------------


def test_list_my_open_queue(agent, agent2, tier1):
    mine = open_case(actor=agent, next_step_due=in_hours(3))
    sooner = open_case(actor=agent, next_step_due=in_hours(1))
    open_case(actor=agent2)
    open_case(actor=agent, owner=None, team=tier1)
    resolved = open_case(actor=agent)
    case_set_status(actor=agent, case=resolved, status=CaseStatus.RESOLVED)

    response = api_for(agent).get("/cases?owner=me&status=open")

    assert response.status_code == 200, response.content
    assert [c["id"] for c in response.json()["items"]] == [sooner.pk, mine.pk]
    assert response.json()["next_cursor"] is None


def test_list_team_queue_and_unassigned(agent, agent2, tier1, tier2):
    queued = open_case(actor=agent, owner=None, team=tier1)
    owned = open_case(actor=agent, owner=agent, team=tier1)
    open_case(actor=agent, owner=None, team=tier2)
    api = api_for(agent)
    team = api.get(f"/cases?team={tier1.pk}&status=open").json()["items"]
    assert {c["id"] for c in team} == {queued.pk, owned.pk}
    unassigned = api.get("/cases?unassigned=true&status=open").json()["items"]
    assert [c["id"] for c in unassigned] == [queued.pk]


def test_list_by_status_and_owner_id_newest_first(agent, agent2):
    first = open_case(actor=agent2)
    second = open_case(actor=agent2)
    open_case(actor=agent)
    response = api_for(agent).get(f"/cases?owner={agent2.pk}")
    assert [c["id"] for c in response.json()["items"]] == [second.pk, first.pk]
    pending = api_for(agent).get("/cases?status=pending_customer").json()["items"]
    assert pending == []


def test_list_pages_with_a_cursor(agent):
    cases = [open_case(actor=agent, next_step_due=in_hours(i + 1)) for i in range(5)]
    api = api_for(agent)
    first = api.get("/cases?owner=me&status=open&limit=2").json()
    second = api.get(f"/cases?owner=me&status=open&limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/cases?owner=me&status=open&limit=2&cursor={second['next_cursor']}").json()
    ids = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert ids == [c.pk for c in cases]
    assert third["next_cursor"] is None


@pytest.mark.parametrize(
    "query",
    ["status=bogus", "owner=someone", "owner=0", "unassigned=perhaps", "limit=0", "limit=201"],
)
def test_list_refuses_unknown_filter_values(agent, query):
    assert problem(api_for(agent).get(f"/cases?{query}"), 422)["code"] == "invalid"


def test_list_refuses_a_forged_cursor(agent):
    assert problem(api_for(agent).get("/cases?cursor=not-ours"), 422)["code"] == "invalid"


def test_customer_lists_only_their_organisation(agent, customer_user, contact, other_organization):
    ours = open_case(actor=agent, contact=contact)
    open_case(actor=agent, organization=other_organization)
    open_case(actor=agent)
    client = Client()
    client.force_login(customer_user)
    api = Api(client=client)
    for query in ("", "?status=open", "?owner=me&status=open", f"?owner={agent.pk}"):
        items = api.get(f"/cases{query}").json()["items"]
        assert [c["id"] for c in items] == ([] if "me" in query else [ours.pk]), query


def test_list_query_count_does_not_grow_with_the_page(
    agent, tier1, contact, django_assert_num_queries
):
    api = api_for(agent)
    open_case(actor=agent, owner=agent, contact=contact, team=tier1)
    # The token (read, count the request, read the count), then one query for the page.
    for query in ("?owner=me&status=open", "", f"?team={tier1.pk}"):
        extra = 1 if "team" in query else 0
        with django_assert_num_queries(4 + extra):
            assert len(api.get(f"/cases{query}").json()["items"]) == 1
    for _ in range(29):
        open_case(actor=agent, owner=agent, contact=contact, team=tier1)
    for query in ("?owner=me&status=open", "", f"?team={tier1.pk}"):
        extra = 1 if "team" in query else 0
        with django_assert_num_queries(4 + extra):
            assert len(api.get(f"/cases{query}").json()["items"]) == 30


def test_get_case_query_count_is_the_same_for_a_bare_and_a_busy_case(
    agent, agent2, django_assert_num_queries
):
    api = api_for(agent)
    bare = open_case(actor=agent)
    busy = open_case(actor=agent)
    for i in range(3):
        log_call(agent2, busy)
        promise(agent, busy, description=f"Promise {i}")
        decision_record(
            actor=agent,
            case=busy,
            policy=f"P{i}",
            decision="d",
            rationale="r",
            no_approver_reason="nobody in",
        )
    hand_off(agent, busy, to_user=agent2)
    # The token (3), access_case (1), the brief: case, agents, promises, decisions,
    # handoffs, recent contacts, referrals (7).
    for case in (bare, busy):
        with django_assert_num_queries(11):
            assert api.get(f"/cases/{case.pk}").status_code == 200


# --- Timeline ----------------------------------------------------------------------------


def test_timeline_newest_first_and_filtered(agent):
    case = open_case(actor=agent)
    note = case_add_note(actor=agent, case=case, body="Checked the logs")
    log_call(agent, case)
    api = api_for(agent)
    items = api.get(f"/cases/{case.pk}/timeline").json()["items"]
    assert [i["type"] for i in items][-1] == EventType.OPENED
    assert items[0]["created_at"] >= items[-1]["created_at"]
    notes = api.get(f"/cases/{case.pk}/timeline?only=notes").json()["items"]
    assert [(i["type"], i["note"]["id"], i["note"]["body"]) for i in notes] == [
        (EventType.NOTE_ADDED, note.pk, "Checked the logs")
    ]


def test_timeline_refuses_an_unknown_filter(agent):
    case = open_case(actor=agent)
    assert problem(api_for(agent).get(f"/cases/{case.pk}/timeline?only=gossip"), 422)


def test_timeline_filters_match_the_selector():
    assert set(get_args(TimelineOnly)) == set(TIMELINE_FILTERS)


def test_customer_timeline_shows_public_notes_only(agent, customer_user, contact):
    case = open_case(actor=agent, contact=contact)
    case_add_note(actor=agent, case=case, body="Internal: customer is difficult")
    case_add_note(actor=agent, case=case, body="We are on it", visibility=NoteVisibility.PUBLIC)
    log_call(agent, case, note="Talked about the contract")
    client = Client()
    client.force_login(customer_user)
    items = Api(client=client).get(f"/cases/{case.pk}/timeline").json()["items"]
    text = json.dumps(items)
    assert "We are on it" in text
    assert "difficult" not in text
    assert "contract" not in text
    assert all(i["before"] == {} and i["after"] == {} for i in items)


def test_a_member_of_another_team_still_sees_every_case(agent, tier2):
    # Staff with case.view see every case; the list is not limited to one's own teams.
    other = UserFactory.create(role=Role.AGENT)
    Membership.objects.create(user=other, team=tier2)
    case = open_case(actor=agent)
    assert api_for(other).get(f"/cases/{case.pk}").status_code == 200


def test_every_cases_schema_is_the_one_published_under_its_name():
    # Ninja names OpenAPI components after the class: two apps' schemas of the same name
    # would silently replace each other in the published document.
    from ninja import Schema

    from followthrough.api import api
    from followthrough.cases import schemas

    components = api.get_openapi_schema()["components"]["schemas"]
    ours = [
        value
        for value in vars(schemas).values()
        if isinstance(value, type)
        and issubclass(value, Schema)
        and value.__module__ == schemas.__name__
        and value.__name__ in components
    ]
    assert len(ours) > 20
    for model in ours:
        published = set(components[model.__name__].get("properties", {}))
        assert published == set(model.model_fields), model.__name__
