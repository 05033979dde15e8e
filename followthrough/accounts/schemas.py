"""API schemas for people, teams and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AliasChoices, ConfigDict, StringConstraints

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import ApiToken, Membership, Team, TierLevel, TokenKind, User
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT

MAX_SCOPES = len(Capability)


class PageParams(Schema):
    """?cursor=…&limit=… on every list: keyset pagination, at most 200 rows a page."""

    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Input(Schema):
    # An unknown field is a mistake the caller wants to hear about, not something to drop.
    model_config = ConfigDict(extra="forbid")


# --- People and teams -----------------------------------------------------------------------


# A person's name as shown everywhere: read from User.display_name (or from `name`, so that
# an already-built schema validates again unchanged).
DisplayName = Annotated[str, Field(validation_alias=AliasChoices("display_name", "name"))]


class PersonRef(Schema):
    id: int
    name: DisplayName
    direct_line: str


class UserOut(Schema):
    """A member of staff: who to reach, and how."""

    id: int
    username: str
    name: DisplayName
    role: Role
    email: str
    direct_line: str
    time_zone: str


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class MyTeamOut(Schema):
    id: int
    name: str
    is_primary: bool

    @staticmethod
    def resolve_id(obj: Membership) -> int:
        return obj.team_id

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.team.name


class MeOut(Schema):
    """The caller, and what they may do with the credentials they used (a token's scopes)."""

    id: int
    username: str
    name: DisplayName
    role: Role
    email: str
    direct_line: str
    time_zone: str
    capabilities: list[Capability]
    teams: list[MyTeamOut]

    @staticmethod
    def resolve_capabilities(obj: User) -> list[str]:
        return sorted(obj.capabilities)

    @staticmethod
    def resolve_teams(obj: User) -> list[Membership]:
        return list(obj.memberships.all())


class TeamOut(Schema):
    id: int
    name: str
    tier: TierLevel
    tier_label: str
    direct_line: str
    email: str
    lead: PersonRef | None
    created_at: dt.datetime

    @staticmethod
    def resolve_tier_label(obj: Team) -> str:
        return obj.get_tier_display()


class MemberOut(Schema):
    id: int
    name: str
    role: Role
    direct_line: str
    is_primary: bool

    @staticmethod
    def resolve_id(obj: Membership) -> int:
        return obj.user_id

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.display_name

    @staticmethod
    def resolve_role(obj: Membership) -> str:
        return obj.user.role

    @staticmethod
    def resolve_direct_line(obj: Membership) -> str:
        return obj.user.direct_line


class TeamDetailOut(TeamOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj: Team) -> list[Membership]:
        # Active staff only; the lead is listed like anyone else (and in `lead`).
        return [m for m in obj.memberships.all() if m.user.is_active]


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


# --- API tokens -----------------------------------------------------------------------------

TokenName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Scopes = Annotated[list[Capability], Field(min_length=1, max_length=MAX_SCOPES)]


class TokenIn(Input):
    name: TokenName
    scopes: Scopes
    expires_at: dt.datetime | None = None
    # Someone else's personal token: needs api_token.manage. Omitted: the caller's own.
    user_id: int | None = None


class IntegrationTokenIn(Input):
    name: TokenName
    scopes: Scopes
    product: Annotated[str, StringConstraints(max_length=100)] = ""
    expires_at: dt.datetime | None = None


class TokenOut(Schema):
    """A token as it is stored: never its secret."""

    id: int
    name: str
    kind: TokenKind
    prefix: str
    user: PersonRef
    scopes: list[str]
    product: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    """The new token, with its secret: shown this once, then only its hash is kept."""

    token: str


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


def token_created(token: ApiToken, text: str) -> TokenCreatedOut:
    """The body of a 201 for a new token: the stored fields plus the secret, this once."""
    return TokenCreatedOut.model_validate({**TokenOut.from_orm(token).model_dump(), "token": text})
