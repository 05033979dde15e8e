"""Writes for people and teams."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import ROLE_CAPABILITIES, Capability, Role
from followthrough.accounts.models import ApiToken, Membership, Team, TierLevel, TokenKind, User
from followthrough.accounts.tokens import new_token
from followthrough.core.errors import Forbidden, Invalid
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


def user_set_away(*, actor: User, user: User, away: bool) -> User:
    """Mark someone away or back. People set their own; leads set anyone's on their floor."""
    if user.pk != actor.pk:
        require_capability(actor, Capability.TEAM_MANAGE)
    if user.is_customer:
        raise Invalid("Customers have no away status.", field="user")
    if user.is_away != away:
        user.is_away = away
        user.save(update_fields=["is_away"])
    return user


def _clean_scopes(scopes: list[str], user: User) -> list[str]:
    unknown = [s for s in scopes if s not in Capability.values]
    if unknown:
        raise Invalid(f"Unknown scopes: {', '.join(sorted(unknown))}.", field="scopes")
    beyond = [s for s in scopes if Capability(s) not in ROLE_CAPABILITIES[Role(user.role)]]
    if beyond:
        raise Invalid(
            f"{user.display_name} cannot grant what they do not have: {', '.join(sorted(beyond))}.",
            field="scopes",
        )
    if not scopes:
        raise Invalid("A token needs at least one scope.", field="scopes")
    return sorted(set(scopes))


def _check_expiry(expires_at: dt.datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid("The expiry must be in the future.", field="expires_at")


def _require_grantable(
    actor: User, scopes: list[str], *, exempt: frozenset[Capability] = frozenset()
) -> None:
    """Signed in with a token, the actor has only its scopes: it cannot grant wider ones."""
    ungranted = [s for s in scopes if s not in exempt and Capability(s) not in actor.capabilities]
    if ungranted:
        raise Forbidden(
            f"{actor.display_name} may not grant what this sign-in lacks: {', '.join(ungranted)}.",
            capability=ungranted[0],
        )


def _issue(
    *,
    actor: User,
    user: User,
    kind: TokenKind,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None,
    product: str = "",
) -> tuple[ApiToken, str]:
    text, prefix, secret_hash = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        kind=kind,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=scopes,
        product=product,
        expires_at=expires_at,
        created_by=actor,
    )
    return token, text


def api_token_create(
    *,
    actor: User,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A personal token acting as `user` within `scopes`. Returns the token and, once only,
    the secret string to give to its holder."""
    if actor.pk != user.pk:
        require_capability(actor, Capability.API_TOKEN_MANAGE)
    if actor.token_scopes is not None and Capability.API_TOKEN_MANAGE not in actor.token_scopes:
        # A token cannot make tokens: otherwise an expiring or revoked token could leave a
        # permanent child behind.
        raise Forbidden("New tokens are made on the API tokens page, not with another token.")
    if user.is_customer or user.role == Role.INTEGRATION:
        raise Forbidden("Only staff hold personal API tokens.")
    if not user.is_active:
        raise Invalid("Only active staff can hold API tokens.", field="user")
    clean_name = (name or "").strip()[:100]
    if not clean_name:
        raise Invalid("A token needs a name that says what it is for.", field="name")
    clean = _clean_scopes(list(scopes), user)
    _require_grantable(actor, clean)
    _check_expiry(expires_at)
    return _issue(
        actor=actor,
        user=user,
        kind=TokenKind.PERSONAL,
        name=clean_name,
        scopes=clean,
        expires_at=expires_at,
    )


def integration_token_create(
    *,
    actor: User,
    name: str,
    scopes: list[str],
    product: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A token for a system (a product's error reports, monitoring, a CRM), with a service
    user of its own so that everything it does is recorded under its name."""
    require_capability(actor, Capability.API_TOKEN_MANAGE)
    clean_name = (name or "").strip()[:100]
    if not clean_name:
        raise Invalid("An integration needs a name.", field="name")
    clean_product = (product or "").strip()[:100]
    if Capability.ERROR_REPORT_SUBMIT in scopes and not clean_product:
        raise Invalid("A token for error reports names its product.", field="product")
    _check_expiry(expires_at)
    with transaction.atomic():
        base = "integration-" + "".join(c if c.isalnum() else "-" for c in clean_name.lower())
        username = base[:140]
        n = 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base[:135]}-{n}"
        service_user = user_create(
            username=username, password=None, role=Role.INTEGRATION, first_name=clean_name
        )
        clean = _clean_scopes(list(scopes), service_user)
        # No person holds error_report.submit; anything else the actor must have to give.
        _require_grantable(actor, clean, exempt=frozenset({Capability.ERROR_REPORT_SUBMIT}))
        return _issue(
            actor=actor,
            user=service_user,
            kind=TokenKind.INTEGRATION,
            name=clean_name,
            scopes=clean,
            product=clean_product,
            expires_at=expires_at,
        )


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id:
        require_capability(actor, Capability.API_TOKEN_MANAGE)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token
