"""Who has a case: assignment by a lead, claiming from a queue, and "take next"."""

from __future__ import annotations

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Team, User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, Handoff
from followthrough.cases.services._common import (
    can_act_for_team,
    is_member,
    lock_case,
    now,
    record,
    require_open,
    require_staff,
    save_case,
    team_ref,
    who,
)
from followthrough.cases.services.notifications import notify
from followthrough.cases.services.sla import sla_track
from followthrough.cases.states import (
    OPEN_STATUSES,
    CaseStatus,
    EventType,
    HandoffStatus,
    NotificationKind,
)
from followthrough.core.errors import ServiceError


def cancel_pending_handoff(case: Case, actor: User | None, reason: str) -> None:
    pending = Handoff.objects.filter(case=case, status=HandoffStatus.PENDING).first()
    if pending is None:
        return
    pending.status = HandoffStatus.CANCELLED
    pending.responded_by = actor
    pending.responded_at = now()
    pending.response_reason = reason
    pending.save(update_fields=["status", "responded_by", "responded_at", "response_reason"])
    record(case, EventType.HANDOFF_CANCELLED, actor, reason=reason, handoff=pending)


def case_assign(
    *,
    actor: User,
    case: Case,
    owner: User | None,
    team: Team | None,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Give the case to an owner and/or a team queue (leads and dispatchers).

    Both are stated explicitly: `owner=None` puts the case in `team`'s queue. A pending
    handoff is superseded and cancelled.
    """
    require_capability(actor, Capability.CASE_ASSIGN)
    if owner is not None:
        require_staff(owner, field="owner")
    if owner is None and team is None:
        raise ServiceError(
            CaseError.OWNER_OR_TEAM_REQUIRED,
            "A case needs an owner or a team queue; it can never be nobody's.",
        )
    with transaction.atomic():
        case = lock_case(case, expected_version)
        require_open(case)
        before = {"owner": who(case.owner), "team": team_ref(case.team)}
        if case.owner_id == (owner.pk if owner else None) and case.team_id == (
            team.pk if team else None
        ):
            return case
        case.owner = owner
        case.team = team
        fields = ["owner", "team"]
        if owner is not None and case.status == CaseStatus.NEW:
            case.status = CaseStatus.OPEN
            fields.append("status")
        sla_track(case)
        save_case(case, *fields)
        # After save_case, so its event carries the new version like the assignment's.
        cancel_pending_handoff(case, actor, "Superseded by an assignment.")
        event = record(
            case,
            EventType.ASSIGNED,
            actor,
            before=before,
            after={"owner": who(owner), "team": team_ref(team)},
            reason=reason,
        )
        notify(
            [owner],
            case=case,
            kind=NotificationKind.ASSIGNED,
            event=event,
            skip=actor,
            message=f"{case.number} was assigned to you by {actor.display_name}: {case.subject}",
        )
    return case


def case_claim(*, actor: User, case: Case) -> Case:
    """Take an unowned case from a team queue. Two agents at once: one owner, one refusal."""
    require_capability(actor, Capability.CASE_CLAIM)
    with transaction.atomic():
        case = lock_case(case)
        require_open(case)
        if case.owner_id is not None:
            raise ServiceError(
                CaseError.ALREADY_OWNED,
                f"{case.number} is already owned by {case.owner.display_name}."
                if case.owner
                else "Already owned.",
                owner_id=case.owner_id,
            )
        if not can_act_for_team(actor, case.team):
            raise ServiceError(
                CaseError.NOT_TEAM_MEMBER,
                f"Only members of {case.team} can claim its cases.",
            )
        return _claim(case, actor)


def _claim(case: Case, actor: User) -> Case:
    case.owner = actor
    fields = ["owner"]
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN
        fields.append("status")
    save_case(case, *fields)
    record(case, EventType.CLAIMED, actor, before={"owner": None}, after={"owner": who(actor)})
    return case


def case_claim_next(*, actor: User, team: Team) -> Case:
    """Claim the most urgent unowned case of the team ("take next"): the nearest deadline
    (SLA or next step), then the oldest.

    On PostgreSQL, SKIP LOCKED lets twenty agents take twenty different cases at once.
    """
    require_capability(actor, Capability.CASE_CLAIM)
    if not is_member(actor, team):
        raise ServiceError(CaseError.NOT_TEAM_MEMBER, f"Only members of {team} can take its cases.")
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(skip_locked=True)
            .filter(team=team, owner__isnull=True, status__in=_OPEN_VALUES)
            .order_by("nearest_due", "id")
            .first()
        )
        if case is None:
            raise ServiceError(CaseError.QUEUE_EMPTY, f"{team} has no unowned open case.")
        return _claim(case, actor)


_OPEN_VALUES = sorted(OPEN_STATUSES)
