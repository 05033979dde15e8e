"""Reports for leads: equal treatment, and referrals by vendor."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires
from followthrough.cases.selectors.referrals import referral_report
from followthrough.cases.selectors.reports import equal_treatment_report, report_period
from followthrough.core.errors import Invalid


@require_GET
@requires(Capability.REPORT_VIEW)
def equal_treatment(request: HttpRequest) -> HttpResponse:
    """First response and resolution per plan tier and channel: does anyone wait longer?"""
    context: dict[str, object] = {"nav": "reports", "report_tab": "equal_treatment"}
    start, end = request.GET.get("from"), request.GET.get("to")
    context["asked"] = {"from": start or "", "to": end or ""}
    try:
        first, last = report_period(start, end, today=timezone.localdate())
    except Invalid as error:
        context["error"] = error.message
        return render(request, "cases/equal_treatment.html", context, status=400)
    context["report"] = equal_treatment_report(start=first, end=last)
    context["asked"] = {"from": first.isoformat(), "to": last.isoformat()}
    return render(request, "cases/equal_treatment.html", context)


@require_GET
@requires(Capability.REPORT_VIEW)
def referrals(request: HttpRequest) -> HttpResponse:
    """Per vendor: how referrals turned out, and whether we checked back when we promised."""
    context: dict[str, object] = {"nav": "reports", "report_tab": "referrals"}
    start, end = request.GET.get("from"), request.GET.get("to")
    context["asked"] = {"from": start or "", "to": end or ""}
    try:
        first, last = report_period(start, end, today=timezone.localdate())
    except Invalid as error:
        context["error"] = error.message
        return render(request, "cases/referral_report.html", context, status=400)
    context["report"] = referral_report(first, last)
    context["asked"] = {"from": first.isoformat(), "to": last.isoformat()}
    return render(request, "cases/referral_report.html", context)
