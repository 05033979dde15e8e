"""Links between cases, and merging a duplicate into the case that carries on."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseAgent, CaseLink, Commitment
from followthrough.cases.services._common import (
    MAX_LONG_TEXT,
    lock_cases,
    now,
    record,
    require_text,
    save_case,
)
from followthrough.cases.services.ownership import cancel_pending_handoff
from followthrough.cases.services.search_index import case_index_merge
from followthrough.cases.services.sla import sla_track
from followthrough.cases.states import CaseStatus, CommitmentStatus, EventType, LinkKind
from followthrough.core.errors import Invalid, ServiceError


def case_link(*, actor: User, case: Case, other: Case, kind: LinkKind | str) -> CaseLink:
    """Link two cases: related, duplicate of, or parent of. Recorded on both timelines."""
    require_capability(actor, Capability.CASE_LINK)
    if kind not in LinkKind.values:
        raise Invalid(f"{kind!r} is not a kind of link.", field="kind")
    if case.pk == other.pk:
        raise ServiceError(CaseError.LINK_TO_SELF, "A case cannot be linked to itself.")
    with transaction.atomic():
        case, other = lock_cases(case, other)
        link = _link(actor, case, other, kind)
    return link


def _link(actor: User, case: Case, other: Case, kind: LinkKind | str) -> CaseLink:
    existing = CaseLink.objects.filter(
        Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case)
    ).first()
    if existing is not None:
        raise ServiceError(
            CaseError.LINK_EXISTS,
            f"{case.number} and {other.number} are already linked "
            f"({existing.get_kind_display().lower()}).",
        )
    link = CaseLink.objects.create(from_case=case, to_case=other, kind=kind, created_by=actor)
    for this, that, side in ((case, other, "to"), (other, case, "from")):
        save_case(this)
        record(
            this,
            EventType.LINKED,
            actor,
            after={"kind": kind, "side": side, "case": that.number},
            related_case=that,
        )
    return link


def case_merge(*, actor: User, source: Case, target: Case, reason: str) -> Case:
    """Merge `source` into `target`: its open promises move over, its pending handoff is
    cancelled, its agents count on the target, and it closes as a duplicate pointing there.

    The source's history stays on the source; the target's timeline shows both.
    """
    require_capability(actor, Capability.CASE_MERGE)
    text = require_text(reason, code=CaseError.REASON_REQUIRED, what="Reason", limit=MAX_LONG_TEXT)
    if source.pk == target.pk:
        raise ServiceError(CaseError.MERGE_INTO_SELF, "A case cannot be merged into itself.")
    with transaction.atomic():
        source, target = lock_cases(source, target)
        for case in (source, target):
            if case.status == CaseStatus.CLOSED:
                raise ServiceError(
                    CaseError.CASE_CLOSED, f"{case.number} is closed and cannot be merged."
                )
        if source.organization_id != target.organization_id:
            raise ServiceError(
                CaseError.CUSTOMER_MISMATCH, "Only cases of the same customer can be merged."
            )
        moved = list(
            Commitment.objects.filter(case=source, status=CommitmentStatus.OPEN).values_list(
                "pk", flat=True
            )
        )
        if target.status == CaseStatus.RESOLVED and moved:
            raise ServiceError(
                CaseError.CASE_NOT_OPEN,
                f"{target.number} is resolved; reopen it before moving open promises onto it.",
            )
        Commitment.objects.filter(pk__in=moved).update(case=target)

        target_agents = set(
            CaseAgent.objects.filter(case=target).values_list("agent_id", flat=True)
        )
        new_agents = [
            CaseAgent(case=target, agent_id=a.agent_id, first_at=a.first_at, last_at=a.last_at)
            for a in CaseAgent.objects.filter(case=source)
            if a.agent_id not in target_agents
        ]
        CaseAgent.objects.bulk_create(new_agents)

        target.open_commitment_count += len(moved)
        target.agent_count += len(new_agents)
        target.interaction_count += source.interaction_count
        save_case(target, "open_commitment_count", "agent_count", "interaction_count")
        record(
            target,
            EventType.MERGED_FROM,
            actor,
            after={"case": source.number, "promises_moved": len(moved)},
            reason=text,
            related_case=source,
        )
        for pk in moved:
            record(target, EventType.COMMITMENT_MOVED, actor, commitment_id=pk, related_case=source)

        before = {"status": source.status, "next_step": source.next_step}
        source.status = CaseStatus.CLOSED
        source.merged_into = target
        source.closed_at = now()
        source.next_step = ""
        source.next_step_due = None
        source.open_commitment_count = 0
        sla_track(source)
        save_case(
            source,
            "status",
            "merged_into",
            "closed_at",
            "next_step",
            "next_step_due",
            "open_commitment_count",
        )
        # After save_case, so the cancellation's event carries the source's new version.
        cancel_pending_handoff(source, actor, f"Merged into {target.number}.")
        record(
            source,
            EventType.MERGED_INTO,
            actor,
            before=before,
            after={"status": source.status, "case": target.number},
            reason=text,
            related_case=target,
        )
        if not CaseLink.objects.filter(
            Q(from_case=source, to_case=target) | Q(from_case=target, to_case=source)
        ).exists():
            CaseLink.objects.create(
                from_case=source, to_case=target, kind=LinkKind.DUPLICATE, created_by=actor
            )
        # Its new status reached the source's documents with save_case; its text joins the
        # target's, so a search for what was said on the duplicate finds the case that goes on.
        case_index_merge(source, target)
    return target
