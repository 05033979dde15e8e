"""Reads for error reports: the open case a repeat report belongs to, and the quarantine."""

from __future__ import annotations

from django.db.models import QuerySet

from followthrough.cases.models import Case
from followthrough.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from followthrough.intake.models import ErrorReport

# A merged case points at the case it went into; follow at most this many hops.
MAX_MERGE_HOPS = 10


def open_case_for_repeat(
    *, product: str, installation_id: str, error_code: str, exclude_report: int | None = None
) -> Case | None:
    """The case the last report of this error from this installation opened, if it (or the
    case it was merged into) is still open; None means a new report opens a new case."""
    reports = ErrorReport.objects.filter(
        product=product,
        installation_id=installation_id,
        error_code=error_code,
        appended=False,
        case__isnull=False,
    )
    if exclude_report is not None:
        reports = reports.exclude(pk=exclude_report)
    case_id = reports.order_by("-id").values_list("case_id", flat=True).first()
    for _ in range(MAX_MERGE_HOPS):
        if case_id is None:
            return None
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            return None
        if case.is_open:
            return case
        case_id = case.merged_into_id
    return None


def quarantined_error_reports(
    *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ErrorReport]:
    """Reports that opened no case, oldest first, for agents to see and retry."""
    queryset: QuerySet[ErrorReport] = ErrorReport.objects.filter(case__isnull=True)
    return keyset_page(queryset, field="received_at", cursor=cursor, limit=limit)
