"""The case page's actions. Each is a POST: parse the form -> access_* -> one service -> answer.

An htmx request gets the re-rendered case body (with a success line, or with the refusal in
words inside the panel that failed); without JavaScript a success redirects back to the case
page and a refusal re-renders the page.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import User
from followthrough.cases.access import (
    access_case,
    access_commitment,
    access_decision,
    access_handoff,
    access_referral,
)
from followthrough.cases.errors import CaseError
from followthrough.cases.forms import DecisionForm, MergeForm
from followthrough.cases.models import Case, format_case_number
from followthrough.cases.services import (
    case_add_note,
    case_assign,
    case_claim,
    case_hand_off,
    case_link,
    case_log_interaction,
    case_merge,
    case_refer,
    case_set_next_step,
    case_set_status,
    case_update,
    commitment_add,
    commitment_break,
    commitment_cancel,
    commitment_keep,
    decision_record,
    decision_set_outcome,
    handoff_accept,
    handoff_cancel,
    handoff_decline,
    referral_record_outcome,
)
from followthrough.cases.states import CaseStatus, NoteVisibility, ReferralOutcome
from followthrough.cases.views.case import build_form, case_page_context, pickers_for
from followthrough.core.errors import CommonError, NotFound, ServiceError


def _form(request: HttpRequest, panel: str, case: Case) -> forms.Form:
    return build_form(
        panel,
        case=case,
        user=signed_in_user(request),
        pickers=pickers_for(request),
        data=request.POST,
    )


def _body(request: HttpRequest, case_id: int, **context: object) -> HttpResponse:
    page = case_page_context(request, case_id, **context)  # type: ignore[arg-type]
    template = "cases/_case_body.html" if request.htmx else "cases/case_detail.html"  # type: ignore[attr-defined]
    return render(request, template, page)


def _done(request: HttpRequest, case_id: int, message: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _body(request, case_id, success=message)
    messages.success(request, message)
    return redirect("case_detail", case_id=case_id)


def _refused(
    request: HttpRequest,
    case_id: int,
    panel: str,
    form: forms.Form,
    error: ServiceError | None = None,
) -> HttpResponse:
    """The page again, with the refusal inside the panel and the typed values kept."""
    message: ServiceError | str
    if error is not None:
        message = error
    elif form.non_field_errors():
        message = " ".join(str(e) for e in form.non_field_errors())
    else:
        message = "Nothing was saved: check the fields marked below."
    return _body(request, case_id, panel=panel, error=message, bound={panel: form})


def _other_case(user: User, case_id: int) -> Case:
    """The case a person typed the number of; a missing one is a refusal in words, not a 404."""
    try:
        return access_case(user, case_id)
    except NotFound:
        raise ServiceError(
            CommonError.NOT_FOUND, f"There is no case {format_case_number(case_id)}."
        ) from None


# --- Working the case ---


@require_POST
@requires(Capability.CASE_WORK)
def log_call(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "call", case)
    if not form.is_valid():
        return _refused(request, case.pk, "call", form)
    data = form.cleaned_data
    outcome = data["outcome"]
    try:
        case_log_interaction(
            actor=user,
            case=case,
            channel=data["channel"],
            direction=data["direction"],
            disposition=data["disposition"],
            note=data["note"],
            started_at=timezone.now() - dt.timedelta(minutes=data["minutes"] or 0),
            next_step=data["next_step"] if outcome == "next_step" else "",
            next_step_due=data["next_step_due"] if outcome == "next_step" else None,
            confirm_next_step=outcome == "confirm",
            resolve=outcome == "resolve",
            expected_version=data["expected_version"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "call", form, exc)
    done = {
        "next_step": "the new next step is set",
        "confirm": "the next step is confirmed",
        "resolve": f"{case.number} is resolved",
    }[outcome]
    return _done(request, case.pk, f"Call logged; {done}.")


@require_POST
@requires(Capability.CASE_WORK)
def add_note(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "note", case)
    if not form.is_valid():
        return _refused(request, case.pk, "note", form)
    data = form.cleaned_data
    try:
        note = case_add_note(
            actor=user,
            case=case,
            body=data["body"],
            visibility=data["visibility"],
            expected_version=data["expected_version"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "note", form, exc)
    if note.visibility == NoteVisibility.PUBLIC:
        return _done(request, case.pk, "Public note added: the customer can see it.")
    return _done(request, case.pk, "Internal note added.")


@require_POST
@requires(Capability.CASE_WORK)
def set_next_step(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "step", case)
    if not form.is_valid():
        return _refused(request, case.pk, "step", form)
    data = form.cleaned_data
    try:
        case_set_next_step(
            actor=user,
            case=case,
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
            expected_version=data["expected_version"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "step", form, exc)
    return _done(request, case.pk, "Next step set.")


@require_POST
@requires(Capability.CASE_WORK)
def update_details(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "details", case)
    if not form.is_valid():
        return _refused(request, case.pk, "details", form)
    data = form.cleaned_data
    try:
        updated = case_update(
            actor=user,
            case=case,
            subject=data["subject"],
            priority=data["priority"],
            category=data["category"],
            expected_version=data["expected_version"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "details", form, exc)
    changed = updated.version != case.version
    return _done(request, case.pk, "Details saved." if changed else "Nothing changed.")


@require_POST
@requires(Capability.CASE_SET_STATUS)
def set_status(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "status", case)
    if not form.is_valid():
        return _refused(request, case.pk, "status", form)
    data = form.cleaned_data
    try:
        updated = case_set_status(
            actor=user,
            case=case,
            status=data["status"],
            reason=data["reason"],
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
            expected_version=data["expected_version"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "status", form, exc)
    label = CaseStatus(updated.status).label.lower()
    return _done(request, case.pk, f"{case.number} is now {label}.")


# --- Who has the case ---


@require_POST
@requires(Capability.CASE_CLAIM)
def claim(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    try:
        case_claim(actor=user, case=case)
    except ServiceError as exc:
        return _body(request, case.pk, panel="claim", error=exc)
    return _done(request, case.pk, f"You now own {case.number}.")


@require_POST
@requires(Capability.CASE_ASSIGN)
def assign(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "assign", case)
    if not form.is_valid():
        return _refused(request, case.pk, "assign", form)
    data = form.cleaned_data
    try:
        updated = case_assign(
            actor=user, case=case, owner=data["owner"], team=data["team"], reason=data["reason"]
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "assign", form, exc)
    holder = (
        updated.owner.display_name
        if updated.owner
        else f"the {updated.team.name} queue"
        if updated.team
        else "nobody"
    )
    return _done(request, case.pk, f"{case.number} is now with {holder}.")


@require_POST
@requires(Capability.CASE_HAND_OFF)
def hand_off(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "handoff", case)
    if not form.is_valid():
        return _refused(request, case.pk, "handoff", form)
    data = form.cleaned_data
    try:
        handoff = case_hand_off(
            actor=user,
            case=case,
            kind=data["kind"],
            summary=data["summary"],
            tried=data["tried"],
            promised=data["promised"],
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
            to_user=data["to_user"],
            to_team=data["to_team"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "handoff", form, exc)
    receiver = handoff.to_user.display_name if handoff.to_user else str(handoff.to_team)
    return _done(
        request,
        case.pk,
        f"Handoff sent to {receiver}. {case.number} stays with its owner until it is accepted.",
    )


@require_POST
@requires(Capability.CASE_WORK)
def answer_handoff(request: HttpRequest, handoff_id: int, answer: str) -> HttpResponse:
    if answer not in ("accept", "decline", "cancel"):
        raise Http404("No such answer to a handoff.")
    user = signed_in_user(request)
    handoff = access_handoff(user, handoff_id)
    panel = f"answer-{handoff.pk}"
    form = _form(request, panel, handoff.case)
    if not form.is_valid():
        return _refused(request, handoff.case_id, panel, form)
    reason = form.cleaned_data["reason"]
    try:
        if answer == "accept":
            handoff_accept(actor=user, handoff=handoff)
        elif answer == "decline":
            handoff_decline(actor=user, handoff=handoff, reason=reason)
        else:
            handoff_cancel(actor=user, handoff=handoff, reason=reason)
    except ServiceError as exc:
        return _refused(request, handoff.case_id, panel, form, exc)
    number = handoff.case.number
    message = {
        "accept": f"Handoff accepted: you now own {number}.",
        "decline": f"Handoff declined; {number} stays with its owner.",
        "cancel": "Handoff cancelled.",
    }[answer]
    return _done(request, handoff.case_id, message)


# --- Promises and decisions ---


@require_POST
@requires(Capability.COMMITMENT_MANAGE)
def add_promise(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "promise", case)
    if not form.is_valid():
        return _refused(request, case.pk, "promise", form)
    data = form.cleaned_data
    try:
        commitment_add(
            actor=user,
            case=case,
            owed_by=data["owed_by"],
            kind=data["kind"],
            description=data["description"],
            due_at=data["due_at"],
            owner=data["owner"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "promise", form, exc)
    return _done(request, case.pk, "Promise recorded.")


@require_POST
@requires(Capability.COMMITMENT_MANAGE)
def settle_promise(request: HttpRequest, commitment_id: int, outcome: str) -> HttpResponse:
    if outcome not in ("keep", "break", "cancel"):
        raise Http404("No such outcome for a promise.")
    user = signed_in_user(request)
    commitment = access_commitment(user, commitment_id)
    panel = f"settle-{commitment.pk}"
    form = _form(request, panel, commitment.case)
    if not form.is_valid():
        return _refused(request, commitment.case_id, panel, form)
    reason = form.cleaned_data["reason"]
    try:
        if outcome == "keep":
            commitment_keep(actor=user, commitment=commitment, note=reason)
        elif outcome == "break":
            commitment_break(actor=user, commitment=commitment, reason=reason)
        else:
            commitment_cancel(actor=user, commitment=commitment, reason=reason)
    except ServiceError as exc:
        return _refused(request, commitment.case_id, panel, form, exc)
    said = {"keep": "kept", "break": "broken", "cancel": "cancelled"}[outcome]
    return _done(request, commitment.case_id, f"Promise marked {said}: {commitment.description}")


@require_POST
@requires(Capability.DECISION_RECORD)
def record_decision(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "decision", case)
    if not form.is_valid():
        return _refused(request, case.pk, "decision", form)
    assert isinstance(form, DecisionForm)  # noqa: S101 - build_form("decision") makes one
    data = form.cleaned_data
    try:
        decision_record(
            actor=user,
            case=case,
            policy=data["policy"],
            decision=data["decision"],
            rationale=data["rationale"],
            **form.service_args(),
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "decision", form, exc)
    return _done(request, case.pk, f"Decision recorded: exception to {data['policy']}.")


@require_POST
@requires(Capability.DECISION_RECORD)
def decision_outcome(request: HttpRequest, decision_id: int) -> HttpResponse:
    user = signed_in_user(request)
    decision = access_decision(user, decision_id)
    panel = f"outcome-{decision.pk}"
    form = _form(request, panel, decision.case)
    if not form.is_valid():
        return _refused(request, decision.case_id, panel, form)
    try:
        decision_set_outcome(actor=user, decision=decision, outcome=form.cleaned_data["outcome"])
    except ServiceError as exc:
        return _refused(request, decision.case_id, panel, form, exc)
    return _done(request, decision.case_id, f"Outcome recorded for {decision.policy}.")


# --- Referrals ---


@require_POST
@requires(Capability.CASE_WORK)
def refer(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "refer", case)
    if not form.is_valid():
        return _refused(request, case.pk, "refer", form)
    data = form.cleaned_data
    try:
        referral = case_refer(
            actor=user,
            case=case,
            vendor=data["vendor"],
            reason=data["reason"],
            follow_up_due=data["follow_up_due"],
            channel=data["channel"],
            set_pending=data["set_pending"],
            expected_version=data["expected_version"],
        )
    except ServiceError as exc:
        return _refused(request, case.pk, "refer", form, exc)
    return _done(
        request,
        case.pk,
        f"Referred to {referral.vendor.name}; the promise to check back with the customer "
        "is recorded.",
    )


@require_POST
@requires(Capability.CASE_WORK)
def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = signed_in_user(request)
    referral = access_referral(user, referral_id)
    panel = f"referral-{referral.pk}"
    form = _form(request, panel, referral.case)
    if not form.is_valid():
        return _refused(request, referral.case_id, panel, form)
    data = form.cleaned_data
    try:
        referral_record_outcome(
            actor=user,
            referral=referral,
            outcome=data["outcome"],
            note=data["note"],
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
        )
    except ServiceError as exc:
        return _refused(request, referral.case_id, panel, form, exc)
    said = ReferralOutcome(data["outcome"]).label.lower()
    return _done(request, referral.case_id, f"Outcome recorded for {referral.vendor.name}: {said}.")


# --- Links and merges ---


@require_POST
@requires(Capability.CASE_LINK)
def link(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "link", case)
    if not form.is_valid():
        return _refused(request, case.pk, "link", form)
    data = form.cleaned_data
    try:
        other = _other_case(user, data["other"])
        case_link(actor=user, case=case, other=other, kind=data["kind"])
    except ServiceError as exc:
        return _refused(request, case.pk, "link", form, exc)
    return _done(request, case.pk, f"{case.number} is linked to {other.number}.")


@require_POST
@requires(Capability.CASE_MERGE)
def merge(request: HttpRequest, case_id: int) -> HttpResponse:
    """Two steps: the first POST shows what the merge will do; only a second POST carrying
    confirm=yes merges."""
    user = signed_in_user(request)
    case = access_case(user, case_id)
    form = _form(request, "merge", case)
    if not form.is_valid():
        return _refused(request, case.pk, "merge", form)
    assert isinstance(form, MergeForm)  # noqa: S101 - build_form("merge") makes one
    target: Case | None = None
    try:
        target = _other_case(user, form.cleaned_data["into"])
        if target.pk == case.pk:
            raise ServiceError(CaseError.MERGE_INTO_SELF, "A case cannot be merged into itself.")
        if not form.confirmed:
            return _body(
                request,
                case.pk,
                panel="merge",
                bound={"merge": form},
                merge_target=target,
            )
        case_merge(actor=user, source=case, target=target, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        # A refusal at the confirm step keeps the confirm step, so a missing reason is typed in.
        confirming = form.confirmed and target is not None and target.pk != case.pk
        return _body(
            request,
            case.pk,
            panel="merge",
            error=exc,
            bound={"merge": form},
            merge_target=target if confirming else None,
        )
    return _done(
        request, case.pk, f"{case.number} was merged into {target.number} and is now closed."
    )
