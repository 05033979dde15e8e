"""Reads: the quarantine list agents work from, one page at a time."""

from __future__ import annotations

from django.test import Client

from followthrough.intake.models import ErrorReport, ProductRoute
from followthrough.intake.selectors import quarantined_error_reports
from followthrough.intake.tests.factories import PRODUCT, post_json, report_fields


def _send(reporter, count: int, **overrides) -> None:
    for i in range(count):
        post_json(
            Client(), report_fields(installation_id=f"inst-{i}", **overrides), reporter.headers
        )


def test_quarantine_lists_only_reports_without_a_case_oldest_first(reporter, tier2):
    _send(reporter, 3)  # unrouted: quarantined
    ProductRoute.objects.create(product=PRODUCT, team=tier2)
    _send(reporter, 2, error_code="E-ROUTED")  # routed: on cases

    page = quarantined_error_reports(limit=2)

    quarantined = list(ErrorReport.objects.filter(case__isnull=True).order_by("id"))
    assert len(quarantined) == 3
    assert [r.pk for r in page.items] == [r.pk for r in quarantined[:2]]
    assert page.next_cursor is not None
    rest = quarantined_error_reports(cursor=page.next_cursor, limit=2)
    assert [r.pk for r in rest.items] == [quarantined[2].pk]
    assert rest.next_cursor is None


def test_quarantine_page_is_one_query_for_one_or_thirty_reports(
    reporter, django_assert_num_queries
):
    _send(reporter, 1)
    with django_assert_num_queries(1):
        assert len(quarantined_error_reports(limit=50).items) == 1
    _send(reporter, 29)
    with django_assert_num_queries(1):
        assert len(quarantined_error_reports(limit=50).items) == 30
