"""The case page: the brief, the timeline and the action forms, and the timeline partial.

The page body is also what every action answers an htmx request with, so the context it
needs is built here once (`case_page_context`) and shared with views/actions.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires
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
    SettlePromiseForm,
    StatusForm,
)
from followthrough.cases.models import Case, CaseEvent, Commitment, Decision, Handoff
from followthrough.cases.selectors import CaseBrief, case_brief
from followthrough.cases.selectors import case_timeline as timeline_page
from followthrough.cases.states import (
    ALLOWED_TRANSITIONS,
    TIMELINE_FILTERS,
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    Direction,
    Disposition,
    EventType,
    LinkKind,
    Priority,
)
from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.pagination import Page

# The filter links above the timeline, in the order of TIMELINE_FILTERS.
TIMELINE_LABELS = {key: key.capitalize() for key in TIMELINE_FILTERS}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - LoginRequiredMiddleware ran
    return request.user


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
    kind, _, pk = panel.partition("-")
    if kind == "settle" and pk:
        return SettlePromiseForm(data, auto_id=auto_id)
    if kind == "outcome" and pk:
        return DecisionOutcomeForm(data, auto_id=auto_id)
    if kind == "answer" and pk:
        return AnswerHandoffForm(data, auto_id=auto_id)
    raise ValueError(f"No action panel is called {panel!r}.")


# --- The timeline, turned into lines a person reads. ---


@dataclass
class Line:
    """One timeline entry in words: what happened, by whom, with the text that was written."""

    event: CaseEvent
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    body: str = ""
    badge: str = ""
    reason: str = ""
    reason_label: str = "Reason"
    other_case_id: int | None = None
    other_case_number: str = ""
    other_case_text: str = ""
    on_case: str = ""

    @property
    def ago(self) -> str:
        """How long ago, in words ("just now", "3 hours ago")."""
        if timezone.now() - self.event.created_at < dt.timedelta(minutes=1):
            return "just now"
        return f"{timesince(self.event.created_at)} ago"


def _label(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _at(value: object) -> str:
    """An ISO time stored in an event, shown in the reader's zone."""
    if not isinstance(value, str) or not value:
        return "no time"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return timezone.localtime(moment).strftime("%a %d %b %Y, %H:%M")


