"""The case page: the brief, the timeline and the action forms, and the timeline partial.

The page body is also what every action answers an htmx request with, so the context it
needs is built here once (`case_page_context`) and shared with views/actions.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import User
from followthrough.accounts.selectors import team_ids_of
from followthrough.cases.access import access_case
from followthrough.cases.forms import (
    AnswerHandoffForm,
    AssignForm,
    DecisionForm,
    DecisionOutcomeForm,
    DetailsForm,
    HandOffForm,
    LinkForm,
    LogCallForm,
    MergeForm,
    NextStepForm,
    NoteForm,
    Pickers,
    PromiseForm,
    ReferForm,
    ReferralOutcomeForm,
    SettlePromiseForm,
    StatusForm,
)
from followthrough.cases.models import Case, Commitment, Decision, Handoff, Referral
from followthrough.cases.selectors import CaseBrief, case_brief
from followthrough.cases.selectors.deadlines import case_deadlines
from followthrough.cases.services.referrals import follow_up_text
from followthrough.cases.states import (
    ALLOWED_TRANSITIONS,
    CaseStatus,
    Channel,
)
from followthrough.cases.views.timeline import timeline_for
from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.phones import format_phone
from followthrough.knowledge.vendor_hours import Opening, opening

# --- Forms: one per panel, built the same way for a blank page and for a refused POST. ---


def pickers_for(request: HttpRequest) -> Pickers:
    """The people and teams for the pickers, loaded once per request."""
    if not hasattr(request, "_case_pickers"):
        request._case_pickers = Pickers()  # type: ignore[attr-defined]
    return request._case_pickers  # type: ignore[attr-defined]


def _default_outcome(case: Case) -> str:
    """A routine call confirms the next step; an overdue or missing one must be replaced."""
    if case.is_open and case.next_step_due is not None and case.next_step_due > timezone.now():
        return "confirm"
    return "next_step"


# How an agent tells a customer about a referral: the case's own channel when it is one of these.
_TELLING_CHANNELS = frozenset({Channel.PHONE, Channel.EMAIL, Channel.PORTAL, Channel.CHAT})


def build_form(
    panel: str, *, case: Case, user: User, pickers: Pickers, data: QueryDict | None = None
) -> forms.Form:
    """The form of one action panel; `data` binds it to what was posted."""
    auto_id = f"{panel}-%s"
    if panel == "call":
        return LogCallForm(data, auto_id=auto_id, initial={"outcome": _default_outcome(case)})
    if panel == "note":
        return NoteForm(data, auto_id=auto_id)
    if panel == "step":
        return NextStepForm(data, auto_id=auto_id)
    if panel == "details":
        details = {"subject": case.subject, "priority": case.priority, "category": case.category}
        return DetailsForm(data, auto_id=auto_id, initial=details)
    if panel == "status":
        order = list(CaseStatus.values)
        allowed = sorted(ALLOWED_TRANSITIONS.get(case.status, ()), key=order.index)
        return StatusForm(data, auto_id=auto_id, allowed=allowed)
    if panel == "assign":
        holder = {"owner": case.owner_id or "", "team": case.team_id or ""}
        return AssignForm(data, auto_id=auto_id, pickers=pickers, initial=holder)
    if panel == "handoff":
        return HandOffForm(data, auto_id=auto_id, pickers=pickers)
    if panel == "promise":
        return PromiseForm(data, auto_id=auto_id, pickers=pickers, initial={"owner": user.pk})
    if panel == "decision":
        return DecisionForm(data, auto_id=auto_id, pickers=pickers)
    if panel == "link":
        return LinkForm(data, auto_id=auto_id)
    if panel == "merge":
        return MergeForm(data, auto_id=auto_id)
    if panel == "refer":
        told = case.channel if case.channel in _TELLING_CHANNELS else Channel.PHONE
        initial = {"set_pending": True, "channel": told}
        return ReferForm(data, auto_id=auto_id, pickers=pickers, initial=initial)
    kind, _, pk = panel.partition("-")
    if kind == "settle" and pk:
        return SettlePromiseForm(data, auto_id=auto_id)
    if kind == "outcome" and pk:
        return DecisionOutcomeForm(data, auto_id=auto_id)
    if kind == "answer" and pk:
        return AnswerHandoffForm(data, auto_id=auto_id)
    if kind == "referral" and pk:
        return ReferralOutcomeForm(data, auto_id=auto_id)
    raise ValueError(f"No action panel is called {panel!r}.")


# --- The timeline, turned into lines a person reads. ---


@dataclass
class RecordForm:
    """A form that acts on one record shown in the brief (a promise, a decision, a handoff)."""

    record: Commitment | Decision | Handoff
    panel: str
    form: forms.Form


@dataclass
class ReferralRow:
    """A referral in the brief: how to reach the vendor (and whether they answer right now),
    and the form to record its outcome."""

    record: Referral
    panel: str
    form: forms.Form
    phone_display: str
    opening: Opening
    # The case's next step is still this referral's check-back: the outcome needs a new one.
    step_is_check_back: bool = False

    @property
    def is_pending(self) -> bool:
        return self.record.outcome == "pending"


def merge_consequences(source: Case, target: Case, *, pending: Handoff | None) -> str:
    """What merging `source` into `target` will do, said before it is done (DESIGN.md §2,
    invariant 7)."""
    n = source.open_commitment_count
    text = f"{source.number} will be closed as a duplicate of {target.number}; "
    if n:
        text += f"its {n} open {'promise moves' if n == 1 else 'promises move'} to {target.number}"
    else:
        text += "it has no open promises to move"
    if pending is not None:
        text += "; its handoff waiting for acceptance is cancelled"
    return (
        f"{text}. Its history stays on {source.number} and also shows on "
        f"{target.number}'s timeline."
    )


def _abilities(user: User) -> dict[str, bool]:
    """What the page may offer this person; the services check again on every action."""
    return {
        "work": user.has_capability(Capability.CASE_WORK),
        "claim": user.has_capability(Capability.CASE_CLAIM),
        "assign": user.has_capability(Capability.CASE_ASSIGN),
        "hand_off": user.has_capability(Capability.CASE_HAND_OFF),
        "status": user.has_capability(Capability.CASE_SET_STATUS),
        "link": user.has_capability(Capability.CASE_LINK),
        "merge": user.has_capability(Capability.CASE_MERGE),
        "promise": user.has_capability(Capability.COMMITMENT_MANAGE),
        "decision": user.has_capability(Capability.DECISION_RECORD),
        "refer": user.has_capability(Capability.CASE_WORK)
        and user.has_capability(Capability.COMMITMENT_MANAGE),
    }


def _offered_panels(case: Case, can: dict[str, bool]) -> list[str]:
    """The action panels, in page order, that the person may use and the case's state allows."""
    live, closed = case.is_open, case.status == CaseStatus.CLOSED
    offered = {
        "call": can["work"] and not closed,
        "note": can["work"],
        "step": can["work"] and live,
        "handoff": can["hand_off"] and live,
        "promise": can["promise"] and live,
        "refer": can["refer"] and live,
        "decision": can["decision"] and not closed,
        "status": can["status"] and not closed,
        "assign": can["assign"] and live,
        "details": can["work"] and not closed,
        "link": can["link"],
        "merge": can["merge"] and not closed,
    }
    return [name for name, shown in offered.items() if shown]


