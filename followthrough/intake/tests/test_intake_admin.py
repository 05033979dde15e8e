"""The admin: product routes are edited there; error reports are only looked at, and the
quarantined ones can be retried once their product is routed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case
from followthrough.intake.errors import IntakeError
from followthrough.intake.models import ErrorReport, ProductRoute
from followthrough.intake.tests.factories import PRODUCT, intake_state, post_form, report_fields


@pytest.fixture
def staff_admin(db, client):
    user = UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_adds_a_product_route(staff_admin, tier2):
    response = staff_admin.post(
        reverse("admin:intake_productroute_add"),
        {
            "product": "Acme Firewall",
            "team": tier2.pk,
            "default_priority": "P1",
            "first_response_minutes": 60,
        },
    )
    assert response.status_code == 302
    route = ProductRoute.objects.get()
    assert (route.product, route.team, route.default_priority) == ("Acme Firewall", tier2, "P1")
    assert route.first_response_minutes == 60


def test_admin_lists_quarantined_reports_and_shows_one_inertly(staff_admin, reporter):
    # Unrouted, so quarantined; the file name and message carry markup that must stay text.
    post_form(
        Client(),
        report_fields(message="<script>alert(1)</script>"),
        [("<img src=x onerror=alert(1)>.log", b"boom\n")],
        reporter.headers,
    )
    report = ErrorReport.objects.get()

    listing = staff_admin.get(reverse("admin:intake_errorreport_changelist") + "?quarantined=yes")
    page = staff_admin.get(reverse("admin:intake_errorreport_change", args=[report.pk]))

    assert listing.status_code == 200
    assert IntakeError.PRODUCT_NOT_ROUTED in listing.content.decode()
    assert page.status_code == 200
    assert b"<script>alert(1)</script>" not in page.content
    assert b"<img src=x" not in page.content


def test_error_reports_cannot_be_edited_or_deleted_in_the_admin(staff_admin, reporter):
    post_form(Client(), report_fields(), [], reporter.headers)
    report = ErrorReport.objects.get()
    before = intake_state()
    change = reverse("admin:intake_errorreport_change", args=[report.pk])
    assert staff_admin.post(change, {"product": "Rewritten"}).status_code == 403
    delete = reverse("admin:intake_errorreport_delete", args=[report.pk])
    assert staff_admin.post(delete, {"post": "yes"}).status_code == 403
    assert intake_state() == before
    assert ErrorReport.objects.get().product == PRODUCT


def test_admin_action_retries_quarantined_reports(staff_admin, reporter, tier2):
    post_form(Client(), report_fields(), [], reporter.headers)
    report = ErrorReport.objects.get()
    ProductRoute.objects.create(product=PRODUCT, team=tier2)

    response = staff_admin.post(
        reverse("admin:intake_errorreport_changelist"),
        {"action": "retry", "_selected_action": [report.pk]},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    case = Case.objects.get()
    assert report.case == case
    assert report.quarantine_code == ""
    assert case.team == tier2
