"""Who may call each knowledge-on-cases operation of the API: suggestions, possible
duplicates, solutions (list, mark, undo) and the knowledge report, by every kind of caller.

Callers: tokens of an agent, a lead, a technician and an administrator; an agent's token
narrowed to case.view; a customer of the case's organisation and one of another organisation
(both signed in with a session); nobody. A record the caller may not see answers like a
missing one, and a refused call changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import CaseArticle, CaseEvent
from followthrough.cases.services import case_mark_solution
from followthrough.cases.tests.suggestion_samples import incompatible_products, vireo_case
from followthrough.cases.tests.test_api_cases import Api, token_for
from followthrough.customers.tests.factories import ContactFactory
from followthrough.knowledge.models import Article

CALLERS = [
    "agent",
    "lead",
    "technician",
    "admin",
    "narrow_token",
    "customer",
    "other_customer",
    "nobody",
]


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str  # {case}, {solution} filled in
    expect: str  # one status per caller, in the order of CALLERS
    body: bool = False  # sends {"article_id": <the article>}

    def status(self, caller: str) -> int:
        return dict(zip(CALLERS, (int(s) for s in self.expect.split()), strict=True))[caller]


# Statuses, in the order of CALLERS: agent lead technician admin narrow customer other nobody.
OPS = [
    Op("suggestions", "GET", "/cases/{case}/suggestions", "200 200 200 200 200 200 404 401"),
    Op("similar", "GET", "/cases/{case}/similar", "200 200 200 200 200 403 404 401"),
    Op("solutions", "GET", "/cases/{case}/solutions", "200 200 200 200 200 200 404 401"),
    # The article is internal: a customer (and a token that cannot read the knowledge base)
    # cannot name it at all.
    Op(
        "mark",
        "POST",
        "/cases/{case}/solutions",
        "201 201 201 201 404 404 404 401",
        body=True,
    ),
    Op("undo", "DELETE", "/solutions/{solution}", "204 204 204 204 404 404 404 401"),
    Op("report", "GET", "/reports/knowledge", "403 200 403 200 403 403 403 401"),
]


@pytest.fixture
def world(agent, tier1_lead, contact, other_organization):
    kb = incompatible_products(tier1_lead)
    case = vireo_case(agent, contact)
    # A second, unmarked case for the mark: the first already carries the solution to undo.
    fresh = vireo_case(agent, contact, subject="ShieldGuard will not install on the laptop")
    solution = case_mark_solution(actor=agent, case=case, article=kb.article, row=kb.vireo)
    return {"case": case, "fresh": fresh, "solution": solution, "article": kb.article}


def caller_api(caller: str, agent, tier1_lead, customer_user) -> Api:
    if caller == "nobody":
        return Api()
    if caller in ("customer", "other_customer"):
        if caller == "customer":
            user = customer_user
        else:
            user = UserFactory.create(role=Role.CUSTOMER)
            ContactFactory.create(user=user)
        client = Client()
        client.force_login(user)
        return Api(client=client)
    if caller == "narrow_token":
        return Api(token_for(agent, ["case.view"]))
    users = {
        "agent": agent,
        "lead": tier1_lead,
        "technician": UserFactory.create(role=Role.TECHNICIAN),
        "admin": UserFactory.create(role=Role.ADMIN),
    }
    return Api(token_for(users[caller]))


def snapshot(world) -> tuple[object, ...]:
    return (
        list(CaseArticle.objects.order_by("pk").values_list("pk", "case_id", "article_id")),
        Article.objects.values_list("solved_count", flat=True).get(pk=world["article"].pk),
        CaseEvent.objects.count(),
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_each_caller_gets_its_answer(op, caller, world, agent, tier1_lead, customer_user):
    api = caller_api(caller, agent, tier1_lead, customer_user)
    case = world["fresh"] if op.name == "mark" else world["case"]
    path = op.path.format(case=case.pk, solution=world["solution"].pk)
    body = {"article_id": world["article"].pk} if op.body else None
    before = snapshot(world)

    response = api.get(path) if op.method == "GET" else api.send(op.method, path, body)

    expected = op.status(caller)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
    if op.method == "GET" or expected >= 400:
        assert snapshot(world) == before


@pytest.mark.parametrize("op", [op for op in OPS if "{" in op.path], ids=lambda op: op.name)
def test_a_missing_record_answers_like_a_hidden_one(op, world, agent):
    api = Api(token_for(agent))
    path = op.path.format(case=10**9, solution=10**9)
    body = {"article_id": world["article"].pk} if op.body else None

    response = api.get(path) if op.method == "GET" else api.send(op.method, path, body)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
