"""The case timeline as people read it: each event turned into a line with its facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince

from followthrough.cases.models import Case, CaseEvent, Commitment, Handoff
from followthrough.cases.selectors import case_timeline as timeline_page
from followthrough.cases.states import (
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
    ReferralOutcome,
)
from followthrough.core.errors import ServiceError
from followthrough.core.pagination import Page
from followthrough.sla.explain import duration
from followthrough.sla.models import SlaMetric

# The filter links above the timeline, in the order of TIMELINE_FILTERS.
TIMELINE_LABELS = {key: key.capitalize() for key in TIMELINE_FILTERS}


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
    if event.type == EventType.COMMITMENT_DUE:
        line.facts = [
            ("Due", _at(after.get("due_at"))),
            ("Owed by", _label(CommitmentParty, after.get("owed_by"))),
        ]
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


def _referral_line(line: Line, event: CaseEvent) -> None:
    """ "Referred to Brand X Corp", with the reason and when we check back; and later how it
    turned out. The vendor's name is read from the event, as it was when it happened."""
    after = event.after
    vendor = _name(after.get("vendor")) or "a vendor"
    if event.type == EventType.REFERRED:
        line.title = f"Referred to {vendor}"
        line.body = str(after.get("reason") or "")
        line.facts = [("Check back by", _at(after.get("follow_up_due")))]
        owner = _name(after.get("follow_up_owner"))
        if owner:
            line.facts.append(("Who checks back", owner))
        if after.get("reach"):
            line.facts.append(("Their support", str(after["reach"])))
        return
    outcome = _label(ReferralOutcome, after.get("outcome"))
    line.title = f"Referral to {vendor}: {outcome[:1].lower()}{outcome[1:]}"
    line.reason_label = "Note"
    if after.get("follow_up_kept"):
        line.facts = [("Follow-up promise", "Kept: the customer was checked back with")]


def _solution_line(line: Line, event: CaseEvent) -> None:
    """ "Marked as the solution: <article>", or its undo; the title is read from the event, as
    the article was called when it happened."""
    marked = event.after.get("article")
    article = marked or event.before.get("article") or {}
    title = str(article.get("title") or "an article") if isinstance(article, dict) else ""
    if marked:
        line.title = "Marked as the solution"
        row = event.after.get("row")
        line.facts = [("Article", title)] + ([("Table row", f"#{row}")] if row else [])
    else:
        line.title = "No longer marked as the solution"
        line.facts = [("Article", title)]


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
    elif kind in (EventType.ASSIGNED, EventType.CLAIMED, EventType.ROUTED):
        line.changes = [("Owner", _holder(before), _holder(after))]
        if event.actor_id is None and kind != EventType.ROUTED:
            line.title = f"{line.title} by the deadline scan"
    elif kind in (EventType.SLA_WARNING, EventType.SLA_BREACHED):
        metric = _label(SlaMetric, after.get("metric"))
        missed = kind == EventType.SLA_BREACHED
        line.title = f"{metric} {'deadline missed' if missed else 'deadline close'}"
        line.facts = [
            ("Due", _at(after.get("due_at"))),
            ("Target", duration(int(after.get("target_minutes") or 0) * 60)),
            ("Policy", str(after.get("policy") or "")),
        ]
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
    elif kind in (EventType.REFERRED, EventType.REFERRAL_OUTCOME):
        _referral_line(line, event)
    elif kind == EventType.ARTICLE_SOLVED:
        _solution_line(line, event)
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
