"""Capture the rows a service script wrote, and turn them into a template that can be cloned.

A template is the exact rows the services wrote for one case (or one customer), with every
piece of text that should vary replaced by a placeholder token (`qq…qq`), every reference to
a person, a team or a customer noted as such, and every time kept as an offset from the
template's start. Cloning it a million times gives data of exactly the shape the services
write, at the speed of a bulk load.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from followthrough.accounts.models import Team, User
from followthrough.core.models import SearchDocument
from followthrough.customers.models import Asset, Contact, Organization, Site

TOKEN = re.compile(r"qq[a-z0-9]+qq")
# A time inside JSON (as the services write it, isoformat in UTC), kept as its offset from the
# template's start: qqt<microseconds>qq, or qqtm<microseconds>qq before the start.
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?\+00:00")

# How a column of a template row is filled in for a clone.
ID = "id"  # the row's own new id
REF = "ref"  # a reference to another cloned row (table named in the spec)
USER = "user"
TEAM = "team"
ORGANIZATION = "organization"
CONTACT = "contact"
ASSET = "asset"
SITE = "site"
TIME = "time"  # shifted by the clone's offset
TEXT = "text"  # placeholders replaced
JSON = "json"  # dumped, placeholders replaced
CONST = "const"

_EXTERNAL = {
    User: USER,
    Team: TEAM,
    Organization: ORGANIZATION,
    Contact: CONTACT,
    Asset: ASSET,
    Site: SITE,
}

# SearchDocument keeps plain ids: what each one refers to, by document kind.
_DOCUMENT_OBJECT = {
    "case": "cases_case",
    "case_internal": "cases_case",
    "contact": "customers_contact",
    "organization": "customers_organization",
}


@dataclass
class Column:
    name: str
    how: str
    target: str = ""  # the referenced table, for REF


@dataclass
class Table:
    model: type[models.Model]
    name: str
    columns: list[Column]
    # Each template row, cell by cell (text cells already carry their placeholders).
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Template:
    """The rows one script wrote, in insert order (parents before children)."""

    tables: list[Table]
    start: dt.datetime
    # What the clone chooses: the template's people, team and customer it must replace.
    users: list[int]
    attrs: dict[str, Any] = field(default_factory=dict)

    def count(self, table: str) -> int:
        return sum(len(t.rows) for t in self.tables if t.name == table)


def _columns(model: type[models.Model], cloned: set[type[models.Model]]) -> list[Column]:
    columns = []
    for f in model._meta.concrete_fields:
        name = f.column
        if f.primary_key:
            columns.append(Column(name, ID))
        elif f.is_relation and f.related_model is not None:
            target = f.related_model
            if target in cloned:
                columns.append(Column(name, REF, target._meta.db_table))
            elif target in _EXTERNAL:
                columns.append(Column(name, _EXTERNAL[target]))
            else:
                columns.append(Column(name, CONST))
        elif model is SearchDocument and name in {"object_id", "parent_id"}:
            columns.append(Column(name, REF, "*document"))
        elif model is SearchDocument and name == "organization_id" and Organization in cloned:
            columns.append(Column(name, REF, Organization._meta.db_table))
        elif model is SearchDocument and name in {"organization_id", "team_id", "owner_id"}:
            how = {"organization_id": ORGANIZATION, "team_id": TEAM, "owner_id": USER}[name]
            columns.append(Column(name, how))
        elif isinstance(f, models.DateTimeField):
            columns.append(Column(name, TIME))
        elif isinstance(f, models.JSONField):
            columns.append(Column(name, JSON))
        elif isinstance(f, models.CharField | models.TextField):
            columns.append(Column(name, TEXT))
        else:
            columns.append(Column(name, CONST))
    return columns


def time_token(offset: dt.timedelta) -> str:
    micro = round(offset.total_seconds() * 1_000_000)
    return f"qqtm{-micro}qq" if micro < 0 else f"qqt{micro}qq"


def time_from_token(token: str, start: dt.datetime) -> str | None:
    """The time a qqt…qq token stands for in a clone that starts at `start`, or None if the
    token is not a time."""
    body = token[3:-2]
    sign = 1
    if body.startswith("m"):
        sign, body = -1, body[1:]
    if not body.isdigit():
        return None
    return (start + dt.timedelta(microseconds=sign * int(body))).isoformat()


def document_target(kind: str) -> str:
    return _DOCUMENT_OBJECT[kind]


class Capture:
    """Notes the highest id of each table, runs a script, then reads the rows it added."""

    def __init__(self, models_in_order: Iterable[type[models.Model]]) -> None:
        self.models = list(models_in_order)
        self.cloned = set(self.models)
        self.columns = {m: _columns(m, self.cloned) for m in self.models}

    def marks(self) -> dict[type[models.Model], int]:
        return {
            m: (m._default_manager.aggregate(top=models.Max("pk"))["top"] or 0) for m in self.models
        }

    def rows_since(
        self,
        marks: dict[type[models.Model], int],
        *,
        start: dt.datetime,
        users: list[int],
        placeholders: dict[str, str],
        attrs: dict[str, Any] | None = None,
    ) -> Template:
        """The rows added since `marks`, with each text in `placeholders` (real text → token)
        turned into its token."""
        pattern = (
            re.compile("|".join(re.escape(k) for k in sorted(placeholders, key=len, reverse=True)))
            if placeholders
            else None
        )

        def tokenise(value: str) -> str:
            return pattern.sub(lambda m: placeholders[m.group(0)], value) if pattern else value

        tables = []
        for model in self.models:
            columns = self.columns[model]
            names = [c.name for c in columns]
            table = Table(model, model._meta.db_table, columns)
            query = model._default_manager.filter(pk__gt=marks[model]).order_by("pk")
            for values in query.values_list(*[_attname(model, n) for n in names]):
                row = []
                for column, value in zip(columns, values, strict=True):
                    if column.how == TEXT and isinstance(value, str):
                        value = tokenise(value)
                    elif column.how == JSON:
                        value = _ISO_TIME.sub(
                            lambda m: time_token(dt.datetime.fromisoformat(m.group(0)) - start),
                            tokenise(json.dumps(value)),
                        )
                    elif column.how == TIME and value is not None:
                        value = value - start
                    row.append(value)
                table.rows.append(row)
            if table.rows:
                tables.append(table)
        return Template(tables, start, users, dict(attrs or {}))


def _attname(model: type[models.Model], column: str) -> str:
    for f in model._meta.concrete_fields:
        if f.column == column:
            return f.attname
    raise LookupError(column)
