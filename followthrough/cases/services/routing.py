"""Sticky ownership: where a returning customer's new contact on an open case goes."""

from __future__ import annotations

from typing import Any

from followthrough.accounts.selectors import primary_team
from followthrough.cases.models import Case
from followthrough.cases.services._common import team_ref, who


def route_customer_contact(case: Case) -> dict[str, Any] | None:
    """Keep the case with its owner; when the owner is away or has left, give it back to the
    team queue so the customer is not waiting on someone who is not there.

    Changes the case in memory and returns the ROUTED event's fields (the caller records it
    after save_case), or None when the owner keeps it.
    """
    owner = case.owner
    if owner is None or not case.is_open or (owner.is_active and not owner.is_away):
        return None
    team = case.team or primary_team(owner)
    if team is None:
        # Nobody else to give it to: it stays with the owner (a case is never nobody's).
        return None
    before = {"owner": who(owner), "team": team_ref(case.team)}
    case.owner = None
    case.team = team
    why = "has left" if not owner.is_active else "is away"
    return {
        "before": before,
        "after": {"owner": None, "team": team_ref(team)},
        "reason": f"{owner.display_name} {why}: the customer's new contact goes to {team}'s queue.",
    }
