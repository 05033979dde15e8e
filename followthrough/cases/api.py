"""The cases part of the REST API (/api/v1/).

Each operation parses (schema), fetches through access_* (missing and forbidden: the same
404), calls one service or selector and answers with a schema. Refusals are ServiceErrors
that followthrough.api turns into problem+json. Case responses carry `ETag: "<version>"`;
writes whose service takes an expected version honour `If-Match`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import P, Query, Router, Status
from ninja.params import HeaderEx, PathEx

from followthrough.accounts.access import access_team, access_user
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.accounts.models import Team, User
from followthrough.cases.access import (
    access_case,
    access_commitment,
    access_decision,
    access_handoff,
    visible_cases,
)
from followthrough.cases.models import Case
from followthrough.cases.schemas import (
    MAX_ID,
    AssignIn,
    CaseDetailOut,
    CaseListQuery,
    CaseOpenIn,
    CaseOut,
    CasePageOut,
    CaseUpdateIn,
    DeadlineOut,
    DecisionIn,
    DecisionOut,
    HandoffIn,
    HandoffOut,
    InteractionIn,
    InteractionOut,
    LinkIn,
    LinkOut,
    MergeIn,
    NextStepIn,
    NoteIn,
    NoteOut,
    OutcomeIn,
    PromiseIn,
    PromiseKeepIn,
    PromiseOut,
    ReasonIn,
    StatusIn,
    TakeNextIn,
    TimelinePageOut,
    TimelineQuery,
    case_detail,
    timeline_page,
)
from followthrough.cases.selectors import (
    case_brief,
    case_timeline,
    queue_mine,
    queue_team,
    queue_unassigned,
)
from followthrough.cases.selectors.deadlines import case_deadlines
from followthrough.cases.services import (
    case_add_note,
    case_assign,
    case_claim,
    case_claim_next,
    case_hand_off,
    case_link,
    case_log_interaction,
    case_merge,
    case_open,
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
)
from followthrough.cases.states import OPEN_STATUSES, CaseStatus
from followthrough.core.etags import etag_for, expected_version
from followthrough.core.pagination import Page, keyset_page
from followthrough.core.schemas import Problem
from followthrough.customers.access import access_asset, access_contact, access_organization
from followthrough.customers.models import Asset, Contact, Organization

router = Router(tags=["cases"])

# The refusals each kind of operation can answer with (bodies are application/problem+json).
READ_PROBLEMS: dict[int, Any] = {401: Problem, 404: Problem, 422: Problem, 429: Problem}
WRITE_PROBLEMS: dict[int, Any] = {**READ_PROBLEMS, 403: Problem, 409: Problem, 412: Problem}

# Path ids: a number beyond 64 bits could only be "not found", and the databases refuse it.
Id = PathEx[int, P(le=MAX_ID)]
IfMatch = HeaderEx[str | None, P(alias="If-Match", max_length=200)]


# --- Records named by id in a body: each fetched so that missing and invisible look alike.


def _user(actor: User, user_id: int | None) -> User | None:
    return None if user_id is None else access_user(actor, user_id)


def _team(actor: User, team_id: int | None) -> Team | None:
    return None if team_id is None else access_team(actor, team_id)


def _organization(actor: User, organization_id: int | None) -> Organization | None:
    return None if organization_id is None else access_organization(actor, organization_id)


def _contact(actor: User, contact_id: int | None) -> Contact | None:
    return None if contact_id is None else access_contact(actor, contact_id)


def _asset(actor: User, asset_id: int | None) -> Asset | None:
    return None if asset_id is None else access_asset(actor, asset_id)


def _tag(response: HttpResponse, case: Case) -> None:
    response["ETag"] = etag_for(case.version)


# --- Cases -------------------------------------------------------------------------------


@router.post("/cases", response={201: CaseOut, **WRITE_PROBLEMS}, url_name="case_open")
def open_case(request: HttpRequest, payload: CaseOpenIn, response: HttpResponse) -> Status:
    actor = signed_in_user(request)
    case = case_open(
        actor=actor,
        subject=payload.subject,
        channel=payload.channel,
        next_step=payload.next_step,
        next_step_due=payload.next_step_due,
        owner=_user(actor, payload.owner_id),
        team=_team(actor, payload.team_id),
        description=payload.description,
        priority=payload.priority,
        category=payload.category,
        organization=_organization(actor, payload.organization_id),
        contact=_contact(actor, payload.contact_id),
        asset=_asset(actor, payload.asset_id),
    )
    _tag(response, case)
    response["Location"] = reverse("api:case_get", kwargs={"case_id": case.pk})
    return Status(201, case)


def _cases_page(actor: User, query: CaseListQuery, team: Team | None) -> Page[Case]:
    """The queue selectors for the queue shapes; otherwise a keyset page over what the actor
    may see: open cases by next-step due time, others newest first."""
    cursor, limit = query.cursor, query.limit
    if query.status == CaseStatus.OPEN and actor.has_capability(Capability.CASE_VIEW):
        if query.owner == "me" and team is None and not query.unassigned:
            return queue_mine(actor, cursor=cursor, limit=limit)
        if query.owner is None and team is not None and not query.unassigned:
            return queue_team(team, cursor=cursor, limit=limit)
        if query.owner is None and team is None and query.unassigned:
            return queue_unassigned(actor, cursor=cursor, limit=limit)
    cases = visible_cases(actor).select_related("owner", "team", "contact", "organization")
    if query.owner == "me":
        cases = cases.filter(owner=actor)
    elif query.owner is not None:
        cases = cases.filter(owner_id=int(query.owner))
    if team is not None:
        cases = cases.filter(team=team)
    if query.unassigned:
        # Waiting in a queue: the given team's, or else those of the actor's teams.
        cases = cases.filter(owner__isnull=True)
        if team is None:
            cases = cases.filter(team__in=Team.objects.filter(memberships__user=actor).values("pk"))
    if query.status == CaseStatus.OPEN:
        cases = cases.filter(status__in=sorted(OPEN_STATUSES))
    elif query.status is not None:
        cases = cases.filter(status=query.status)
    if query.status in OPEN_STATUSES:  # open cases always have a next-step due time
        return keyset_page(cases, field="next_step_due", cursor=cursor, limit=limit)
    return keyset_page(cases, field="created_at", cursor=cursor, limit=limit, descending=True)


@router.get("/cases", response={200: CasePageOut, **READ_PROBLEMS}, url_name="case_list")
def list_cases(request: HttpRequest, filters: Query[CaseListQuery]) -> Status:
    """Cases the caller may see, a page at a time (`next_cursor` fetches the next).

    `status=open` means every open status (new, open, pending, scheduled), in queue order;
    `unassigned=true` means nobody owns it yet, in `team`'s queue or the caller's teams'.
    """
    actor = signed_in_user(request)
    team = _team(actor, filters.team)
    return Status(200, _cases_page(actor, filters, team))


@router.post(
    "/cases/take-next", response={200: CaseOut, **WRITE_PROBLEMS}, url_name="case_take_next"
)
def take_next(request: HttpRequest, payload: TakeNextIn, response: HttpResponse) -> Status:
    """Claim the most urgent unowned case of a team the caller belongs to."""
    actor = signed_in_user(request)
    team = access_team(actor, payload.team_id)
    case = case_claim_next(actor=actor, team=team)
    _tag(response, case)
    return Status(200, case)


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **READ_PROBLEMS}, url_name="case_get")
def get_case(request: HttpRequest, case_id: Id, response: HttpResponse) -> Status:
    """The case with its brief: owner and how to reach them, next step, promises, decisions."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    brief = case_brief(case.pk)
    _tag(response, brief.case)
    return Status(200, case_detail(brief, viewer=actor))


