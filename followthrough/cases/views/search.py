"""The search page: a case number goes straight to the case; anything else finds the exact
customer matches (phone, email, name, serial) first, then everything the person may see in
the full-text index — cases, customers, articles, table rows, vendors — ranked, with the
matching words highlighted, filtered by kind, status, team, owner and opening date.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import User
from followthrough.accounts.selectors import all_teams, staff_users
from followthrough.cases.access import visible_cases
from followthrough.cases.models import format_case_number
from followthrough.cases.selectors import case_id_from_number
from followthrough.cases.selectors.search import (
    CASE,
    CONTACT,
    KIND_LABELS,
    MAX_PAGE,
    ORGANIZATION,
    STATUS_LABELS,
    SearchPage,
    opened_between,
    repeated_parameters,
    search_filters,
    search_for,
    searchable_kinds,
    with_cases,
)
from followthrough.cases.views.calls import MATCHED_BY, clean_query
from followthrough.core.errors import Invalid
from followthrough.core.phones import format_phone
from followthrough.core.search import search_log
from followthrough.customers.selectors import customer_lookup

# What a results page's links carry over (the page number is set by each link).
KEPT = ("q", "kind", "status", "team", "owner", "opened_from", "opened_to")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=False)
    kind = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    opened_from = forms.DateField(
        required=False,
        label="Opened from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the “opened from” date as a date (2026-03-31)."},
    )
    opened_to = forms.DateField(
        required=False,
        label="Opened to",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the “opened to” date as a date (2026-03-31)."},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": "The page is a number.",
            "min_value": "Pages start at 1.",
            "max_value": f"Pages stop at {MAX_PAGE}; narrow the search instead.",
        },
    )

    def __init__(self, data: QueryDict, *, actor: User) -> None:
        super().__init__(data)
        kinds = searchable_kinds(actor)
        choices: dict[str, list[tuple[Any, str]]] = {
            "kind": [("", "Everything")] + [(k, KIND_LABELS[k]) for k in kinds],
            "status": [("", "Any status"), *STATUS_LABELS.items()],
            "team": [("", "Any team")] + [(t.pk, t.name) for t in all_teams()],
            "owner": [("", "Anyone")] + [(u.pk, u.display_name) for u in staff_users()],
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = options

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", "The “opened to” date is before the “opened from” date.")
        return data


def _customers(query: str) -> list[tuple[Any, str, str]]:
    customers = []
    for match in customer_lookup(query):
        if match.contact is not None:
            phone = next(iter(match.contact.phones.all()), None)
            detail = format_phone(phone.number) if phone else ""
        else:
            detail = ""
        customers.append((match, MATCHED_BY[match.matched_by], detail))
    return customers


def _link(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged)


def _refused(request: HttpRequest, context: dict[str, Any], problems: list[str]) -> HttpResponse:
    context["problems"] = problems
    return render(request, "cases/search.html", context, status=400)


@require_GET
@requires(Capability.CASE_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    # What people type into a search box is cleaned, not refused (control characters, NUL).
    data = request.GET.copy()
    if len(data.getlist("q")) == 1:
        data["q"] = clean_query(request.GET.get("q") or "")
    form = SearchForm(data, actor=user)
    context: dict[str, Any] = {
        "form": form,
        "query": "",
        "search_query": clean_query(request.GET.get("q") or ""),
        "case_example": format_case_number(12),
        "max_page": MAX_PAGE,
    }
    problems = repeated_parameters(request.GET.lists())
    if not problems and not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
    if problems:
        return _refused(request, context, problems)
    cleaned = form.cleaned_data
    query: str = cleaned["q"]
    context["query"] = query
    if not query:
        return render(request, "cases/search.html", context)
    page = cleaned["page"] or 1
    case_id = case_id_from_number(query)
    if case_id is not None and page == 1 and visible_cases(user).filter(pk=case_id).exists():
        search_log(user_id=user.pk, query=query, kinds=[CASE], result_count=1)
        return redirect("case_detail", case_id=case_id)
    created_from, created_to = opened_between(
        cleaned["opened_from"], cleaned["opened_to"], timezone.get_current_timezone()
    )
    try:
        filters = search_filters(
            status=cleaned["status"] or None,
            team_id=cleaned["team"],
            owner_id=cleaned["owner"],
            created_from=created_from,
            created_to=created_to,
        )
    except Invalid as refusal:
        return _refused(request, context, [refusal.message])
    kind = cleaned["kind"] or None
    results = search_for(user, query, kinds=[kind] if kind else None, filters=filters, page=page)
    with_cases(results.results)
    # The exact lookup answers "who is this?"; it stands above the first page of results.
    exact = page == 1 and filters is None and kind in (None, CONTACT, ORGANIZATION)
    customers = _customers(query) if exact and user.has_capability(Capability.CUSTOMER_VIEW) else []
    if page == 1:
        # A search is logged once, when its first page is asked for.
        found = len(results.results) + len(customers)
        search_log(user_id=user.pk, query=query, kinds=results.kinds, result_count=found)
    context.update(
        _results_context(user, results, {k: data.get(k, "") for k in KEPT}, kind or ""),
        customers=customers,
        case_id=case_id,
        filtered=filters is not None,
    )
    return render(request, "cases/search.html", context)


def _results_context(
    user: User, results: SearchPage, params: dict[str, str], kind: str
) -> dict[str, Any]:
    """The results, and the links around them: kinds, pages, clearing the filters."""
    kinds = [("", "Everything"), *((k, KIND_LABELS[k]) for k in searchable_kinds(user))]
    return {
        "results": results,
        "kind": kind,
        "kind_links": [(k, label, _link(params, kind=k)) for k, label in kinds],
        "clear_filters": _link({"q": params["q"], "kind": kind}),
        "previous_page": _link(params, page=results.page - 1) if results.has_previous else "",
        "next_page": _link(params, page=results.page + 1) if results.has_more else "",
    }