def _name(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return "" if value is None else str(value)


def _shown(field_name: str, value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if field_name == "priority":
        return _label(Priority, value)
    return _name(value)


def _step_facts(data: dict[str, Any]) -> list[tuple[str, str]]:
    if not data.get("next_step"):
        return []
    return [("Next step", str(data["next_step"])), ("Due", _at(data.get("next_step_due")))]


def _holder(data: dict[str, Any], person: str = "owner", team: str = "team") -> str:
    who, queue = _name(data.get(person)), _name(data.get(team))
    if who and queue:
        return f"{who} ({queue})"
    return who or (f"the {queue} queue" if queue else "no owner")


def _handoff_line(line: Line, event: CaseEvent, handoff: Handoff | None) -> None:
    if handoff is None:
        return
    receiver = handoff.to_user.display_name if handoff.to_user else ""
    if handoff.to_team:
        receiver = f"{receiver} ({handoff.to_team.name})" if receiver else handoff.to_team.name
    if event.type == EventType.HANDOFF_REQUESTED:
        line.title = f"{handoff.get_kind_display()} requested to {receiver}"
        line.facts = [
            ("Summary", handoff.summary),
            ("Tried", handoff.tried),
            ("Promised", handoff.promised),
            ("Next step", handoff.next_step),
            ("Due", _at(handoff.next_step_due.isoformat())),
        ]
    elif event.type == EventType.HANDOFF_ESCALATED:
        line.title = f"Unaccepted handoff escalated to {receiver}"
    else:
        line.title = f"{event.get_type_display()} ({handoff.get_kind_display().lower()})"


def _commitment_line(line: Line, event: CaseEvent, promise: Commitment | None) -> None:
    after = event.after
    if event.type == EventType.COMMITMENT_ADDED:
        line.body = str(after.get("description", promise.description if promise else ""))
        line.facts = [
            ("Owed by", _label(CommitmentParty, after.get("owed_by"))),
            ("Kind", _label(CommitmentKind, after.get("kind"))),
            ("Due", _at(after.get("due_at"))),
            ("Who answers for it", _name(after.get("owner"))),
        ]
        return
    if promise is not None:
        line.body = promise.description
    if event.type == EventType.COMMITMENT_KEPT:
        line.reason_label = "Note"
    if after.get("late"):
        line.facts = [("Timing", "Settled after it was due")]


def _link_line(line: Line, event: CaseEvent) -> None:
    after, other = event.after, event.related_case
    if other is not None:
        line.other_case_id, line.other_case_number = other.pk, other.number
    number = str(after.get("case") or line.other_case_number)
    if event.type == EventType.LINKED:
        kind = _label(LinkKind, after.get("kind"))
        if after.get("side") == "from":
            line.title = "Linked"
            line.other_case_text = f"{number} is {kind.lower()} this case"
        else:
            line.title = "Linked"
            line.other_case_text = f"This case is {kind.lower()} {number}"
    elif event.type == EventType.MERGED_INTO:
        line.other_case_text = f"Closed as a duplicate; carries on as {number}"
    elif event.type == EventType.MERGED_FROM:
        moved = int(after.get("promises_moved") or 0)
        line.other_case_text = (
            f"{number} was merged into this case; "
            f"{moved} open {'promise' if moved == 1 else 'promises'} moved here"
        )
    elif event.type == EventType.COMMITMENT_MOVED and line.other_case_number:
        line.other_case_text = f"Moved here from {line.other_case_number}"


def timeline_line(event: CaseEvent) -> Line:
    """Describe one event; the text people wrote is kept as plain text for escaping."""
    before, after, kind = event.before, event.after, event.type
    line = Line(event=event, title=event.get_type_display(), reason=event.reason)
    if kind == EventType.OPENED:
        line.facts = [
            ("Channel", _label(Channel, after.get("channel"))),
            ("Given to", _holder(after)),
            *_step_facts(after),
        ]
    elif kind == EventType.UPDATED:
        line.changes = [
            (name.replace("_", " ").capitalize(), _shown(name, before.get(name)), _shown(name, v))
            for name, v in after.items()
        ]
    elif kind == EventType.INTERACTION_LOGGED:
        line.title = (
            f"{_label(Channel, after.get('channel'))} · "
            f"{_label(Direction, after.get('direction')).lower()} · "
            f"{_label(Disposition, after.get('disposition'))}"
        )
        if event.interaction is not None:
            line.body = event.interaction.note
    elif kind == EventType.NOTE_ADDED:
        if event.note is not None:
            line.body = event.note.body
            line.badge = event.note.visibility
            line.title = f"{event.note.get_visibility_display()} note"
    elif kind in (EventType.NEXT_STEP_SET, EventType.NEXT_STEP_CONFIRMED):
        line.facts = _step_facts(after)
    elif kind in (EventType.ASSIGNED, EventType.CLAIMED):
        line.changes = [("Owner", _holder(before), _holder(after))]
    elif kind == EventType.STATUS_CHANGED:
        line.changes = [
            (
                "Status",
                _label(CaseStatus, before.get("status")),
                _label(CaseStatus, after.get("status")),
            )
        ]
        line.facts = _step_facts(after)
    elif kind.startswith("handoff_"):
        _handoff_line(line, event, event.handoff)
    elif kind.startswith("commitment_"):
        _commitment_line(line, event, event.commitment)
    elif kind == EventType.DECISION_RECORDED and event.decision is not None:
        decision = event.decision
        approval = _name(after.get("approved_by"))
        line.title = f"Decision recorded: exception to {decision.policy}"
        line.facts = [
            ("Decision", decision.decision),
            ("Why", decision.rationale),
            (
                ("Approved by", approval)
                if approval
                else ("No approver", str(after.get("no_approver_reason") or ""))
            ),
        ]
    elif kind == EventType.DECISION_OUTCOME and event.decision is not None:
        line.title = f"Outcome of the exception to {event.decision.policy}"
        line.body = str(after.get("outcome", ""))
    if kind in (
        EventType.LINKED,
        EventType.MERGED_INTO,
        EventType.MERGED_FROM,
        EventType.COMMITMENT_MOVED,
    ):
        _link_line(line, event)
    return line


@dataclass
class Timeline:
    case: Case
    page: Page[CaseEvent] | None
    lines: list[Line]
    only: str
    cursor: str
    error: str = ""
    filters: dict[str, str] = field(default_factory=lambda: TIMELINE_LABELS)


def timeline_for(case: Case, *, only: str | None, cursor: str | None) -> Timeline:
    """One page of the timeline; an unknown filter or a cursor we never gave out is said so."""
    try:
        page = timeline_page(case, only=only, cursor=cursor)
    except ServiceError as exc:
        return Timeline(case=case, page=None, lines=[], only="", cursor="", error=exc.message)
    # The timeline includes the cases merged into this one; name them without a query each.
    numbers: dict[int, str] = {}
    for event in page.items:
        if event.case_id != case.pk:
            numbers.setdefault(event.case_id, Case(pk=event.case_id).number)
    lines = []
    for event in page.items:
        line = timeline_line(event)
        if event.case_id != case.pk:
            line.on_case = f"On {numbers[event.case_id]}"
        lines.append(line)
    return Timeline(case=case, page=page, lines=lines, only=only or "", cursor=cursor or "")


# --- The page context: brief, timeline, forms, and what the last action said. ---


@dataclass
class RecordForm:
    """A form that acts on one record shown in the brief (a promise, a decision, a handoff)."""

    record: Commitment | Decision | Handoff
    panel: str
    form: forms.Form


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
    user = _user(request)
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
    handoff_panel = f"answer-{pending.pk}" if pending is not None else ""
    # A refusal about a record that is no longer shown (a promise someone else just kept)
    # has no panel to sit in: it goes at the top of the body instead.
    shown = {*panels, *(r.panel for r in promise_rows + decision_rows), handoff_panel, "claim"}
    return {
        "case": case,
        "brief": brief,
        "timeline": timeline_for(case, only=only, cursor=cursor),
        "forms": panels,
        "promise_rows": promise_rows,
        "decision_rows": decision_rows,
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
    case = access_case(_user(request), case_id)
    context = case_page_context(request, case.pk)
    return render(request, "cases/case_detail.html", context)


@require_GET
@requires(Capability.CASE_VIEW)
def case_timeline(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(_user(request), case_id)
    only = request.GET.get("only") or None
    cursor = request.GET.get("cursor") or None
    if request.htmx:  # type: ignore[attr-defined]
        timeline = timeline_for(case, only=only, cursor=cursor)
        return render(request, "cases/_case_timeline.html", {"case": case, "timeline": timeline})
    context = case_page_context(request, case.pk, only=only, cursor=cursor)
    return render(request, "cases/case_detail.html", context)
