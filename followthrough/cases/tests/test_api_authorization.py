"""Who may call which cases operation: every operation by every kind of caller.

Callers: tokens of an agent, a lead, a technician and an administrator; an agent's token
narrowed to case.view; an expired and a revoked token; no credentials; a customer of the
case's organisation and a customer of another one (both signed in with a session).

A customer of another organisation must not learn that the case exists: the answer is the
same as for an id that does not exist, status and body alike. Refused calls change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import ApiToken, Membership, Team, User
from followthrough.accounts.services import api_token_create, api_token_revoke
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case
from followthrough.cases.services import decision_record
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.cases.tests.test_api_cases import Api, iso, token_for
from followthrough.customers.tests.factories import ContactFactory

MISSING = 10**9
ROLES = [
    "agent",
    "lead",
    "technician",
    "admin",
    "narrow_token",
    "expired_token",
    "revoked_token",
    "no_credentials",
    "customer",
    "other_customer",
]
# The callers whose statuses each operation lists, in this order; the rest always get 401.
LISTED = ["agent", "lead", "technician", "admin", "narrow_token", "customer", "other_customer"]


@dataclass
class World:
    """A support floor with one queue case (`case`, unowned in Tier 1) and a second case of
    the same customer (`other`), plus whichever record the operation acts on."""

    case: Case
    other: Case
    tier1: Team
    tier2: Team
    agent2: User
    ids: dict[str, int]


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str  # {case}, {other}, {handoff}, {promise}, {decision} are filled from the world
    expect: str  # statuses for LISTED, space-separated
    body: Callable[[World], dict[str, Any]] | None = None
    needs: str = ""  # "handoff", "promise" or "decision": made before the call
    id_in_path: str = "case"  # which id a missing one replaces; "" when there is none

    def statuses(self) -> dict[str, int]:
        codes = dict(zip(LISTED, (int(s) for s in self.expect.split()), strict=True))
        return codes | {"expired_token": 401, "revoked_token": 401, "no_credentials": 401}


def _due() -> str:
    return iso(in_hours(3))


def _contact(world: World) -> dict[str, Any]:
    return {
        "channel": "phone",
        "direction": "inbound",
        "disposition": "next_step_set",
        "note": "Walked through the logs",
        "started_at": iso(timezone.now()),
        "next_step": "Read the logs",
        "next_step_due": _due(),
    }


def _open(world: World) -> dict[str, Any]:
    return {
        "subject": "Printer offline",
        "channel": "phone",
        "next_step": "Call back",
        "next_step_due": _due(),
        "team_id": world.tier1.pk,
    }


def _handoff(world: World) -> dict[str, Any]:
    return {
        "kind": "transfer",
        "summary": "Printer offline",
        "tried": "Power cycle",
        "promised": "A callback",
        "next_step": "Check the driver",
        "next_step_due": _due(),
        "to_team_id": world.tier2.pk,
    }


def _reason(world: World) -> dict[str, Any]:
    return {"reason": "Because"}


#                agent lead tech admin narrow customer other_customer
OPS = [
    Op("open", "POST", "/cases", "201 201 403 201 403 404 404", _open, id_in_path=""),
    Op("list", "GET", "/cases", "200 200 200 200 200 200 200", id_in_path=""),
    Op("get", "GET", "/cases/{case}", "200 200 200 200 200 200 404"),
    Op("timeline", "GET", "/cases/{case}/timeline", "200 200 200 200 200 200 404"),
    Op("deadlines", "GET", "/cases/{case}/deadlines", "200 200 200 200 200 200 404"),
    Op(
        "log_interaction",
        "POST",
        "/cases/{case}/interactions",
        "201 201 201 201 403 403 404",
        _contact,
    ),
    Op(
        "add_note",
        "POST",
        "/cases/{case}/notes",
        "201 201 201 201 403 201 404",
        lambda w: {"body": "Looking into it", "visibility": "public"},
    ),
    Op(
        "set_next_step",
        "PUT",
        "/cases/{case}/next-step",
        "200 200 200 200 403 403 404",
        lambda w: {"next_step": "Ship a spare", "next_step_due": _due()},
    ),
    Op(
        "update",
        "PATCH",
        "/cases/{case}",
        "200 200 200 200 403 403 404",
        lambda w: {"subject": "Printer offline since Monday"},
    ),
    Op(
        "set_status",
        "POST",
        "/cases/{case}/status",
        "200 200 200 200 403 403 404",
        lambda w: {"status": "pending_customer"},
    ),
    Op("claim", "POST", "/cases/{case}/claim", "200 200 200 200 403 403 404"),
    Op(
        "assign",
        "POST",
        "/cases/{case}/assign",
        # A customer cannot name a member of staff: the owner is "not found" to them.
        "403 200 403 200 403 404 404",
        lambda w: {"owner_id": w.agent2.pk, "team_id": w.tier1.pk},
    ),
    Op(
        "hand_off",
        "POST",
        "/cases/{case}/handoffs",
        # Teams are not visible to customers either.
        "201 201 201 201 403 404 404",
        _handoff,
    ),
    Op(
        "accept_handoff",
        "POST",
        "/handoffs/{handoff}/accept",
        "200 200 200 200 403 403 404",
        needs="handoff",
        id_in_path="handoff",
    ),
    Op(
        "decline_handoff",
        "POST",
        "/handoffs/{handoff}/decline",
        "200 200 200 200 403 403 404",
        _reason,
        needs="handoff",
        id_in_path="handoff",
    ),
    Op(
        "cancel_handoff",
        "POST",
        "/handoffs/{handoff}/cancel",
        # Only its sender (agent2 here) or a lead.
        "403 200 403 200 403 403 404",
        _reason,
        needs="handoff",
        id_in_path="handoff",
    ),
    Op(
        "add_promise",
        "POST",
        "/cases/{case}/promises",
        "201 201 201 201 403 403 404",
        lambda w: {"owed_by": "us", "description": "Call back", "due_at": _due()},
    ),
    Op(
        "keep_promise",
        "POST",
        "/promises/{promise}/keep",
        "200 200 200 200 403 403 404",
        needs="promise",
        id_in_path="promise",
    ),
    Op(
        "break_promise",
        "POST",
        "/promises/{promise}/break",
        "200 200 200 200 403 403 404",
        _reason,
        needs="promise",
        id_in_path="promise",
    ),
    Op(
        "cancel_promise",
        "POST",
        "/promises/{promise}/cancel",
        "200 200 200 200 403 403 404",
        _reason,
        needs="promise",
        id_in_path="promise",
    ),
    Op(
        "record_decision",
        "POST",
        "/cases/{case}/decisions",
        "201 201 201 201 403 403 404",
        lambda w: {
            "policy": "Returns",
            "decision": "Take it back",
            "rationale": "Goodwill",
            "no_approver_reason": "Lead away",
        },
    ),
    Op(
        "decision_outcome",
        "POST",
        "/decisions/{decision}/outcome",
        "200 200 200 200 403 403 404",
        lambda w: {"outcome": "It worked"},
        needs="decision",
        id_in_path="decision",
    ),
    Op(
        "link",
        "POST",
        "/cases/{case}/links",
        "201 201 403 201 403 403 404",
        lambda w: {"to_case_id": w.other.pk},
    ),
    Op(
        "merge",
        "POST",
        "/cases/{case}/merge",
        "403 200 403 200 403 403 404",
        lambda w: {"into": w.other.pk, "reason": "Same printer"},
    ),
    Op(
        "take_next",
        "POST",
        "/cases/take-next",
        "200 200 200 200 403 404 404",
        lambda w: {"team_id": w.tier1.pk},
        id_in_path="",
    ),
]


@pytest.fixture
def people(agent, tier1_lead, tier1, organization, customer_user, other_organization):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    admin = UserFactory.create(role=Role.ADMIN)
    for user in (technician, admin):
        Membership.objects.create(user=user, team=tier1)
    other_customer = UserFactory.create(role=Role.CUSTOMER)
    ContactFactory.create(organization=other_organization, user=other_customer)
    return {
        "agent": agent,
        "lead": tier1_lead,
        "technician": technician,
        "admin": admin,
        "customer": customer_user,
        "other_customer": other_customer,
    }


@pytest.fixture
def world(agent2, tier1, tier2, contact, people) -> World:
    case = open_case(actor=agent2, owner=None, team=tier1, contact=contact)
    other = open_case(actor=agent2, owner=agent2, team=tier1, contact=contact)
    return World(case=case, other=other, tier1=tier1, tier2=tier2, agent2=agent2, ids={})


def _make(world: World, needs: str) -> None:
    world.ids |= {"case": world.case.pk, "other": world.other.pk}
    if needs == "handoff":
        world.ids["handoff"] = hand_off(world.agent2, world.case, to_team=world.tier1).pk
    elif needs == "promise":
        world.ids["promise"] = promise(world.agent2, world.case).pk
    elif needs == "decision":
        world.ids["decision"] = decision_record(
            actor=world.agent2,
            case=world.case,
            policy="Returns",
            decision="Take it back",
            rationale="Goodwill",
            no_approver_reason="Lead away",
        ).pk


def _caller(role: str, people: dict[str, User]) -> Api:
    if role in ("agent", "lead", "technician", "admin"):
        return Api(token_for(people[role]))
    if role == "narrow_token":
        return Api(token_for(people["agent"], scopes=[Capability.CASE_VIEW]))
    if role in ("expired_token", "revoked_token"):
        agent = people["agent"]
        token, text = api_token_create(
            actor=agent,
            user=agent,
            name=role,
            scopes=sorted(agent.capabilities),
            expires_at=in_hours(1),
        )
        if role == "revoked_token":
            api_token_revoke(actor=agent, token=token)
        else:
            ApiToken.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - dt.timedelta(minutes=1)
            )
        return Api(text)
    if role == "no_credentials":
        return Api()
    client = Client()
    client.force_login(people[role])
    return Api(client=client)


def _snapshot(world: World) -> tuple[Any, ...]:
    return (case_state(world.case), case_state(world.other), Case.objects.count())


def _call(api: Api, op: Op, world: World, ids: dict[str, int]) -> Any:
    path = op.path.format(**ids)
    if op.method == "GET":
        return api.get(path)
    return api.send(op.method, path, op.body(world) if op.body else None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_authorization_matrix(op, role, world, people):
    _make(world, op.needs)
    api = _caller(role, people)
    expected = op.statuses()[role]
    before = _snapshot(world)

    response = _call(api, op, world, world.ids)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert _snapshot(world) == before
    if expected == 401:
        assert response.json()["code"] == "unauthenticated"
    elif expected == 404 and op.id_in_path and role == "other_customer":
        # Exactly what an id that does not exist gets: nothing tells the two apart.
        missing = _call(api, op, world, world.ids | {op.id_in_path: MISSING})
        assert missing.status_code == 404
        assert missing.content == response.content
    elif expected < 300 and op.method != "GET":
        assert _snapshot(world) != before


@pytest.mark.parametrize("role", ["customer", "other_customer"])
def test_customers_list_only_their_organisations_cases(role, world, people):
    _make(world, "")
    items = _caller(role, people).get("/cases").json()["items"]
    ids = {c["id"] for c in items}
    if role == "customer":
        assert ids == {world.case.pk, world.other.pk}
    else:
        assert ids == set()


def test_every_cases_operation_is_in_the_matrix():
    from followthrough.api import api

    paths = api.get_openapi_schema()["paths"]
    published = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in paths.items()
        for method, spec in methods.items()
        if "cases" in spec.get("tags", [])
    }
    covered = {
        (
            op.method,
            op.path.replace("{case}", "{case_id}")
            .replace("{handoff}", "{handoff_id}")
            .replace("{promise}", "{promise_id}")
            .replace("{decision}", "{decision_id}"),
        )
        for op in OPS
    }
    assert published == covered
