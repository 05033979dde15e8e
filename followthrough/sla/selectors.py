"""Which SLA policy a case falls under, and its targets."""

from __future__ import annotations

from dataclasses import dataclass

from followthrough.sla.models import SlaPolicy, SlaTarget


@dataclass(frozen=True)
class CaseFacts:
    """What policy rules look at, taken from a case by the caller (cases sit above sla)."""

    priority: str
    team_id: int | None
    organization_id: int | None
    plan_tier: str
    category: str


def _matches(policy: SlaPolicy, facts: CaseFacts) -> bool:
    return (
        (not policy.match_priority or policy.match_priority == facts.priority)
        and (policy.match_team_id is None or policy.match_team_id == facts.team_id)
        and (
            policy.match_organization_id is None
            or policy.match_organization_id == facts.organization_id
        )
        and (not policy.match_plan_tier or policy.match_plan_tier == facts.plan_tier)
        and (
            not policy.match_category
            or policy.match_category.strip().casefold() == facts.category.strip().casefold()
        )
    )


def active_policies() -> list[SlaPolicy]:
    """Active policies in the order they are tried, the default last, with targets (2 queries)."""
    return list(
        SlaPolicy.objects.filter(active=True)
        .select_related("calendar", "match_team", "match_organization")
        .prefetch_related("targets")
        .order_by("is_default", "position", "name")
    )


def policy_for(facts: CaseFacts, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The first active policy whose rules all hold, else the default (None if there is none)."""
    for policy in active_policies() if policies is None else policies:
        if _matches(policy, facts):
            return policy
    return None


def target_for(policy: SlaPolicy, priority: str) -> SlaTarget | None:
    """The policy's targets for a priority (from the prefetched rows)."""
    for target in policy.targets.all():
        if target.priority == priority:
            return target
    return None


def policies_by_plan_tier() -> list[SlaPolicy]:
    """Active policies that single out a plan tier: tiers treated differently on purpose."""
    return list(
        SlaPolicy.objects.filter(active=True)
        .exclude(match_plan_tier="")
        .prefetch_related("targets")
        .order_by("position", "name")
    )
