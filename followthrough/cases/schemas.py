"""What the cases API takes and gives back.

Inputs refuse unknown fields and cap every string at the length its model column holds, so a
bad request is a 422 before any service runs. Outputs mirror the records the services return.
Customers (portal users) read the same shapes with the staff-only parts left empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.accounts.schemas import PersonRef
from followthrough.cases.models import CaseEvent
from followthrough.cases.selectors import CaseBrief
from followthrough.cases.services._common import MAX_LONG_TEXT, MAX_SHORT_TEXT
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    Direction,
    Disposition,
    EventType,
    HandoffKind,
    HandoffStatus,
    LinkKind,
    NoteVisibility,
    Priority,
)
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from followthrough.customers.schemas import OrganizationRef

# Ids are 64-bit in both databases; a larger number could only ever be "not found".
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Subject = Annotated[str, Field(max_length=250)]
ShortText = Annotated[str, Field(max_length=MAX_SHORT_TEXT)]
LongText = Annotated[str, Field(max_length=MAX_LONG_TEXT)]
Policy = Annotated[str, Field(max_length=250)]
Category = Annotated[str, Field(max_length=100)]
Cursor = Annotated[str, Field(max_length=200)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


def is_staff_viewer(viewer: User) -> bool:
    """Whether `viewer` reads cases as staff; a portal customer gets the public parts only."""
    return viewer.has_capability(Capability.CASE_VIEW)


# --- Inputs ------------------------------------------------------------------------------


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class CaseOpenIn(In):
    subject: Subject
    channel: Channel
    next_step: ShortText
    next_step_due: AwareDatetime
    owner_id: Id | None = None
    team_id: Id | None = None
    description: LongText = ""
    priority: Priority = Priority.P3
    category: Category = ""
    organization_id: Id | None = None
    contact_id: Id | None = None
    asset_id: Id | None = None


class CaseUpdateIn(In):
    """Only the fields sent change."""

    subject: Subject | None = None
    description: LongText | None = None
    priority: Priority | None = None
    category: Category | None = None
    contact_id: Id | None = None
    asset_id: Id | None = None
    reason: LongText = ""


class CaseListQuery(In):
    """`owner=me|<id>`, `team=<id>`, `status=open` (every open status: the queues) or one
    status, `unassigned=true` (nobody owns it yet)."""

    owner: Annotated[str, Field(pattern=r"^(me|[1-9][0-9]{0,17})$")] | None = None
    team: Id | None = None
    status: CaseStatus | None = None
    unassigned: bool = False
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


TimelineOnly = Literal["contacts", "notes", "handoffs", "promises", "decisions", "deadlines"]


class TimelineQuery(In):
    only: TimelineOnly | None = None
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class InteractionIn(In):
    """One contact. It ends with exactly one of: a new next step (`next_step` and
    `next_step_due`), `confirm_next_step`, or `resolve`."""

    channel: Channel
    direction: Direction
    disposition: Disposition
    note: LongText
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    contact_id: Id | None = None
    next_step: ShortText = ""
    next_step_due: AwareDatetime | None = None
    confirm_next_step: bool = False
    resolve: bool = False


class NoteIn(In):
    body: LongText
    visibility: NoteVisibility = NoteVisibility.INTERNAL


class NextStepIn(In):
    next_step: ShortText
    next_step_due: AwareDatetime


class StatusIn(In):
    """Reopening a resolved case needs a new next step."""

    status: CaseStatus
    reason: LongText = ""
    next_step: ShortText = ""
    next_step_due: AwareDatetime | None = None


class AssignIn(In):
    """`owner_id` null (or left out) puts the case in `team_id`'s queue."""

    owner_id: Id | None = None
    team_id: Id | None = None
    reason: LongText = ""


class TakeNextIn(In):
    team_id: Id


class HandoffIn(In):
    kind: HandoffKind
    summary: LongText
    tried: LongText
    promised: LongText
    next_step: ShortText
    next_step_due: AwareDatetime
    to_user_id: Id | None = None
    to_team_id: Id | None = None


class ReasonIn(In):
    reason: LongText


class PromiseIn(In):
    """`owner_id` answers for the promise on our side; the caller when left out."""

    owed_by: CommitmentParty
    description: ShortText
    due_at: AwareDatetime
    kind: CommitmentKind = CommitmentKind.CALLBACK
    owner_id: Id | None = None


class PromiseKeepIn(In):
    note: LongText = ""


class DecisionIn(In):
    """Who approved it (`approved_by_id`), or why nobody could (`no_approver_reason`)."""

    policy: Policy
    decision: LongText
    rationale: LongText
    approved_by_id: Id | None = None
    no_approver_reason: LongText = ""


class OutcomeIn(In):
    outcome: LongText


class LinkIn(In):
    to_case_id: Id
    kind: LinkKind = LinkKind.RELATED


class MergeIn(In):
    """Merge this case into `into`; this one closes as its duplicate."""

    into: Id
    reason: LongText


# --- Outputs -----------------------------------------------------------------------------


class TeamRef(Schema):
    id: int
    name: str
    direct_line: str


class ContactRef(Schema):
    id: int
    name: str


class AssetRef(Schema):
    id: int
    product: str
    serial_number: str


class CaseRef(Schema):
    id: int
    number: str
    subject: str


