"""The knowledge report page: which articles solve cases, what people searched for and did not
find, and which published articles are past their review date."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires
from followthrough.cases.selectors.kb_report import knowledge_report, period_bounds
from followthrough.cases.selectors.reports import report_period
from followthrough.core.errors import Invalid


@require_GET
@requires(Capability.REPORT_VIEW)
def kb_report(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"nav": "reports", "report_tab": "knowledge"}
    start, end = request.GET.get("from"), request.GET.get("to")
    context["asked"] = {"from": start or "", "to": end or ""}
    today = timezone.localdate()
    try:
        first, last = report_period(start, end, today=today)
    except Invalid as error:
        context["error"] = error.message
        return render(request, "cases/kb_report.html", context, status=400)
    since, until = period_bounds(first, last)
    context["report"] = knowledge_report(since=since, until=until, today=today)
    context["period"] = {"first": first, "last": last}
    context["asked"] = {"from": first.isoformat(), "to": last.isoformat()}
    return render(request, "cases/kb_report.html", context)