def case_page_context(
    request: HttpRequest,
    case_id: int,
    *,
    only: str | None = None,
    cursor: str | None = None,
    bound: dict[str, forms.Form] | None = None,
    panel: str = "",
    error: ServiceError | str = "",
    success: str = "",
    merge_target: Case | None = None,
) -> dict[str, Any]:
    """Everything the case body renders. `panel` names the action panel to keep open, with
    `error` shown inside it and its `bound` form keeping what was typed. With `merge_target`
    the merge panel asks to confirm, saying what the merge will do."""
    user = signed_in_user(request)
    brief: CaseBrief = case_brief(case_id)
    case = brief.case
    pickers = pickers_for(request)
    bound = bound or {}
    can = _abilities(user)

    def form_for(name: str) -> forms.Form:
        if name in bound:
            return bound[name]
        return build_form(name, case=case, user=user, pickers=pickers)

    def record_form(record: Commitment | Decision | Handoff, kind: str) -> RecordForm:
        name = f"{kind}-{record.pk}"
        return RecordForm(record=record, panel=name, form=form_for(name))

    panels = {name: form_for(name) for name in _offered_panels(case, can)}
    can_claim = can["claim"] and case.is_open and case.owner_id is None
    pending = brief.pending_handoff
    my_teams = team_ids_of(user)
    handoff_answer = None
    if pending is not None:
        receiver = (
            pending.to_user_id == user.pk
            if pending.to_user_id is not None
            else pending.to_team_id in my_teams
        )
        sender = pending.from_user_id == user.pk or can["assign"]
        if receiver or sender:
            handoff_answer = {
                "row": record_form(pending, "answer"),
                "receiver": receiver,
                "sender": sender,
            }
    message = error.message if isinstance(error, ServiceError) else error
    stale = isinstance(error, ServiceError) and error.code == CommonError.STALE_VERSION
    promise_rows = [record_form(c, "settle") for c in brief.open_commitments]
    decision_rows = [record_form(d, "outcome") for d in brief.decisions]
    at = timezone.now()
    referral_rows = [
        ReferralRow(
            record=r,
            panel=f"referral-{r.pk}",
            form=form_for(f"referral-{r.pk}"),
            phone_display=format_phone(r.vendor.support_phone) if r.vendor.support_phone else "",
            opening=opening(r.vendor.hours, r.vendor.time_zone, at),
            step_is_check_back=case.is_open and case.next_step == follow_up_text(r.vendor),
        )
        for r in brief.referrals
    ]
    handoff_panel = f"answer-{pending.pk}" if pending is not None else ""
    # A refusal about a record that is no longer shown (a promise someone else just kept)
    # has no panel to sit in: it goes at the top of the body instead.
    shown = {
        *panels,
        *(r.panel for r in promise_rows + decision_rows),
        *(r.panel for r in referral_rows if r.is_pending and can["work"]),
        handoff_panel,
        "claim",
    }
    return {
        "case": case,
        "brief": brief,
        "timeline": timeline_for(case, only=only, cursor=cursor),
        "deadlines": case_deadlines(case),
        "forms": panels,
        "promise_rows": promise_rows,
        "decision_rows": decision_rows,
        "referral_rows": referral_rows,
        "handoff_panel": handoff_panel,
        "handoff_answer": handoff_answer,
        "tried": [h for h in brief.handoffs if h.tried],
        "can": can,
        "can_claim": can_claim,
        "panel": panel,
        "panel_error": message,
        "panel_stale": stale,
        "success": success,
        "merge_preview": (
            {
                "target": merge_target,
                "text": merge_consequences(case, merge_target, pending=pending),
            }
            if merge_target is not None
            else None
        ),
        "overdue": case.next_step_due is not None and case.next_step_due <= timezone.now(),
        "panel_shown": panel in shown,
        "show_summary": bool(
            panel and message and (panel not in shown or not getattr(request, "htmx", False))
        ),
    }


@require_GET
@requires(Capability.CASE_VIEW)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(signed_in_user(request), case_id)
    # "Log this call on FT-12" (the new-call page) arrives with the log-call panel open.
    panel = "call" if request.GET.get("action") == "log-call" else ""
    context = case_page_context(request, case.pk, panel=panel)
    return render(request, "cases/case_detail.html", context)


@require_GET
@requires(Capability.CASE_VIEW)
def case_timeline(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(signed_in_user(request), case_id)
    only = request.GET.get("only") or None
    cursor = request.GET.get("cursor") or None
    if request.htmx:  # type: ignore[attr-defined]
        timeline = timeline_for(case, only=only, cursor=cursor)
        return render(request, "cases/_case_timeline.html", {"case": case, "timeline": timeline})
    context = case_page_context(request, case.pk, only=only, cursor=cursor)
    return render(request, "cases/case_detail.html", context)
