"""Reads about people and teams."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from followthrough.accounts.capabilities import STAFF_ROLES
from followthrough.accounts.models import Membership, Team, User


def primary_team(user: User) -> Team | None:
    """The team a person works from: their primary membership, else their first team."""
    membership = (
        Membership.objects.filter(user=user)
        .select_related("team")
        .order_by("-is_primary", "team__tier", "team__name")
        .first()
    )
    return membership.team if membership else None


def team_ids_of(user: User) -> set[int]:
    """The teams a person belongs to (who may accept a handoff sent to a team)."""
    return set(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def workspace_team(request: HttpRequest) -> Team | None:
    """primary_team for the signed-in user, looked up once per request."""
    if not hasattr(request, "_workspace_team"):
        user = request.user
        team = primary_team(user) if isinstance(user, User) and not user.is_customer else None
        request._workspace_team = team  # type: ignore[attr-defined]
    return request._workspace_team  # type: ignore[attr-defined]


def staff_users() -> QuerySet[User]:
    """Active people a case can be given to, for pickers."""
    return User.objects.filter(is_active=True, role__in=sorted(STAFF_ROLES)).order_by(
        "first_name", "last_name", "username"
    )


def all_teams() -> QuerySet[Team]:
    return Team.objects.order_by("tier", "name")
