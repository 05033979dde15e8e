"""Handoffs: transfer, tier escalation and lead escalation, with acceptance.

The sender keeps the case until the receiver accepts; an unaccepted handoff is escalated to
the team lead.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Team, TierLevel, User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, Handoff
from followthrough.cases.services._common import (
    MAX_LONG_TEXT,
    MAX_SHORT_TEXT,
    is_member,
    lock_case,
    now,
    record,
    require_future,
    require_open,
    require_staff,
    require_text,
    save_case,
    team_ref,
    touch_agent,
    when,
    who,
)
from followthrough.cases.services.notifications import notify
from followthrough.cases.services.sla import sla_track
from followthrough.cases.states import (
    CaseStatus,
    EventType,
    HandoffKind,
    HandoffStatus,
    NotificationKind,
)
from followthrough.core.errors import Invalid, ServiceError

_SUPPORT_TIERS = {TierLevel.TIER_1, TierLevel.TIER_2, TierLevel.TIER_3}


def case_hand_off(
    *,
    actor: User,
    case: Case,
    kind: HandoffKind | str,
    summary: str,
    tried: str,
    promised: str,
    next_step: str,
    next_step_due: dt.datetime,
    to_user: User | None = None,
    to_team: Team | None = None,
    expected_version: int | None = None,
) -> Handoff:
    """Ask another person or team to take the case, with what they need to carry on."""
    require_capability(actor, Capability.CASE_HAND_OFF)
    if kind not in HandoffKind.values:
        raise Invalid(f"{kind!r} is not a kind of handoff.", field="kind")
    fields = {"summary": summary, "tried": tried, "promised": promised, "next_step": next_step}
    missing = [name for name, value in fields.items() if not (value or "").strip()]
    if missing:
        raise ServiceError(
            CaseError.HANDOFF_INCOMPLETE,
            "A handoff says what the case is about, what was tried, what was promised and the "
            f"next step; missing: {', '.join(m.replace('_', ' ') for m in missing)}.",
            missing=missing,
        )
    clean = {
        name: require_text(
            value,
            code=CaseError.HANDOFF_INCOMPLETE,
            what=name.replace("_", " ").capitalize(),
            limit=MAX_SHORT_TEXT if name == "next_step" else MAX_LONG_TEXT,
        )
        for name, value in fields.items()
    }
    due = require_future(next_step_due, code=CaseError.NEXT_STEP_IN_PAST, what="Next step")
    with transaction.atomic():
        case = lock_case(case, expected_version)
        require_open(case)
        _require_holder(actor, case)
        if Handoff.objects.filter(case=case, status=HandoffStatus.PENDING).exists():
            raise ServiceError(
                CaseError.HANDOFF_PENDING,
                f"{case.number} already has a handoff waiting for acceptance.",
            )
        if kind == HandoffKind.LEAD_ESCALATION and to_user is None:
            lead_team = to_team or case.team
            if lead_team is None or lead_team.lead is None:
                raise ServiceError(CaseError.NO_LEAD, "There is no team lead to escalate to.")
            to_user = lead_team.lead
        if to_user is None and to_team is None:
            raise Invalid("A handoff goes to a person or a team.", field="to_user")
        if to_user is not None:
            require_staff(to_user, field="to_user")
            if to_user.pk == actor.pk:
                raise ServiceError(CaseError.HANDOFF_TO_SELF, "You cannot hand a case to yourself.")
        if kind == HandoffKind.TIER_ESCALATION:
            _require_higher_tier(case.team, to_team)
        handoff = Handoff.objects.create(
            case=case,
            kind=kind,
            from_user=actor,
            from_team=case.team,
            to_user=to_user,
            to_team=to_team,
            next_step_due=due,
            **clean,
        )
        touch_agent(case, actor)
        save_case(case, "agent_count")
        event = record(
            case,
            EventType.HANDOFF_REQUESTED,
            actor,
            after={"kind": kind, "to_user": who(to_user), "to_team": team_ref(to_team)},
            handoff=handoff,
        )
        # A handoff to a team waits for its lead (or anyone of it) to accept.
        receiver = to_user if to_user is not None else (to_team.lead if to_team else None)
        notify(
            [receiver],
            case=case,
            kind=NotificationKind.HANDOFF,
            event=event,
            skip=actor,
            message=f"{case.number} waits for you to accept: {handoff.summary[:300]}",
        )
    return handoff


def _require_holder(actor: User, case: Case) -> None:
    """Only the owner hands off a case (or, for an unowned case, its team; leads always)."""
    if case.owner_id == actor.pk or actor.has_capability(Capability.CASE_ASSIGN):
        return
    if case.owner_id is None and case.team is not None and is_member(actor, case.team):
        return
    raise ServiceError(
        CaseError.NOT_CASE_OWNER,
        f"Only the case owner ({case.owner.display_name if case.owner else 'the team'}) "
        "or a team lead can hand off this case.",
    )


def _require_higher_tier(current: Team | None, target: Team | None) -> None:
    if target is None or target.tier not in _SUPPORT_TIERS:
        raise ServiceError(
            CaseError.TIER_NOT_HIGHER, "A tier escalation goes to a Tier 2 or Tier 3 team."
        )
    if current is not None and current.tier in _SUPPORT_TIERS and target.tier <= current.tier:
        raise ServiceError(
            CaseError.TIER_NOT_HIGHER,
            f"{target} ({target.get_tier_display()}) is not above {current} "
            f"({current.get_tier_display()}); use a transfer instead.",
        )


def _lock_pending(handoff: Handoff) -> tuple[Handoff, Case]:
    case = lock_case(handoff.case_id)
    locked = Handoff.objects.select_related("to_team", "to_user").get(pk=handoff.pk)
    if locked.status != HandoffStatus.PENDING:
        raise ServiceError(
            CaseError.HANDOFF_NOT_PENDING,
            f"This handoff is already {locked.get_status_display().lower()}.",
            handoff_status=locked.status,
        )
    return locked, case


def _require_receiver(actor: User, handoff: Handoff) -> None:
    if handoff.to_user_id is not None:
        if handoff.to_user_id == actor.pk:
            return
    elif handoff.to_team is not None and is_member(actor, handoff.to_team):
        return
    receiver = handoff.to_user or handoff.to_team
    raise ServiceError(
        CaseError.HANDOFF_NOT_RECEIVER, f"This handoff is for {receiver}, not for you."
    )


def _settle(handoff: Handoff, actor: User | None, status: HandoffStatus, reason: str) -> None:
    handoff.status = status
    handoff.responded_by = actor
    handoff.responded_at = now()
    handoff.response_reason = reason
    handoff.save(update_fields=["status", "responded_by", "responded_at", "response_reason"])


def handoff_accept(*, actor: User, handoff: Handoff) -> Case:
    """The receiver takes the case: they become its owner, with the handoff's next step."""
    require_capability(actor, Capability.CASE_WORK)
    with transaction.atomic():
        handoff, case = _lock_pending(handoff)
        _require_receiver(actor, handoff)
        before = {
            "owner": who(case.owner),
            "team": team_ref(case.team),
            "next_step": case.next_step,
            "next_step_due": when(case.next_step_due),
        }
        _settle(handoff, actor, HandoffStatus.ACCEPTED, "")
        case.owner = actor
        if handoff.to_team is not None:
            case.team = handoff.to_team
        case.next_step = handoff.next_step
        case.next_step_due = handoff.next_step_due
        if case.status == CaseStatus.NEW:
            case.status = CaseStatus.OPEN
        touch_agent(case, actor)
        sla_track(case)
        save_case(case, "owner", "team", "next_step", "next_step_due", "status", "agent_count")
        record(
            case,
            EventType.HANDOFF_ACCEPTED,
            actor,
            before=before,
            after={
                "owner": who(actor),
                "team": team_ref(case.team),
                "next_step": case.next_step,
                "next_step_due": when(case.next_step_due),
            },
            handoff=handoff,
        )
    return case


