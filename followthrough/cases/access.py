"""The only way pages and the API get a case or a record on one: fetch and authorise together.

A missing object and a forbidden one raise the same NotFound (DESIGN.md §2, invariant 8).
"""

from __future__ import annotations

from django.db.models import QuerySet

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.models import Case, Commitment, Decision, Handoff
from followthrough.core.errors import NotFound
from followthrough.customers.access import actor_organization_id


def visible_cases(actor: User) -> QuerySet[Case]:
    """The cases `actor` may see: all for staff with case.view, their organisation's for
    portal customers, none otherwise."""
    if actor.has_capability(Capability.CASE_VIEW):
        return Case.objects.all()
    if actor.has_capability(Capability.PORTAL):
        org_id = actor_organization_id(actor)
        if org_id is not None:
            return Case.objects.filter(organization_id=org_id)
    return Case.objects.none()


def access_case(actor: User, case_id: int | str, *, for_update: bool = False) -> Case:
    """Fetch a case `actor` may see. With `for_update`, lock it (inside a transaction)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound("Case") from None
    queryset = visible_cases(actor).select_related("owner", "team", "contact", "organization")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    case = queryset.filter(pk=pk).first()
    if case is None:
        raise NotFound("Case")
    return case


def _label(model: type[Handoff | Commitment | Decision]) -> str:
    return str(model._meta.verbose_name).capitalize()


def _via_case(actor: User, model: type[Handoff | Commitment | Decision], pk: int | str) -> int:
    try:
        case_id = model.objects.filter(pk=int(pk)).values_list("case_id", flat=True).first()
    except (TypeError, ValueError):
        case_id = None
    if case_id is None:
        raise NotFound(_label(model))
    try:
        access_case(actor, case_id)
    except NotFound:
        raise NotFound(_label(model)) from None
    return case_id


def access_handoff(actor: User, handoff_id: int | str) -> Handoff:
    _via_case(actor, Handoff, handoff_id)
    return Handoff.objects.select_related("case", "to_user", "to_team").get(pk=int(handoff_id))


def access_commitment(actor: User, commitment_id: int | str) -> Commitment:
    _via_case(actor, Commitment, commitment_id)
    return Commitment.objects.select_related("case", "owner").get(pk=int(commitment_id))


def access_decision(actor: User, decision_id: int | str) -> Decision:
    _via_case(actor, Decision, decision_id)
    return Decision.objects.select_related("case").get(pk=int(decision_id))