class CaseOut(Schema):
    id: int
    number: str
    subject: str
    description: str
    status: CaseStatus
    priority: Priority
    category: str
    channel: Channel
    organization: OrganizationRef | None
    contact: ContactRef | None
    asset_id: int | None
    owner: PersonRef | None
    team: TeamRef | None
    next_step: str
    next_step_due: dt.datetime | None
    sla_due: dt.datetime | None = Field(
        description="The nearest running service-level deadline (null while paused or met)."
    )
    sla_metric: str = Field(
        description="Which deadline sla_due is: first_response, next_response or resolution."
    )
    sla_paused_since: dt.datetime | None
    nearest_due: dt.datetime | None = Field(
        description="What queues sort by: the sooner of sla_due and next_step_due."
    )
    interaction_count: int
    agent_count: int
    open_commitment_count: int
    version: int
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class CasePageOut(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class InteractionOut(Schema):
    id: int
    case_id: int
    channel: Channel
    direction: Direction
    disposition: Disposition
    note: str
    started_at: dt.datetime
    ended_at: dt.datetime
    agent: PersonRef | None
    contact_id: int | None


class NoteOut(Schema):
    id: int
    case_id: int
    visibility: NoteVisibility
    body: str
    author: PersonRef
    created_at: dt.datetime


class HandoffOut(Schema):
    id: int
    case_id: int
    kind: HandoffKind
    status: HandoffStatus
    from_user: PersonRef
    to_user: PersonRef | None
    to_team: TeamRef | None
    summary: str
    tried: str
    promised: str
    next_step: str
    next_step_due: dt.datetime
    created_at: dt.datetime
    responded_at: dt.datetime | None
    response_reason: str


class PromiseOut(Schema):
    id: int
    case_id: int
    kind: CommitmentKind
    owed_by: CommitmentParty
    description: str
    due_at: dt.datetime
    owner: PersonRef
    status: CommitmentStatus
    reason: str
    created_at: dt.datetime
    settled_at: dt.datetime | None


class DecisionOut(Schema):
    id: int
    case_id: int
    policy: str
    decision: str
    rationale: str
    decided_by: PersonRef
    approved_by: PersonRef | None
    no_approver_reason: str
    outcome: str
    outcome_at: dt.datetime | None
    created_at: dt.datetime


class LinkOut(Schema):
    id: int
    from_case_id: int
    to_case_id: int
    kind: LinkKind
    created_at: dt.datetime


class BriefOut(Schema):
    """What someone who has never seen the case needs in ten seconds."""

    owner_name: str
    reach_owner: str
    contact_summary: str
    agents: list[PersonRef]
    open_promises: list[PromiseOut]
    # Staff only: a customer gets none of these.
    decisions: list[DecisionOut]
    pending_handoff: HandoffOut | None


class CaseDetailOut(CaseOut):
    asset: AssetRef | None
    brief: BriefOut


def case_detail(brief: CaseBrief, *, viewer: User) -> CaseDetailOut:
    staff = is_staff_viewer(viewer)
    case = brief.case
    return CaseDetailOut.model_validate(
        {name: getattr(case, name) for name in CaseOut.model_fields}
        | {
            "asset": case.asset,
            "brief": {
                "owner_name": brief.owner_name,
                "reach_owner": brief.reach_owner,
                "contact_summary": brief.contact_summary,
                "agents": brief.agents,
                "open_promises": brief.open_commitments,
                "decisions": brief.decisions if staff else [],
                "pending_handoff": brief.pending_handoff if staff else None,
            },
        }
    )


class TimelineNoteOut(Schema):
    id: int
    visibility: NoteVisibility
    body: str


class TimelineInteractionOut(Schema):
    id: int
    channel: Channel
    direction: Direction
    disposition: Disposition
    note: str
    started_at: dt.datetime
    ended_at: dt.datetime


class TimelineEventOut(Schema):
    """One line of the history. For a customer: what happened and when, and public notes;
    the internal details (before/after, reasons, contact notes) stay empty."""

    id: int
    case_id: int
    type: EventType
    label: str
    created_at: dt.datetime
    case_version: int
    actor: PersonRef | None
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    note: TimelineNoteOut | None
    interaction: TimelineInteractionOut | None
    handoff_id: int | None
    commitment_id: int | None
    decision_id: int | None
    related_case: CaseRef | None


class DeadlineOut(Schema):
    """One service-level deadline of a case, with its explanation in words."""

    metric: str = Field(description="first_response, next_response or resolution")
    label: str
    state: str = Field(description="running, warning, missed, paused, met or met_late")
    headline: str
    due_at: dt.datetime | None
    target: str
    used: str
    policy: str
    calendar: str
    started_at: dt.datetime
    round: int
    pauses: list[str]
    why: list[str]


class TimelinePageOut(Schema):
    items: list[TimelineEventOut]
    next_cursor: str | None


def _timeline_event(event: CaseEvent, *, staff: bool) -> dict[str, Any]:
    public_note = event.note is not None and event.note.visibility == NoteVisibility.PUBLIC
    return {
        "id": event.pk,
        "case_id": event.case_id,
        "type": event.type,
        "label": event.get_type_display(),
        "created_at": event.created_at,
        "case_version": event.case_version,
        "actor": event.actor,
        "before": event.before if staff else {},
        "after": event.after if staff else {},
        "reason": event.reason if staff else "",
        "note": event.note if staff or public_note else None,
        "interaction": event.interaction if staff else None,
        "handoff_id": event.handoff_id if staff else None,
        "commitment_id": event.commitment_id,
        "decision_id": event.decision_id if staff else None,
        "related_case": event.related_case,
    }


def timeline_page(page: Page[CaseEvent], *, viewer: User) -> TimelinePageOut:
    staff = is_staff_viewer(viewer)
    return TimelinePageOut.model_validate(
        {
            "items": [_timeline_event(event, staff=staff) for event in page.items],
            "next_cursor": page.next_cursor,
        }
    )
