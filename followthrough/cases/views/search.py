"""The top bar's search box: a case number goes straight to the case; anything else lists the
customers it finds and the cases whose subject holds the text.

A simple lookup for now; the knowledge issue brings the full-text index.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.cases.access import visible_cases
from followthrough.cases.models import format_case_number
from followthrough.cases.selectors import (
    SUBJECT_SEARCH_LIMIT,
    case_id_from_number,
    cases_with_subject,
)
from followthrough.cases.views.calls import MATCHED_BY, clean_query
from followthrough.core.phones import format_phone
from followthrough.customers.selectors import customer_lookup

# Shorter text would match most subjects and tell nobody anything.
MIN_SUBJECT_QUERY = 2


@require_GET
@requires(Capability.CASE_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    # QueryDict.get takes the last of repeated values; "q[]" is what some clients send.
    raw = request.GET.get("q") or request.GET.get("q[]") or ""
    query = clean_query(raw)
    context: dict[str, object] = {
        "query": query,
        "search_query": query,
        "case_example": format_case_number(12),
    }
    if query:
        case_id = case_id_from_number(query)
        if case_id is not None and visible_cases(user).filter(pk=case_id).exists():
            return redirect("case_detail", case_id=case_id)
        customers = []
        for match in customer_lookup(query):
            if match.contact is not None:
                phone = next(iter(match.contact.phones.all()), None)
                detail = format_phone(phone.number) if phone else ""
            else:
                detail = ""
            customers.append((match, MATCHED_BY[match.matched_by], detail))
        context["customers"] = customers
        context["cases"] = (
            cases_with_subject(visible_cases(user), query)
            if len(query) >= MIN_SUBJECT_QUERY
            else []
        )
        context["case_id"] = case_id
        context["subject_limit"] = SUBJECT_SEARCH_LIMIT
    return render(request, "cases/search.html", context)
