"""Decisions: policy exceptions and judgment calls, with who approved them and how they ended."""

from __future__ import annotations

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, Decision
from followthrough.cases.services._common import (
    MAX_LONG_TEXT,
    lock_case,
    now,
    record,
    require_text,
    save_case,
    touch_agent,
    who,
)
from followthrough.cases.states import CaseStatus, EventType
from followthrough.core.errors import ServiceError


def decision_record(
    *,
    actor: User,
    case: Case,
    policy: str,
    decision: str,
    rationale: str,
    approved_by: User | None = None,
    no_approver_reason: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Record an exception to `policy`: what was decided and why, and who approved it — or,
    when nobody who could approve was reachable, who was tried."""
    require_capability(actor, Capability.DECISION_RECORD)
    clean_policy = require_text(policy, code=CaseError.NOTE_REQUIRED, what="Policy", limit=250)
    clean_decision = require_text(
        decision, code=CaseError.NOTE_REQUIRED, what="Decision", limit=MAX_LONG_TEXT
    )
    clean_rationale = require_text(
        rationale, code=CaseError.NOTE_REQUIRED, what="Rationale", limit=MAX_LONG_TEXT
    )
    no_approver = (no_approver_reason or "").strip()
    if approved_by is None and not no_approver:
        raise ServiceError(
            CaseError.APPROVAL_REQUIRED,
            "Name who approved the decision, or say who was tried and why nobody could approve.",
        )
    if approved_by is not None and not approved_by.has_capability(Capability.DECISION_APPROVE):
        raise ServiceError(
            CaseError.APPROVER_LACKS_RIGHT,
            f"{approved_by.display_name} cannot approve policy exceptions.",
        )
    with transaction.atomic():
        case = lock_case(case, expected_version)
        if case.status == CaseStatus.CLOSED:
            raise ServiceError(CaseError.CASE_CLOSED, f"{case.number} is closed.")
        recorded = Decision.objects.create(
            case=case,
            policy=clean_policy,
            decision=clean_decision,
            rationale=clean_rationale,
            decided_by=actor,
            approved_by=approved_by,
            no_approver_reason=no_approver if approved_by is None else "",
        )
        touch_agent(case, actor)
        save_case(case, "agent_count")
        record(
            case,
            EventType.DECISION_RECORDED,
            actor,
            after={
                "policy": clean_policy,
                "approved_by": who(approved_by),
                "no_approver_reason": recorded.no_approver_reason,
            },
            decision=recorded,
        )
    return recorded


def decision_set_outcome(*, actor: User, decision: Decision, outcome: str) -> Decision:
    """Record how the decision turned out (the part came back; the customer left anyway)."""
    require_capability(actor, Capability.DECISION_RECORD)
    text = require_text(outcome, code=CaseError.NOTE_REQUIRED, what="Outcome", limit=MAX_LONG_TEXT)
    with transaction.atomic():
        case = lock_case(decision.case_id)
        decision = Decision.objects.get(pk=decision.pk)
        before = {"outcome": decision.outcome}
        decision.outcome = text
        decision.outcome_by = actor
        decision.outcome_at = now()
        decision.save(update_fields=["outcome", "outcome_by", "outcome_at"])
        save_case(case)
        record(
            case,
            EventType.DECISION_OUTCOME,
            actor,
            before=before,
            after={"outcome": text},
            decision=decision,
        )
    return decision
