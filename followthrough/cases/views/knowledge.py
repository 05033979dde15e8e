"""The case page's knowledge panels: suggested articles with "this solved it", and possible
duplicates with one-click link and merge.

Both panels load after the page (htmx, `hx-trigger="load"`) and work without JavaScript as
pages of their own. Their actions are POSTs that call one service each (the same case_link and
case_merge as the case page's own link and merge panels); a success answers an htmx request
with the re-rendered case body, like every case action, so the timeline and the case's
version stay current; a refusal or the merge's confirmation step answers with the panel only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import User
from followthrough.cases.access import access_case, access_solution
from followthrough.cases.forms import MergeForm
from followthrough.cases.models import Case
from followthrough.cases.schemas import MAX_ID
from followthrough.cases.selectors.suggestions import (
    case_suggestions,
    pending_handoff,
    similar_cases,
)
from followthrough.cases.services import (
    case_link,
    case_mark_solution,
    case_merge,
    case_unmark_solution,
)
from followthrough.cases.states import CaseStatus, LinkKind
from followthrough.cases.views.case import case_page_context, merge_consequences
from followthrough.core.errors import Invalid, NotFound, ServiceError
from followthrough.knowledge.access import access_article, access_table_row
from followthrough.knowledge.models import TableRow

SUGGESTIONS = "cases/_case_suggestions.html"
SIMILAR = "cases/_case_similar.html"


class SolutionForm(forms.Form):
    """Which article (and, optionally, which of its table rows) solved the case."""

    article = forms.IntegerField(min_value=1, max_value=MAX_ID)
    row = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _done(request: HttpRequest, case_id: int, message: str) -> HttpResponse:
    """After a change: the whole case body again (htmx), or back to the case page."""
    if _is_htmx(request):
        context = case_page_context(request, case_id, success=message)
        return render(request, "cases/_case_body.html", context)
    messages.success(request, message)
    return redirect("case_detail", case_id=case_id)


def _panel(
    request: HttpRequest, template: str, target: str, context: dict[str, Any]
) -> HttpResponse:
    """A panel on its own: swapped into its place on the case page, or as a page."""
    context.setdefault("nav", "home")
    if _is_htmx(request):
        response = render(request, template, context)
        if request.method == "POST":
            # The panel's forms aim at the case body (what a success renders); a refusal or a
            # confirmation step replaces only the panel.
            response = reswap(retarget(response, target), "innerHTML")
        return response
    return render(request, "cases/case_panel.html", {**context, "panel_template": template})


def _abilities(user: User, case: Case) -> dict[str, bool]:
    not_closed = case.status != CaseStatus.CLOSED
    return {
        "work": user.has_capability(Capability.CASE_WORK) and not_closed,
        "link": user.has_capability(Capability.CASE_LINK),
        "merge": user.has_capability(Capability.CASE_MERGE) and not_closed,
    }


# --- Suggested articles -------------------------------------------------------------------


def _suggestions_panel(
    request: HttpRequest, case: Case, *, error: ServiceError | str = ""
) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "case": case,
        "suggestions": case_suggestions(case, user),
        "can": _abilities(user, case),
        "error": error.message if isinstance(error, ServiceError) else error,
        "panel_title": "Suggested articles",
        "panel_id": "case-suggestions",
    }
    return _panel(request, SUGGESTIONS, "#case-suggestions", context)


@require_GET
@requires(Capability.KB_VIEW)
def suggestions_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(signed_in_user(request), case_id)
    return _suggestions_panel(request, case)


def _solution_row(user: User, row_id: int | None) -> TableRow | None:
    if row_id is None:
        return None
    try:
        return access_table_row(user, row_id)
    except NotFound:
        raise Invalid("That table row is no longer in the knowledge base.", field="row") from None


@require_POST
@requires(Capability.CASE_WORK)
def mark_solution(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = SolutionForm(request.POST)
    if not form.is_valid():
        return _suggestions_panel(request, case, error="Choose an article from the suggestions.")
    try:
        article = access_article(user, form.cleaned_data["article"])
        row = _solution_row(user, form.cleaned_data["row"])
        case_mark_solution(actor=user, case=case, article=article, row=row)
    except NotFound:
        return _suggestions_panel(
            request, case, error="That article is no longer in the knowledge base."
        )
    except ServiceError as exc:
        return _suggestions_panel(request, case, error=exc)
    return _done(request, case.pk, f"Marked “{article.title}” as the solution of {case.number}.")


@require_POST
@requires(Capability.CASE_WORK)
def unmark_solution(request: HttpRequest, solution_id: int) -> HttpResponse:
    user = signed_in_user(request)
    solution = access_solution(user, solution_id)
    case = solution.case
    try:
        case_unmark_solution(actor=user, case_article=solution)
    except ServiceError as exc:
        return _suggestions_panel(request, case, error=exc)
    title = solution.article.title
    return _done(request, case.pk, f"“{title}” is no longer marked as the solution.")


# --- Possible duplicates ------------------------------------------------------------------


def _similar_panel(
    request: HttpRequest,
    case: Case,
    *,
    error: ServiceError | str = "",
    error_for: int | None = None,
    confirm: dict[str, Any] | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "case": case,
        "similar": similar_cases(case),
        "can": _abilities(user, case),
        "error": error.message if isinstance(error, ServiceError) else error,
        "error_for": error_for,
        "confirm": confirm,
        "panel_title": "Possible duplicates",
        "panel_id": "case-similar",
    }
    return _panel(request, SIMILAR, "#case-similar", context)


@require_GET
@requires(Capability.CASE_VIEW)
def similar_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(signed_in_user(request), case_id)
    return _similar_panel(request, case)


@require_POST
@requires(Capability.CASE_LINK)
def link_duplicate(request: HttpRequest, case_id: int, other_id: int) -> HttpResponse:
    """The other case is a duplicate of this one: linked so, on both timelines."""
    user = signed_in_user(request)
    case = access_case(user, case_id)
    other = access_case(user, other_id)
    try:
        case_link(actor=user, case=other, other=case, kind=LinkKind.DUPLICATE)
    except ServiceError as exc:
        return _similar_panel(request, case, error=exc, error_for=other.pk)
    return _done(request, case.pk, f"{other.number} is linked as a duplicate of {case.number}.")


def _merge_data(request: HttpRequest, case: Case) -> QueryDict:
    """What the merge form takes: the posted reason and confirmation, merging into this case."""
    data = request.POST.copy()
    data["into"] = case.number
    return data


@require_POST
@requires(Capability.CASE_MERGE)
def merge_duplicate(request: HttpRequest, case_id: int, other_id: int) -> HttpResponse:
    """Merge the other case into this one, in two steps like the case page's merge: the first
    POST says what the merge will do; only a second carrying confirm=yes merges."""
    user = signed_in_user(request)
    case = access_case(user, case_id)
    other = access_case(user, other_id)
    form = MergeForm(_merge_data(request, case), auto_id=f"merge-{other.pk}-%s")
    form.is_valid()
    preview = {
        "other": other,
        "form": form,
        "text": merge_consequences(other, case, pending=pending_handoff(other)),
    }
    if not form.confirmed:
        return _similar_panel(request, case, confirm=preview)
    try:
        if form.errors:
            raise Invalid("Say why the two cases are the same problem.", field="reason")
        case_merge(actor=user, source=other, target=case, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        return _similar_panel(request, case, error=exc, error_for=other.pk, confirm=preview)
    return _done(
        request, case.pk, f"{other.number} was merged into {case.number} and is now closed."
    )
