"""Idempotency-Key on POST /cases: a retry gets the first answer, never a second case.

The concurrent test runs two real requests at once, each thread with its own test client and
database connection, as two web processes would.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.tests.test_api_cases import Api, api_for, open_body, problem, token_for


def test_a_retry_with_the_same_key_replays_the_first_answer(agent):
    api = api_for(agent)
    body = open_body(owner_id=agent.pk)
    first = api.post("/cases", body, **{"Idempotency-Key": "open-42"})
    second = api.post("/cases", body, **{"Idempotency-Key": "open-42"})
    assert first.status_code == second.status_code == 201, second.content
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert (second["ETag"], second["Location"]) == (first["ETag"], first["Location"])
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_a_different_key_opens_another_case(agent):
    api = api_for(agent)
    body = open_body(owner_id=agent.pk)
    assert api.post("/cases", body, **{"Idempotency-Key": "a"}).status_code == 201
    assert api.post("/cases", body, **{"Idempotency-Key": "b"}).status_code == 201
    assert Case.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(agent):
    api = api_for(agent)
    first = api.post("/cases", open_body(owner_id=agent.pk), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    response = api.post(
        "/cases",
        open_body(owner_id=agent.pk, subject="Something else"),
        **{"Idempotency-Key": "k-1"},
    )
    assert problem(response, 422)["code"] == "idempotency_key_reused"
    assert list(Case.objects.values_list("subject", flat=True)) == ["Switch reboots every night"]


def test_a_refusal_is_replayed_too_and_still_creates_nothing(agent):
    api = api_for(agent)
    body = open_body()  # no owner, no team: refused
    first = api.post("/cases", body, **{"Idempotency-Key": "refused"})
    second = api.post("/cases", body, **{"Idempotency-Key": "refused"})
    assert problem(first, 422)["code"] == "owner_or_team_required"
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert not Case.objects.exists()


def test_keys_belong_to_their_caller(agent, agent2):
    body = open_body(team_id=None, owner_id=agent.pk)
    assert api_for(agent).post("/cases", body, **{"Idempotency-Key": "shared"}).status_code == 201
    other = api_for(agent2).post("/cases", body, **{"Idempotency-Key": "shared"})
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_opens_make_one_case(agent):
    token = token_for(agent)
    body = open_body(owner_id=agent.pk)
    barrier = threading.Barrier(2)

    def send() -> Any:
        try:
            api = Api(token, client=Client())
            barrier.wait(timeout=30)
            return api.post("/cases", body, **{"Idempotency-Key": "together"})
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda _: send(), range(2)))

    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    assert len(created) == 1
    others = [r for r in responses if r is not created[0]]
    for response in others:
        if response.status_code == 409:
            assert problem(response, 409)["code"] == "idempotency_in_progress"
            assert response["Retry-After"] == "1"
        else:
            assert response.status_code == 201
            assert response["Idempotent-Replayed"] == "true"
            assert response.content == created[0].content
