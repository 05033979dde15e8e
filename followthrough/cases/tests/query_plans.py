"""EXPLAIN the queries a piece of code really runs (PostgreSQL), for the plan guards."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def plans(run: Callable[[], Any], table: str) -> list[str]:
    """The EXPLAIN text of every query `run` makes that reads `table` (through the ORM or raw
    SQL), with sequential scans switched off: a query that no longer matches an index then
    has to fall back to a scan, which the plan shows."""
    reads = re.compile(rf'FROM "?{table}"?[ )]')
    with CaptureQueriesContext(connection) as captured:
        run()
    queries = [q["sql"] for q in captured.captured_queries if reads.search(q["sql"])]
    assert queries, f"no query read {table}"
    texts = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in queries:
            cursor.execute(f"EXPLAIN {sql}")
            texts.append("\n".join(row[0] for row in cursor.fetchall()))
    return texts