def handoff_decline(*, actor: User, handoff: Handoff, reason: str) -> Handoff:
    """The receiver says no, and why; the case stays with the sender."""
    require_capability(actor, Capability.CASE_WORK)
    text = require_text(reason, code=CaseError.REASON_REQUIRED, what="Reason", limit=MAX_LONG_TEXT)
    with transaction.atomic():
        handoff, case = _lock_pending(handoff)
        _require_receiver(actor, handoff)
        _settle(handoff, actor, HandoffStatus.DECLINED, text)
        save_case(case)
        record(case, EventType.HANDOFF_DECLINED, actor, reason=text, handoff=handoff)
    return handoff


def handoff_cancel(*, actor: User, handoff: Handoff, reason: str) -> Handoff:
    """The sender (or a lead) withdraws a handoff nobody has answered yet."""
    text = require_text(reason, code=CaseError.REASON_REQUIRED, what="Reason", limit=MAX_LONG_TEXT)
    with transaction.atomic():
        handoff, case = _lock_pending(handoff)
        if handoff.from_user_id != actor.pk and not actor.has_capability(Capability.CASE_ASSIGN):
            raise ServiceError(
                CaseError.HANDOFF_NOT_SENDER, "Only the sender or a team lead can cancel it."
            )
        _settle(handoff, actor, HandoffStatus.CANCELLED, text)
        save_case(case)
        record(case, EventType.HANDOFF_CANCELLED, actor, reason=text, handoff=handoff)
    return handoff


def handoff_escalate_unaccepted(*, actor: User | None, handoff: Handoff, reason: str) -> Handoff:
    """Pass a handoff nobody accepted to the lead of the receiving team (or the case's team).

    `actor` None is the deadline scan; a person escalating by hand is the sender or a lead.
    Returns the new lead-escalation handoff.
    """
    with transaction.atomic():
        handoff, case = _lock_pending(handoff)
        if (
            actor is not None
            and actor.pk != handoff.from_user_id
            and not actor.has_capability(Capability.CASE_ASSIGN)
        ):
            raise ServiceError(
                CaseError.HANDOFF_NOT_SENDER,
                "Only the sender or a team lead can escalate a handoff by hand.",
            )
        team = handoff.to_team or case.team
        lead = team.lead if team is not None else None
        if lead is None or lead.pk in (handoff.to_user_id, handoff.from_user_id):
            raise ServiceError(
                CaseError.NO_LEAD, "There is no other team lead to escalate this handoff to."
            )
        _settle(handoff, actor, HandoffStatus.ESCALATED, reason)
        escalation = Handoff.objects.create(
            case=case,
            kind=HandoffKind.LEAD_ESCALATION,
            from_user=handoff.from_user,
            from_team=handoff.from_team,
            to_user=lead,
            to_team=handoff.to_team,
            summary=handoff.summary,
            tried=handoff.tried,
            promised=handoff.promised,
            next_step=handoff.next_step,
            next_step_due=handoff.next_step_due,
            escalated_from=handoff,
        )
        save_case(case)
        event = record(
            case,
            EventType.HANDOFF_ESCALATED,
            actor,
            before={"to_user": who(handoff.to_user), "to_team": team_ref(handoff.to_team)},
            after={"to_user": who(lead)},
            reason=reason,
            handoff=escalation,
        )
        notify(
            [lead],
            case=case,
            kind=NotificationKind.HANDOFF,
            event=event,
            message=f"{case.number}: a handoff nobody accepted was escalated to you.",
        )
    return escalation
