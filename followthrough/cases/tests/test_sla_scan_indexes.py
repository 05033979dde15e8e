"""The deadline scan and the queues read partial indexes, not whole tables (PostgreSQL).

The queries the code really runs are captured and explained with sequential scans switched
off: if a query stopped matching an index's predicate, the planner would have to fall back
to a sequential scan and these tests would fail.
"""

from __future__ import annotations

import pytest
from django.db import connection

from followthrough.cases.selectors import queue_team
from followthrough.cases.services.deadlines import sla_scan
from followthrough.cases.tests.query_plans import plans

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL"
    ),
    pytest.mark.django_db,
]


def test_the_scan_reads_warnings_and_breaches_from_their_partial_indexes():
    warnings, breaches = plans(sla_scan, "cases_slaclock")
    assert "sla_clock_warn_due" in warnings
    assert "sla_clock_breach_due" in breaches
    assert "Seq Scan" not in warnings + breaches


def test_a_team_queue_is_read_from_the_open_case_index(tier1):
    [text] = plans(lambda: queue_team(tier1), "cases_case")
    assert "case_open_team_due" in text
    assert "Seq Scan" not in text
