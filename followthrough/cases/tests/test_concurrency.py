"""Races on real connections: parallel opens, simultaneous claims, stale writes.

Each thread uses its own database connection, as two web processes would. On PostgreSQL the
services lock rows (FOR UPDATE, SKIP LOCKED); on SQLite, IMMEDIATE transactions serialise the
writers. The same assertions hold on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from django.db import connections

from followthrough.accounts.models import Membership
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.services import case_claim, case_claim_next, case_set_next_step
from followthrough.cases.states import EventType
from followthrough.cases.tests.factories import in_hours, open_case
from followthrough.core.errors import ServiceError

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released at the same instant; return results or errors."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
            return call()
        except ServiceError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_parallel_opens_give_fifty_distinct_numbers(agent):
    results = run_together(
        [partial(open_case, actor=agent, subject=f"Parallel case {i}") for i in range(50)]
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    numbers = {case.number for case in results}
    assert len(numbers) == 50
    assert Case.objects.count() == 50
    assert CaseEvent.objects.filter(type=EventType.OPENED).count() == 50


def test_two_agents_claiming_at_once_give_one_owner_and_one_refusal(tier1, agent, agent2):
    case = open_case(actor=agent, owner=None, team=tier1)
    results = run_together(
        [lambda: case_claim(actor=agent, case=case), lambda: case_claim(actor=agent2, case=case)]
    )
    wins = [r for r in results if isinstance(r, Case)]
    refusals = [r for r in results if isinstance(r, ServiceError)]
    assert len(wins) == 1
    assert len(refusals) == 1
    assert refusals[0].code == CaseError.ALREADY_OWNED
    case.refresh_from_db()
    assert case.owner_id == wins[0].owner_id
    assert CaseEvent.objects.filter(case=case, type=EventType.CLAIMED).count() == 1
    assert case.version == 2


def test_take_next_under_concurrency_hands_out_each_case_once(tier1, agent):
    agents = [agent]
    for _ in range(5):
        user = UserFactory.create()
        Membership.objects.create(user=user, team=tier1)
        agents.append(user)
    cases = [open_case(actor=agent, owner=None, team=tier1, subject=f"Q{i}") for i in range(4)]
    results = run_together([partial(case_claim_next, actor=a, team=tier1) for a in agents])
    claimed = [r.pk for r in results if isinstance(r, Case)]
    empty = [r for r in results if isinstance(r, ServiceError)]
    assert sorted(claimed) == sorted(c.pk for c in cases)
    assert len(empty) == 2
    assert {e.code for e in empty} == {CaseError.QUEUE_EMPTY}
    owners = dict(Case.objects.values_list("pk", "owner_id"))
    assert len({owners[pk] for pk in claimed}) == 4


def test_two_writes_from_the_same_version_give_one_change_and_one_conflict(agent, agent2):
    case = open_case(actor=agent)
    seen = case.version
    results = run_together(
        [
            lambda: case_set_next_step(
                actor=agent,
                case=case,
                next_step="Ship the replacement",
                next_step_due=in_hours(2),
                expected_version=seen,
            ),
            lambda: case_set_next_step(
                actor=agent2,
                case=case,
                next_step="Call the vendor",
                next_step_due=in_hours(3),
                expected_version=seen,
            ),
        ]
    )
    conflicts = [r for r in results if isinstance(r, ServiceError)]
    assert len(conflicts) == 1
    assert conflicts[0].code == "stale_version"
    assert conflicts[0].details["current_version"] == seen + 1
    assert conflicts[0].details["changes"] == [EventType.NEXT_STEP_SET]
    case.refresh_from_db()
    assert case.version == seen + 1
    assert CaseEvent.objects.filter(case=case, type=EventType.NEXT_STEP_SET).count() == 1
