"""The only way pages and the API get a case or a record on one: fetch and authorise together.

A missing object and a forbidden one raise the same NotFound (DESIGN.md §2, invariant 8).
"""

from __future__ import annotations

from django.db.models import QuerySet

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.models import Case, CaseArticle, Commitment, Decision, Handoff, Referral
from followthrough.core.errors import NotFound
from followthrough.customers.access import actor_organization_id
from followthrough.knowledge.access import visible_articles


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


def access_referral(actor: User, referral_id: int | str) -> Referral:
    """A referral, through its case. Referrals are staff records: a portal customer gets the
    same NotFound as for one that does not exist."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Referral")
    try:
        pk = int(referral_id)
        if not 0 < pk < 2**63:
            raise ValueError(pk)
        case_id = Referral.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    except (TypeError, ValueError):
        case_id = None
    if case_id is None:
        raise NotFound("Referral")
    try:
        access_case(actor, case_id)
    except NotFound:
        raise NotFound("Referral") from None
    return Referral.objects.select_related("case", "vendor", "commitment").get(pk=pk)


def access_solution(actor: User, solution_id: int | str) -> CaseArticle:
    """A 'this solved it' link, through its case; missing and forbidden are the same 404."""
    try:
        pk = int(solution_id)
    except (TypeError, ValueError):
        raise NotFound("Solution") from None
    case_id = CaseArticle.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("Solution")
    try:
        case = access_case(actor, case_id)
    except NotFound:
        raise NotFound("Solution") from None
    solution = (
        CaseArticle.objects.select_related("article", "row", "linked_by")
        .filter(pk=pk, article__in=visible_articles(actor).values("pk"))
        .first()
    )
    if solution is None:
        raise NotFound("Solution")
    solution.case = case
    return solution
