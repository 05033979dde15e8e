"""Referrals: sending the customer to a vendor is a promise to check back (DESIGN.md §1, story 1).

A referral is logged as a contact (disposition "referred"), creates the follow-up promise, the
Referral row and its REFERRED event in one transaction, and may move the case to pending third
party. Its outcome (the vendor helped, did not answer, or we solved it) is what the per-vendor
report counts.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, Commitment, Referral
from followthrough.cases.services._common import (
    MAX_LONG_TEXT,
    lock_case,
    now,
    record,
    require_future,
    require_text,
    save_case,
    when,
)
from followthrough.cases.services.commitments import commitment_add, commitment_keep
from followthrough.cases.services.lifecycle import (
    case_log_interaction,
    case_set_next_step,
    case_set_status,
)
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    Direction,
    Disposition,
    EventType,
    ReferralOutcome,
)
from followthrough.core.errors import Invalid, ServiceError
from followthrough.core.phones import format_phone
from followthrough.knowledge.models import Vendor


def follow_up_text(vendor: Vendor) -> str:
    """What the follow-up promise (and the case's next step) says."""
    return f"Check back with the customer about {vendor.name}"[:500]


def vendor_reach(vendor: Vendor) -> str:
    """How the customer reaches the vendor, in one line: phone, hours, site, email."""
    parts = []
    if vendor.support_phone:
        parts.append(format_phone(vendor.support_phone))
    if vendor.hours:
        parts.append(f"{vendor.hours} ({vendor.time_zone})")
    parts += [p for p in (vendor.support_url, vendor.support_email) if p]
    return " · ".join(parts)


def _vendor_ref(vendor: Vendor) -> dict[str, object]:
    return {"id": vendor.pk, "name": vendor.name}


def case_refer(
    *,
    actor: User,
    case: Case,
    vendor: Vendor,
    reason: str,
    follow_up_due: dt.datetime,
    channel: Channel | str = Channel.PHONE,
    expected_version: int | None = None,
    set_pending: bool = True,
) -> Referral:
    """Refer the customer to `vendor` and promise to check back with them by `follow_up_due`.

    One transaction: the contact (note "Referred to <vendor>: <reason>" with how to reach
    them; its next step is the check-back), the follow-up promise (owned by the case owner, or
    the actor on a queue case), the Referral and its REFERRED event, and, with `set_pending`,
    the move to pending third party. Refused on a closed case, for a vendor no longer offered,
    without a reason or with a follow-up time that is not in the future; a refusal changes
    nothing.
    """
    require_capability(actor, Capability.CASE_WORK)
    require_capability(actor, Capability.COMMITMENT_MANAGE)
    if set_pending:
        require_capability(actor, Capability.CASE_SET_STATUS)
    text = require_text(reason, code=CaseError.REASON_REQUIRED, what="Reason", limit=MAX_LONG_TEXT)
    due = require_future(follow_up_due, code=CaseError.DUE_IN_PAST, what="The follow-up")
    if channel not in Channel.values:
        raise Invalid(f"{channel!r} is not a channel.", field="channel")
    with transaction.atomic():
        case = lock_case(case, expected_version)
        if case.status == CaseStatus.CLOSED:
            raise ServiceError(
                CaseError.CASE_CLOSED,
                f"{case.number} is closed; open a new case and link it to this one.",
            )
        vendor = Vendor.objects.get(pk=vendor.pk)
        if not vendor.is_active:
            raise ServiceError(
                CaseError.VENDOR_INACTIVE,
                f"{vendor.name} is no longer offered for referrals: choose another vendor.",
                field="vendor",
            )
        reach = vendor_reach(vendor)
        note = f"Referred to {vendor.name}: {text}"
        if reach:
            note += f"\nTheir support: {reach}"
        promise_text = follow_up_text(vendor)
        interaction = case_log_interaction(
            actor=actor,
            case=case,
            channel=channel,
            direction=Direction.OUTBOUND,
            disposition=Disposition.REFERRED,
            note=note,
            started_at=now(),
            next_step=promise_text,
            next_step_due=due,
        )
        case = lock_case(case.pk)
        commitment = commitment_add(
            actor=actor,
            case=case,
            owed_by=CommitmentParty.US,
            description=promise_text,
            due_at=due,
            owner=case.owner or actor,
            kind=CommitmentKind.REFERRAL_FOLLOW_UP,
        )
        referral = Referral.objects.create(
            case=case,
            vendor=vendor,
            reason=text,
            interaction=interaction,
            commitment=commitment,
            created_by=actor,
        )
        case = lock_case(case.pk)
        save_case(case)
        record(
            case,
            EventType.REFERRED,
            actor,
            after={
                "vendor": _vendor_ref(vendor),
                "reason": text,
                "reach": reach,
                "follow_up_due": when(due),
                "follow_up_owner": {
                    "id": commitment.owner_id,
                    "name": commitment.owner.display_name,
                },
            },
            referral=referral,
            interaction=interaction,
            commitment=commitment,
        )
        if set_pending and case.status != CaseStatus.PENDING_THIRD_PARTY:
            case_set_status(
                actor=actor,
                case=case,
                status=CaseStatus.PENDING_THIRD_PARTY,
                reason=f"Referred to {vendor.name}.",
            )
    return referral


def referral_record_outcome(
    *,
    actor: User,
    referral: Referral,
    outcome: ReferralOutcome | str,
    note: str = "",
    next_step: str = "",
    next_step_due: dt.datetime | None = None,
) -> Referral:
    """Record how the referral turned out: the vendor helped, did not answer, or we solved it.

    When the follow-up promise is still open, the check-back has happened: it is kept, with the
    outcome as its note. So when the case's next step is still that check-back, a new next
    step is required (otherwise it may be given). A case pending third party that waits on no
    other referral goes back to open. An outcome is recorded once; a refusal changes nothing.
    """
    require_capability(actor, Capability.CASE_WORK)
    if outcome not in ReferralOutcome.values or outcome == ReferralOutcome.PENDING:
        raise Invalid(
            f"{outcome!r} is not an outcome: the vendor helped, did not answer, or we solved it.",
            field="outcome",
        )
    if len(note or "") > MAX_LONG_TEXT:
        raise ServiceError(CaseError.TEXT_TOO_LONG, "The note is too long.")
    text = (note or "").strip()
    label = ReferralOutcome(outcome).label
    with transaction.atomic():
        case = lock_case(referral.case_id)
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("vendor")
            .get(pk=referral.pk)
        )
        if referral.outcome != ReferralOutcome.PENDING:
            raise ServiceError(
                CaseError.REFERRAL_OUTCOME_RECORDED,
                f"The outcome of this referral is recorded already: "
                f"{referral.get_outcome_display().lower()}.",
                outcome=referral.outcome,
            )
        step_was_check_back = case.is_open and case.next_step == follow_up_text(referral.vendor)
        new_step = bool(next_step.strip() or next_step_due)
        if step_was_check_back and not new_step:
            raise ServiceError(
                CaseError.NEXT_STEP_REQUIRED,
                f"The next step was this check-back about {referral.vendor.name}, which the "
                "outcome settles: say what happens next on the case.",
                field="next_step",
            )
        commitment = Commitment.objects.get(pk=referral.commitment_id)
        kept = commitment.status == CommitmentStatus.OPEN
        if kept:
            commitment_keep(actor=actor, commitment=commitment, note=f"{label}. {text}".strip())
        referral.outcome = outcome
        referral.outcome_note = text
        referral.outcome_by = actor
        referral.outcome_at = now()
        referral.save(update_fields=["outcome", "outcome_note", "outcome_by", "outcome_at"])
        case = lock_case(referral.case_id)
        save_case(case)
        record(
            case,
            EventType.REFERRAL_OUTCOME,
            actor,
            before={"outcome": ReferralOutcome.PENDING},
            after={
                "vendor": _vendor_ref(referral.vendor),
                "outcome": outcome,
                "follow_up_kept": kept,
            },
            reason=text,
            referral=referral,
            commitment=commitment,
        )
        if new_step:
            due = require_future(
                next_step_due, code=CaseError.NEXT_STEP_IN_PAST, what="The next step"
            )
            case_set_next_step(actor=actor, case=case, next_step=next_step, next_step_due=due)
        _stop_waiting(actor, referral, label)
    return referral


def _stop_waiting(actor: User, referral: Referral, label: str) -> None:
    """Pending third party ends with the last referral's outcome (if the actor may move it)."""
    case = lock_case(referral.case_id)
    others = Referral.objects.filter(case=case, outcome=ReferralOutcome.PENDING)
    if (
        case.status != CaseStatus.PENDING_THIRD_PARTY
        or others.exists()
        or not actor.has_capability(Capability.CASE_SET_STATUS)
    ):
        return
    case_set_status(
        actor=actor,
        case=case,
        status=CaseStatus.OPEN,
        reason=f"{referral.vendor.name}: {label.lower()}.",
    )
