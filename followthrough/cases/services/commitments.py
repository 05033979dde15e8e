"""Promises: what someone owes by a time, and whether it was kept, broken or cancelled."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, Commitment
from followthrough.cases.services._common import (
    MAX_LONG_TEXT,
    MAX_SHORT_TEXT,
    lock_case,
    now,
    record,
    require_future,
    require_open,
    require_staff,
    require_text,
    save_case,
    when,
    who,
)
from followthrough.cases.states import (
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    EventType,
)
from followthrough.core.errors import Invalid, ServiceError


def commitment_add(
    *,
    actor: User,
    case: Case,
    owed_by: CommitmentParty | str,
    description: str,
    due_at: dt.datetime,
    owner: User,
    kind: CommitmentKind | str = CommitmentKind.CALLBACK,
    expected_version: int | None = None,
) -> Commitment:
    """Record a promise on an open case. `owner` answers for it on our side."""
    require_capability(actor, Capability.COMMITMENT_MANAGE)
    if owed_by not in CommitmentParty.values:
        raise Invalid(f"{owed_by!r} is not a party to a promise.", field="owed_by")
    if kind not in CommitmentKind.values:
        raise Invalid(f"{kind!r} is not a kind of promise.", field="kind")
    text = require_text(
        description, code=CaseError.NOTE_REQUIRED, what="Description", limit=MAX_SHORT_TEXT
    )
    due = require_future(due_at, code=CaseError.DUE_IN_PAST, what="The promise")
    require_staff(owner, field="owner")
    with transaction.atomic():
        case = lock_case(case, expected_version)
        require_open(case)
        commitment = Commitment.objects.create(
            case=case,
            kind=kind,
            owed_by=owed_by,
            description=text,
            due_at=due,
            owner=owner,
            created_by=actor,
        )
        case.open_commitment_count += 1
        save_case(case, "open_commitment_count")
        record(
            case,
            EventType.COMMITMENT_ADDED,
            actor,
            after={
                "description": text,
                "owed_by": owed_by,
                "kind": kind,
                "due_at": when(due),
                "owner": who(owner),
            },
            commitment=commitment,
        )
    return commitment


def _settle(
    actor: User,
    commitment: Commitment,
    status: CommitmentStatus,
    event: EventType,
    reason: str,
) -> Commitment:
    require_capability(actor, Capability.COMMITMENT_MANAGE)
    with transaction.atomic():
        case = lock_case(commitment.case_id)
        commitment = Commitment.objects.get(pk=commitment.pk)
        while commitment.case_id != case.pk:  # a merge moved it since the caller read it
            case = lock_case(commitment.case_id)
            commitment = Commitment.objects.get(pk=commitment.pk)
        if commitment.status != CommitmentStatus.OPEN:
            raise ServiceError(
                CaseError.COMMITMENT_NOT_OPEN,
                f"This promise is already {commitment.get_status_display().lower()}.",
                promise_status=commitment.status,
            )
        commitment.status = status
        commitment.reason = reason
        commitment.settled_by = actor
        commitment.settled_at = now()
        commitment.save(update_fields=["status", "reason", "settled_by", "settled_at"])
        case.open_commitment_count -= 1
        save_case(case, "open_commitment_count")
        record(
            case,
            event,
            actor,
            before={"status": CommitmentStatus.OPEN},
            after={"status": status, "late": commitment.settled_at > commitment.due_at},
            reason=reason,
            commitment=commitment,
        )
    return commitment


def commitment_keep(*, actor: User, commitment: Commitment, note: str = "") -> Commitment:
    if len(note) > MAX_LONG_TEXT:
        raise ServiceError(CaseError.TEXT_TOO_LONG, "The note is too long.")
    return _settle(
        actor, commitment, CommitmentStatus.KEPT, EventType.COMMITMENT_KEPT, note.strip()
    )


def commitment_break(*, actor: User, commitment: Commitment, reason: str) -> Commitment:
    text = require_text(reason, code=CaseError.REASON_REQUIRED, what="Reason", limit=MAX_LONG_TEXT)
    return _settle(actor, commitment, CommitmentStatus.BROKEN, EventType.COMMITMENT_BROKEN, text)


def commitment_cancel(*, actor: User, commitment: Commitment, reason: str) -> Commitment:
    text = require_text(reason, code=CaseError.REASON_REQUIRED, what="Reason", limit=MAX_LONG_TEXT)
    return _settle(
        actor, commitment, CommitmentStatus.CANCELLED, EventType.COMMITMENT_CANCELLED, text
    )
