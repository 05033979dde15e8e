"""Checks that a generated desk is what the services would have written: every reference
resolves (the bulk load skips PostgreSQL's per-row foreign-key checks), the counters the brief
shows match the rows, each case has the shape the benchmark promises, and the desk's own reads
find what was loaded (a phone number, a case by its subject and by its number)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models import Count, F, Q

from bench.dataset.world import CASE_MODELS, CUSTOMER_MODELS
from followthrough.accounts.models import User
from followthrough.cases.models import Case, Commitment
from followthrough.cases.states import CommitmentStatus
from followthrough.core.models import SearchDocument

_DOCUMENT_TABLES = {
    "case": "cases_case",
    "case_internal": "cases_case",
    "contact": "customers_contact",
    "organization": "customers_organization",
}


def dangling_references() -> dict[str, int]:
    """Each reference column of the loaded tables, with how many rows point at nothing."""
    found: dict[str, int] = {}
    checks: list[tuple[str, str, str, str]] = []
    for model in dict.fromkeys([*CUSTOMER_MODELS, *CASE_MODELS]):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                target = field.related_model._meta.db_table
                checks.append((model._meta.db_table, field.column, target, ""))
    for kind, target in _DOCUMENT_TABLES.items():
        checks.append(("core_searchdocument", "object_id", target, kind))
    with connection.cursor() as cursor:
        for table, column, target, kind in checks:
            where = f"AND c.kind = '{kind}'" if kind else ""
            cursor.execute(
                f"SELECT count(*) FROM {table} c LEFT JOIN {target} p ON p.id = c.{column} "  # noqa: S608 - our own tables
                f"WHERE c.{column} IS NOT NULL AND p.id IS NULL {where}"
            )
            missing = cursor.fetchone()[0]
            name = f"{table}.{column}" + (f" ({kind})" if kind else "")
            found[name] = found.get(name, 0) + missing
    return found


def counter_mismatches() -> dict[str, int]:
    open_promises = Count("commitments", filter=Q(commitments__status=CommitmentStatus.OPEN))
    return {
        "interaction_count": Case.objects.annotate(n=Count("interactions"))
        .exclude(interaction_count=F("n"))
        .count(),
        "agent_count": Case.objects.annotate(n=Count("agents")).exclude(agent_count=F("n")).count(),
        "open_commitment_count": Case.objects.annotate(n=open_promises)
        .exclude(open_commitment_count=F("n"))
        .count(),
    }


def shape() -> dict[str, Any]:
    def spread(related: str) -> tuple[int, int]:
        counts = Case.objects.annotate(n=Count(related)).aggregate(
            low=models.Min("n"), high=models.Max("n")
        )
        return counts["low"], counts["high"]

    events = spread("events")
    notes = spread("notes")
    return {
        "events_per_case": list(events),
        "notes_per_case": list(notes),
        "open_promises": Commitment.objects.filter(status=CommitmentStatus.OPEN).count(),
    }


def reads_find_what_was_loaded(phone: str) -> dict[str, bool]:
    from followthrough.cases.selectors.search import search_for
    from followthrough.customers.selectors import customer_lookup

    case = Case.objects.filter(status="open").order_by("-pk").first()
    agent = User.objects.filter(role="agent").order_by("pk").first()
    if case is None or agent is None:
        raise RuntimeError("The desk has no open case or no agent to search as.")
    found = customer_lookup(phone)
    by_subject = search_for(agent, f'"{case.subject}"', kinds=["case"]).results
    by_number = search_for(agent, case.number, kinds=["case"]).results
    return {
        "phone": bool(found),
        # Many cases share a subject: a hit with it is enough.
        "subject": any(case.subject in r.hit.title for r in by_subject),
        "number": any(case.pk in (r.hit.object_id, r.hit.parent_id) for r in by_number),
        "documents": SearchDocument.objects.filter(kind="case", object_id=case.pk).exists(),
    }


def verify(phone: str) -> dict[str, Any]:
    return {
        "dangling_references": sum(dangling_references().values()),
        "counter_mismatches": counter_mismatches(),
        "shape": shape(),
        "reads": reads_find_what_was_loaded(phone),
    }
