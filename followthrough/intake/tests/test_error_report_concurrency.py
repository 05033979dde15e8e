"""Reports racing on real connections: the same error from one installation arriving at once
opens one case, and a retried request with its Idempotency-Key never opens a second."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from followthrough.cases.models import Case, Interaction
from followthrough.core.errors import ServiceError
from followthrough.intake.models import ErrorReport
from followthrough.intake.services import error_report_receive
from followthrough.intake.tests.factories import post_json, report_fields

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
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


def test_ten_reports_of_one_error_arriving_together_open_one_case(route, reporter):
    results = run_together(
        [partial(error_report_receive, token=reporter.token, **report_fields()) for _ in range(10)]
    )

    assert [r for r in results if not isinstance(r, ErrorReport)] == []
    case = Case.objects.get()
    assert ErrorReport.objects.filter(case=case).count() == 10
    assert ErrorReport.objects.filter(appended=False).count() == 1
    assert case.interaction_count == 10
    assert Interaction.objects.filter(case=case).count() == 10


def test_two_identical_requests_with_one_idempotency_key_open_one_case(route, reporter):
    headers = {**reporter.headers, "Idempotency-Key": "same-crash-once"}

    def send() -> Any:
        return post_json(Client(), report_fields(), headers)

    responses = run_together([send, send])

    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([201, 201], [201, 409])
    numbers = {r.json()["case_number"] for r in responses if r.status_code == 201}
    assert len(numbers) == 1
    assert Case.objects.count() == 1
    assert ErrorReport.objects.count() == 1