@router.patch("/cases/{case_id}", response={200: CaseOut, **WRITE_PROBLEMS}, url_name="case_update")
def update_case(
    request: HttpRequest,
    case_id: Id,
    payload: CaseUpdateIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    case = case_update(
        actor=actor,
        case=case,
        subject=payload.subject,
        description=payload.description,
        priority=payload.priority,
        category=payload.category,
        contact=_contact(actor, payload.contact_id),
        asset=_asset(actor, payload.asset_id),
        reason=payload.reason,
        expected_version=expected,
    )
    _tag(response, case)
    return Status(200, case)


@router.get(
    "/cases/{case_id}/timeline",
    response={200: TimelinePageOut, **READ_PROBLEMS},
    url_name="case_timeline",
)
def get_timeline(request: HttpRequest, case_id: Id, filters: Query[TimelineQuery]) -> Status:
    """The case's history, newest first; `only` narrows it to contacts, notes, handoffs,
    promises or decisions."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    page = case_timeline(case, only=filters.only, cursor=filters.cursor, limit=filters.limit)
    return Status(200, timeline_page(page, viewer=actor))


@router.get(
    "/cases/{case_id}/deadlines",
    response={200: list[DeadlineOut], **READ_PROBLEMS},
    url_name="case_deadlines",
)
def get_deadlines(request: HttpRequest, case_id: Id) -> Status:
    """The case's service-level deadlines, each explained: policy, calendar, target, time
    used, pauses, and the stretches of business time it was counted over."""
    case = access_case(signed_in_user(request), case_id)
    return Status(200, case_deadlines(case))


@router.post(
    "/cases/{case_id}/interactions",
    response={201: InteractionOut, **WRITE_PROBLEMS},
    url_name="case_log_interaction",
)
def log_interaction(
    request: HttpRequest,
    case_id: Id,
    payload: InteractionIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    interaction = case_log_interaction(
        actor=actor,
        case=case,
        channel=payload.channel,
        direction=payload.direction,
        disposition=payload.disposition,
        note=payload.note,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        contact=_contact(actor, payload.contact_id),
        next_step=payload.next_step,
        next_step_due=payload.next_step_due,
        confirm_next_step=payload.confirm_next_step,
        resolve=payload.resolve,
        expected_version=expected,
    )
    _tag(response, interaction.case)
    return Status(201, interaction)


@router.post(
    "/cases/{case_id}/notes", response={201: NoteOut, **WRITE_PROBLEMS}, url_name="case_add_note"
)
def add_note(
    request: HttpRequest,
    case_id: Id,
    payload: NoteIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    note = case_add_note(
        actor=actor,
        case=case,
        body=payload.body,
        visibility=payload.visibility,
        expected_version=expected,
    )
    _tag(response, note.case)
    return Status(201, note)


@router.put(
    "/cases/{case_id}/next-step",
    response={200: CaseOut, **WRITE_PROBLEMS},
    url_name="case_set_next_step",
)
def set_next_step(
    request: HttpRequest,
    case_id: Id,
    payload: NextStepIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    case = case_set_next_step(
        actor=actor,
        case=case,
        next_step=payload.next_step,
        next_step_due=payload.next_step_due,
        expected_version=expected,
    )
    _tag(response, case)
    return Status(200, case)


@router.post(
    "/cases/{case_id}/status", response={200: CaseOut, **WRITE_PROBLEMS}, url_name="case_set_status"
)
def set_status(
    request: HttpRequest,
    case_id: Id,
    payload: StatusIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    case = case_set_status(
        actor=actor,
        case=case,
        status=payload.status,
        reason=payload.reason,
        next_step=payload.next_step,
        next_step_due=payload.next_step_due,
        expected_version=expected,
    )
    _tag(response, case)
    return Status(200, case)


@router.post(
    "/cases/{case_id}/claim", response={200: CaseOut, **WRITE_PROBLEMS}, url_name="case_claim"
)
def claim(request: HttpRequest, case_id: Id, response: HttpResponse) -> Status:
    """Take an unowned case from a queue of yours. Whoever claims first owns it; the other
    gets 409 already_owned, so a claim needs no If-Match."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    case = case_claim(actor=actor, case=case)
    _tag(response, case)
    return Status(200, case)


@router.post(
    "/cases/{case_id}/assign", response={200: CaseOut, **WRITE_PROBLEMS}, url_name="case_assign"
)
def assign(
    request: HttpRequest,
    case_id: Id,
    payload: AssignIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    case = case_assign(
        actor=actor,
        case=case,
        owner=_user(actor, payload.owner_id),
        team=_team(actor, payload.team_id),
        reason=payload.reason,
        expected_version=expected,
    )
    _tag(response, case)
    return Status(200, case)


# --- Handoffs ----------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/handoffs",
    response={201: HandoffOut, **WRITE_PROBLEMS},
    url_name="case_hand_off",
)
def hand_off(
    request: HttpRequest,
    case_id: Id,
    payload: HandoffIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    handoff = case_hand_off(
        actor=actor,
        case=case,
        kind=payload.kind,
        summary=payload.summary,
        tried=payload.tried,
        promised=payload.promised,
        next_step=payload.next_step,
        next_step_due=payload.next_step_due,
        to_user=_user(actor, payload.to_user_id),
        to_team=_team(actor, payload.to_team_id),
        expected_version=expected,
    )
    _tag(response, handoff.case)
    return Status(201, handoff)


@router.post(
    "/handoffs/{handoff_id}/accept",
    response={200: CaseOut, **WRITE_PROBLEMS},
    url_name="handoff_accept",
)
def accept_handoff(request: HttpRequest, handoff_id: Id, response: HttpResponse) -> Status:
    """The receiver takes the case; the answer is the case they now own."""
    actor = signed_in_user(request)
    handoff = access_handoff(actor, handoff_id)
    case = handoff_accept(actor=actor, handoff=handoff)
    _tag(response, case)
    return Status(200, case)


@router.post(
    "/handoffs/{handoff_id}/decline",
    response={200: HandoffOut, **WRITE_PROBLEMS},
    url_name="handoff_decline",
)
def decline_handoff(
    request: HttpRequest, handoff_id: Id, payload: ReasonIn, response: HttpResponse
) -> Status:
    actor = signed_in_user(request)
    handoff = access_handoff(actor, handoff_id)
    handoff = handoff_decline(actor=actor, handoff=handoff, reason=payload.reason)
    _tag(response, handoff.case)
    return Status(200, handoff)


@router.post(
    "/handoffs/{handoff_id}/cancel",
    response={200: HandoffOut, **WRITE_PROBLEMS},
    url_name="handoff_cancel",
)
def cancel_handoff(
    request: HttpRequest, handoff_id: Id, payload: ReasonIn, response: HttpResponse
) -> Status:
    actor = signed_in_user(request)
    handoff = access_handoff(actor, handoff_id)
    handoff = handoff_cancel(actor=actor, handoff=handoff, reason=payload.reason)
    _tag(response, handoff.case)
    return Status(200, handoff)


# --- Promises ----------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/promises",
    response={201: PromiseOut, **WRITE_PROBLEMS},
    url_name="case_add_promise",
)
def add_promise(
    request: HttpRequest,
    case_id: Id,
    payload: PromiseIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    commitment = commitment_add(
        actor=actor,
        case=case,
        owed_by=payload.owed_by,
        description=payload.description,
        due_at=payload.due_at,
        owner=_user(actor, payload.owner_id) or actor,
        kind=payload.kind,
        expected_version=expected,
    )
    _tag(response, commitment.case)
    return Status(201, commitment)


@router.post(
    "/promises/{promise_id}/keep",
    response={200: PromiseOut, **WRITE_PROBLEMS},
    url_name="promise_keep",
)
def keep_promise(
    request: HttpRequest,
    promise_id: Id,
    response: HttpResponse,
    payload: PromiseKeepIn | None = None,
) -> Status:
    """Mark the promise kept; a note is optional, and so is the body."""
    actor = signed_in_user(request)
    commitment = access_commitment(actor, promise_id)
    note = payload.note if payload is not None else ""
    commitment = commitment_keep(actor=actor, commitment=commitment, note=note)
    _tag(response, commitment.case)
    return Status(200, commitment)


@router.post(
    "/promises/{promise_id}/break",
    response={200: PromiseOut, **WRITE_PROBLEMS},
    url_name="promise_break",
)
def break_promise(
    request: HttpRequest, promise_id: Id, payload: ReasonIn, response: HttpResponse
) -> Status:
    actor = signed_in_user(request)
    commitment = access_commitment(actor, promise_id)
    commitment = commitment_break(actor=actor, commitment=commitment, reason=payload.reason)
    _tag(response, commitment.case)
    return Status(200, commitment)


@router.post(
    "/promises/{promise_id}/cancel",
    response={200: PromiseOut, **WRITE_PROBLEMS},
    url_name="promise_cancel",
)
def cancel_promise(
    request: HttpRequest, promise_id: Id, payload: ReasonIn, response: HttpResponse
) -> Status:
    actor = signed_in_user(request)
    commitment = access_commitment(actor, promise_id)
    commitment = commitment_cancel(actor=actor, commitment=commitment, reason=payload.reason)
    _tag(response, commitment.case)
    return Status(200, commitment)


# --- Decisions ---------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/decisions",
    response={201: DecisionOut, **WRITE_PROBLEMS},
    url_name="case_record_decision",
)
def record_decision(
    request: HttpRequest,
    case_id: Id,
    payload: DecisionIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = access_case(actor, case_id)
    decision = decision_record(
        actor=actor,
        case=case,
        policy=payload.policy,
        decision=payload.decision,
        rationale=payload.rationale,
        approved_by=_user(actor, payload.approved_by_id),
        no_approver_reason=payload.no_approver_reason,
        expected_version=expected,
    )
    _tag(response, decision.case)
    return Status(201, decision)


@router.post(
    "/decisions/{decision_id}/outcome",
    response={200: DecisionOut, **WRITE_PROBLEMS},
    url_name="decision_outcome",
)
def set_decision_outcome(
    request: HttpRequest, decision_id: Id, payload: OutcomeIn, response: HttpResponse
) -> Status:
    actor = signed_in_user(request)
    decision = access_decision(actor, decision_id)
    decision = decision_set_outcome(actor=actor, decision=decision, outcome=payload.outcome)
    _tag(response, decision.case)
    return Status(200, decision)


# --- Links and merges --------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/links", response={201: LinkOut, **WRITE_PROBLEMS}, url_name="case_link"
)
def link(request: HttpRequest, case_id: Id, payload: LinkIn, response: HttpResponse) -> Status:
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    other = access_case(actor, payload.to_case_id)
    created = case_link(actor=actor, case=case, other=other, kind=payload.kind)
    _tag(response, created.from_case)
    return Status(201, created)


@router.post(
    "/cases/{case_id}/merge", response={200: CaseOut, **WRITE_PROBLEMS}, url_name="case_merge"
)
def merge(request: HttpRequest, case_id: Id, payload: MergeIn, response: HttpResponse) -> Status:
    """Merge this case into `into` at once (the API has no preview step). The answer is the
    case that carries on; this one is closed as its duplicate."""
    actor = signed_in_user(request)
    case = access_case(actor, case_id)
    target = access_case(actor, payload.into)
    target = case_merge(actor=actor, source=case, target=target, reason=payload.reason)
    _tag(response, target)
    return Status(200, target)
