"""Writes for people and teams."""

from __future__ import annotations

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import Membership, Team, TierLevel, User
from followthrough.core.errors import Invalid
from followthrough.core.timezones import is_time_zone


def user_create(
    *,
    username: str,
    password: str | None,
    role: Role = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    direct_line: str = "",
    time_zone: str = "UTC",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    if role not in Role.values:
        raise Invalid(f"{role!r} is not a role.", field="role")
    if not is_time_zone(time_zone):
        raise Invalid(f"{time_zone!r} is not a time zone.", field="time_zone")
    if not username.strip():
        raise Invalid("A username is required.", field="username")
    if User.objects.filter(username=username).exists():
        raise Invalid(f"The username {username!r} is taken.", field="username")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        direct_line=direct_line,
        time_zone=time_zone,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def team_create(
    *,
    actor: User | None,
    name: str,
    tier: TierLevel = TierLevel.TIER_1,
    lead: User | None = None,
    direct_line: str = "",
    email: str = "",
) -> Team:
    """Create a team. `actor` None is the system (set-up and demo data)."""
    if actor is not None:
        require_capability(actor, Capability.TEAM_MANAGE)
    if not name.strip():
        raise Invalid("A team needs a name.", field="name")
    if Team.objects.filter(name=name).exists():
        raise Invalid(f"A team called {name!r} exists already.", field="name")
    with transaction.atomic():
        team = Team.objects.create(
            name=name, tier=tier, lead=lead, direct_line=direct_line, email=email
        )
        if lead is not None:
            Membership.objects.get_or_create(user=lead, team=team)
    return team


def team_add_member(
    *, actor: User | None, team: Team, user: User, primary: bool = False
) -> Membership:
    if actor is not None:
        require_capability(actor, Capability.TEAM_MANAGE)
    if user.is_customer:
        raise Invalid("Customers cannot join a team.", field="user")
    with transaction.atomic():
        if primary:
            Membership.objects.filter(user=user, is_primary=True).exclude(team=team).update(
                is_primary=False
            )
        membership, created = Membership.objects.get_or_create(
            user=user, team=team, defaults={"is_primary": primary}
        )
        if not created and membership.is_primary != primary and primary:
            membership.is_primary = True
            membership.save(update_fields=["is_primary", "updated_at"])
    return membership
