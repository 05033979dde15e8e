"""Every state change is a POST with a CSRF token; a GET never changes anything."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from followthrough.cases.models import Case, CaseEvent, Commitment, Decision, Handoff
from followthrough.cases.services import decision_record
from followthrough.cases.tests.factories import hand_off, open_case, promise

# Each state-changing route, with how to fill its URL from the objects of the scenario.
POST_ROUTES = {
    "take_next": lambda s: {},
    "call_open_case": lambda s: {},
    "case_log_call": lambda s: {"case_id": s["case"].pk},
    "case_add_note": lambda s: {"case_id": s["case"].pk},
    "case_set_next_step": lambda s: {"case_id": s["case"].pk},
    "case_update": lambda s: {"case_id": s["case"].pk},
    "case_set_status": lambda s: {"case_id": s["case"].pk},
    "case_claim": lambda s: {"case_id": s["queued"].pk},
    "case_assign": lambda s: {"case_id": s["case"].pk},
    "case_hand_off": lambda s: {"case_id": s["case"].pk},
    "case_add_promise": lambda s: {"case_id": s["case"].pk},
    "case_record_decision": lambda s: {"case_id": s["case"].pk},
    "case_link": lambda s: {"case_id": s["case"].pk},
    "case_merge": lambda s: {"case_id": s["case"].pk},
    "handoff_answer": lambda s: {"handoff_id": s["handoff"].pk, "answer": "accept"},
    "promise_settle": lambda s: {"commitment_id": s["promise"].pk, "outcome": "keep"},
    "decision_outcome": lambda s: {"decision_id": s["decision"].pk},
}


@pytest.fixture
def scenario(agent, agent2, tier1, tier1_lead, contact):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    other = open_case(actor=agent2, owner=agent2, team=tier1, contact=contact)
    return {
        "case": case,
        "queued": open_case(actor=agent, owner=None, team=tier1),
        "handoff": hand_off(agent2, other, to_user=agent),
        "promise": promise(agent, case),
        "decision": decision_record(
            actor=agent,
            case=case,
            policy="No swaps before troubleshooting",
            decision="Swap now",
            rationale="Site is hours away",
            approved_by=tier1_lead,
        ),
    }


def _world() -> tuple:
    return (
        CaseEvent.objects.count(),
        list(Case.objects.order_by("pk").values_list("pk", "version", "owner_id", "status")),
        list(Handoff.objects.order_by("pk").values_list("pk", "status")),
        list(Commitment.objects.order_by("pk").values_list("pk", "status")),
        list(Decision.objects.order_by("pk").values_list("pk", "outcome")),
    )


@pytest.mark.parametrize("name", sorted(POST_ROUTES))
def test_get_on_a_state_changing_route_is_refused_and_changes_nothing(
    client, agent, scenario, name
):
    client.force_login(agent)
    before = _world()
    url = reverse(name, kwargs=POST_ROUTES[name](scenario))
    assert client.get(url).status_code == 405
    assert _world() == before


@pytest.mark.parametrize("name", sorted(POST_ROUTES))
def test_post_without_a_csrf_token_is_refused_and_changes_nothing(agent, scenario, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = _world()
    url = reverse(name, kwargs=POST_ROUTES[name](scenario))
    assert client.post(url, {"note": "x", "reason": "x"}).status_code == 403
    assert _world() == before


def test_sign_out_needs_a_token_too(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post("/sign-out/").status_code == 403
    assert client.get("/").status_code == 200
