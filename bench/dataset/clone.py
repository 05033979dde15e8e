"""Clone templates into the benchmark database: new ids, the clone's own people, customer and
text, times moved to the clone's start, written in bulk (COPY on PostgreSQL, executemany on
SQLite) in chunks of whole cases, each chunk one transaction.

A template's rows are compiled once: each row becomes a list of its constant cells plus the
few positions a clone fills in, and each text with placeholders is split around them, so a
clone costs a list copy and a handful of lookups per row. On PostgreSQL a second thread
writes one chunk while the next is being made.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction

from bench.dataset.capture import (
    CONST,
    ID,
    JSON,
    REF,
    TEXT,
    TIME,
    TOKEN,
    Template,
    document_target,
    time_from_token,
)

# Tables whose own triggers must run on every row: the search index keeps its text index so.
TRIGGERED = {"core_searchdocument"}

# What a compiled cell does, by position: (index, how, argument).
_ID, _TIME, _TEXT, _REF, _PEOPLE = range(5)


@dataclass
class Clone:
    """One copy of a template: who and what replaces the template's own."""

    template: Template
    start: dt.datetime
    people: dict[str, dict[int, int]]  # USER/TEAM/… → template id → clone's id
    text: dict[str, str]  # placeholder → text


class _Compiled:
    """A template's rows as constant cells plus the cells each clone fills in."""

    def __init__(self, template: Template) -> None:
        self.tables: list[tuple[str, list[str], list[tuple[list[Any], list[tuple[Any, ...]]]]]] = []
        for table in template.tables:
            names = [c.name for c in table.columns]
            kind_at = names.index("kind") if "kind" in names else -1
            rows = []
            for row in table.rows:
                base = list(row)
                work: list[tuple[Any, ...]] = []
                for i, (column, value) in enumerate(zip(table.columns, row, strict=True)):
                    how = column.how
                    if how == CONST or value is None:
                        continue
                    if how == ID:
                        work.append((i, _ID, value))
                    elif how == TIME:
                        work.append((i, _TIME, value))
                    elif how in (TEXT, JSON):
                        if "qq" in value:
                            parts = TOKEN.split(value)
                            tokens = TOKEN.findall(value)
                            work.append((i, _TEXT, (parts, tokens)))
                    elif how == REF:
                        target = column.target
                        if target == "*document":
                            target = document_target(row[kind_at])
                        work.append((i, _REF, (target, value)))
                    else:
                        work.append((i, _PEOPLE, (how, value)))
                rows.append((base, work))
            self.tables.append((table.name, names, rows))


class Writer:
    """Collects rows per table; each flush writes them in one transaction (on PostgreSQL in a
    thread of its own, so making the next chunk overlaps with writing this one)."""

    def __init__(self, *, threaded: bool = True) -> None:
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        self.columns: dict[str, list[str]] = {}
        self.order: list[str] = []
        self.written: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.postgres = connection.vendor == "postgresql"
        self._queue: queue.Queue[dict[str, list[tuple[Any, ...]]] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if self.postgres and threaded:
            self._thread = threading.Thread(target=self._run, name="bench-copy", daemon=True)
            self._thread.start()

    def add(self, table: str, columns: list[str], row: tuple[Any, ...]) -> None:
        rows = self.pending.get(table)
        if rows is None:
            rows = self.pending[table] = []
            if table not in self.columns:
                self.columns[table] = columns
                self.order.append(table)
        rows.append(row)

    def flush(self) -> None:
        if self._error is not None:
            raise self._error
        if not self.pending:
            return
        chunk, self.pending = self.pending, {}
        if self._thread is not None:
            self._queue.put(chunk)
        else:
            self._write(chunk)

    def _run(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                self._write(chunk)
        except BaseException as exc:  # handed to the main thread at its next flush
            self._error = exc
            while self._queue.get() is not None:
                pass
        finally:
            connections.close_all()

    def _write(self, chunk: dict[str, list[tuple[Any, ...]]]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET LOCAL synchronous_commit = off")
            for table in self.order:
                rows = chunk.get(table)
                if not rows:
                    continue
                started = time.monotonic()
                if self.postgres:
                    _copy(cursor, table, self.columns[table], rows)
                else:
                    _insert(cursor, table, self.columns[table], rows)
                self.seconds[table] = self.seconds.get(table, 0.0) + time.monotonic() - started
                self.written[table] = self.written.get(table, 0) + len(rows)

    def finish(self) -> None:
        self.flush()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            if self._error is not None:
                raise self._error


def _copy(cursor: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    # As pg_restore does: the rows are consistent by construction (verify() checks every
    # reference afterwards), so no foreign-key trigger runs per row; the search index's own
    # trigger still runs on its table.
    role = "origin" if table in TRIGGERED else "replica"
    cursor.execute(f"SET LOCAL session_replication_role = {role}")
    names = ", ".join(columns)
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(cursor: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    converted = [tuple(_sqlite(v) for v in row) for row in rows]
    cursor.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", converted)  # noqa: S608


def _sqlite(value: Any) -> Any:
    # As Django's SQLite backend stores them: naive UTC datetimes, ISO dates.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Cloner:
    """Hands out new ids per table and turns clones into rows for the writer."""

    def __init__(self, writer: Writer, next_ids: dict[str, int]) -> None:
        self.writer = writer
        self.next_ids = dict(next_ids)
        self.compiled: dict[int, _Compiled] = {}

    def peek(self, table: str) -> int:
        return self.next_ids[table]

    def clone(self, item: Clone) -> dict[str, dict[int, int]]:
        """Write one clone; returns its new ids (table → template id → new id)."""
        template = item.template
        compiled = self.compiled.get(id(template))
        if compiled is None:
            compiled = self.compiled[id(template)] = _Compiled(template)
        ids: dict[str, dict[int, int]] = {}
        text = item.text
        people = item.people
        start = item.start
        next_ids = self.next_ids
        add = self.writer.add

        def word(token: str) -> str:
            if token.startswith("qqt"):
                moment = time_from_token(token, start)
                if moment is not None:
                    return moment
            return text[token]

        for table, names, rows in compiled.tables:
            own = ids.setdefault(table, {})
            for base, work in rows:
                out = base[:]
                for i, how, arg in work:
                    if how == _ID:
                        new = next_ids[table]
                        next_ids[table] = new + 1
                        own[arg] = new
                        out[i] = new
                    elif how == _TIME:
                        out[i] = start + arg
                    elif how == _TEXT:
                        parts, tokens = arg
                        pieces = [parts[0]]
                        for n, token in enumerate(tokens):
                            pieces.append(word(token))
                            pieces.append(parts[n + 1])
                        out[i] = "".join(pieces)
                    elif how == _REF:
                        out[i] = ids[arg[0]][arg[1]]
                    else:
                        mapping = people.get(arg[0])
                        out[i] = arg[1] if mapping is None else mapping.get(arg[1], arg[1])
                add(table, names, tuple(out))
        return ids


def next_ids(tables: Sequence[str]) -> dict[str, int]:
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
            result[table] = cursor.fetchone()[0]
    return result
