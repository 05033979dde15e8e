"""The deadline scan and the queues read partial indexes, not whole tables (PostgreSQL).

The queries the code really runs are captured and explained with sequential scans switched
off: if a query stopped matching an index's predicate, the planner would have to fall back
to a sequential scan and these tests would fail.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followthrough.cases.selectors import queue_team
from followthrough.cases.services.deadlines import sla_scan

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL"
    ),
    pytest.mark.django_db,
]


def plans(run, table: str) -> list[str]:
    """The EXPLAIN text of every SELECT `run` makes from `table`, sequential scans off."""
    with CaptureQueriesContext(connection) as captured:
        run()
    selects = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]
    assert selects, f"no query read {table}"
    texts = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in selects:
            cursor.execute(f"EXPLAIN {sql}")
            texts.append("\n".join(row[0] for row in cursor.fetchall()))
    return texts


def test_the_scan_reads_warnings_and_breaches_from_their_partial_indexes():
    warnings, breaches = plans(sla_scan, "cases_slaclock")
    assert "sla_clock_warn_due" in warnings
    assert "sla_clock_breach_due" in breaches
    assert "Seq Scan" not in warnings + breaches


def test_a_team_queue_is_read_from_the_open_case_index(tier1):
    [text] = plans(lambda: queue_team(tier1), "cases_case")
    assert "case_open_team_due" in text
    assert "Seq Scan" not in text
