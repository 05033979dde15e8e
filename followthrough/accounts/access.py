"""Capability checks: the one place that turns a missing capability into a refusal."""

from __future__ import annotations

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Team, User
from followthrough.core.errors import Forbidden, NotFound


def require_capability(actor: User, capability: Capability) -> None:
    if not actor.has_capability(capability):
        raise Forbidden(
            f"{actor.display_name} may not {Capability(capability).label.lower()}.",
            capability=str(capability),
        )


def access_team(actor: User, team_id: int) -> Team:
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Team")
    try:
        return Team.objects.select_related("lead").get(pk=team_id)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise NotFound("Team") from None


def access_user(actor: User, user_id: int) -> User:
    """A person the actor may name (as owner, receiver, approver): staff see staff."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("User")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User")
    return user
