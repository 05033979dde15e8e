"""The accounts part of the REST API (/api/v1/): teams and staff to read, and API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from ninja import P, Query, QueryEx, Router, Status

from followthrough.accounts.access import access_team, require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.accounts.models import ApiToken, Membership, User
from followthrough.accounts.schemas import (
    IntegrationTokenIn,
    MeOut,
    PageParams,
    TeamDetailOut,
    TeamPage,
    TokenCreatedOut,
    TokenIn,
    TokenPage,
    UserPage,
    token_created,
)
from followthrough.accounts.selectors import all_teams, staff_users
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.core.errors import Forbidden, NotFound
from followthrough.core.pagination import Page, keyset_page
from followthrough.core.schemas import Problem

router = Router(tags=["accounts"])

# Every refusal is application/problem+json with a stable `code`.
PROBLEMS: dict[Any, type[Problem]] = {frozenset({401, 403, 404, 422, 429}): Problem}


def _staff(request: HttpRequest) -> User:
    """The caller, who must be staff (or an integration): customers do not read the roster."""
    actor = signed_in_user(request)
    # Staff read the roster; customers and product integrations (error reports) do not.
    if not actor.has_capability(Capability.CASE_VIEW):
        raise Forbidden("Only staff can read the list of staff and teams.")
    return actor


def _members() -> Prefetch[Any]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("user").order_by(
            "-is_primary", "user__first_name", "user__last_name", "user__username"
        ),
    )


@router.get("/teams", response={200: TeamPage, **PROBLEMS})
def list_teams(request: HttpRequest, page: Query[PageParams]) -> Page[Any]:
    _staff(request)
    return keyset_page(
        all_teams().select_related("lead"),
        field="created_at",
        cursor=page.cursor,
        limit=page.limit,
    )


@router.get("/teams/{team_id}", response={200: TeamDetailOut, **PROBLEMS})
def get_team(request: HttpRequest, team_id: int) -> Any:
    team = access_team(signed_in_user(request), team_id)
    prefetch_related_objects([team], _members())
    return team


@router.get("/users", response={200: UserPage, **PROBLEMS})
def list_users(request: HttpRequest, page: Query[PageParams], team: int | None = None) -> Page[Any]:
    """Active staff with their direct lines (what a customer is told to call)."""
    actor = _staff(request)
    users = staff_users()
    if team is not None:
        users = users.filter(memberships__team=access_team(actor, team))
    return keyset_page(users, field="date_joined", cursor=page.cursor, limit=page.limit)


@router.get("/users/me", response={200: MeOut, **PROBLEMS})
def get_me(request: HttpRequest) -> Any:
    me = signed_in_user(request)
    prefetch_related_objects(
        [me],
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("team").order_by("-is_primary", "team"),
        ),
    )
    return me


@router.get("/tokens", response={200: TokenPage, **PROBLEMS})
def list_tokens(
    request: HttpRequest,
    page: Query[PageParams],
    everyone: QueryEx[bool, P(alias="all")] = False,
) -> Page[Any]:
    """The caller's own tokens; with `all=true`, everyone's (needs api_token.manage)."""
    actor = signed_in_user(request)
    tokens = ApiToken.objects.select_related("user")
    if everyone:
        require_capability(actor, Capability.API_TOKEN_MANAGE)
    else:
        tokens = tokens.filter(user=actor)
    return keyset_page(
        tokens, field="created_at", cursor=page.cursor, limit=page.limit, descending=True
    )


@router.post("/tokens", response={201: TokenCreatedOut, **PROBLEMS})
def create_token(
    request: HttpRequest, payload: TokenIn, response: HttpResponse
) -> Status[TokenCreatedOut]:
    """A personal token. The response holds the secret this once; store it now."""
    actor = signed_in_user(request)
    holder = actor
    if payload.user_id is not None and payload.user_id != actor.pk:
        # The right first, so that nobody without it can probe which user ids exist.
        require_capability(actor, Capability.API_TOKEN_MANAGE)
        holder = _active_user(payload.user_id)
    token, text = api_token_create(
        actor=actor,
        user=holder,
        name=payload.name,
        scopes=list(payload.scopes),
        expires_at=payload.expires_at,
    )
    add_never_cache_headers(response)
    return Status(201, token_created(token, text))


@router.post("/integration-tokens", response={201: TokenCreatedOut, **PROBLEMS})
def create_integration_token(
    request: HttpRequest, payload: IntegrationTokenIn, response: HttpResponse
) -> Status[TokenCreatedOut]:
    """A token for a system, acting as a service user of its own (needs api_token.manage)."""
    token, text = integration_token_create(
        actor=signed_in_user(request),
        name=payload.name,
        scopes=list(payload.scopes),
        product=payload.product,
        expires_at=payload.expires_at,
    )
    add_never_cache_headers(response)
    return Status(201, token_created(token, text))


@router.delete("/tokens/{token_id}", response={204: None, **PROBLEMS})
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    actor = signed_in_user(request)
    api_token_revoke(actor=actor, token=_token(actor, token_id))
    return Status(204, None)


def _active_user(user_id: int) -> User:
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise NotFound("User")
    return found


def _token(actor: User, token_id: int) -> ApiToken:
    """The caller's own token, or anyone's for api_token.manage; else not found."""
    found = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if found is None or (
        found.user_id != actor.pk and not actor.has_capability(Capability.API_TOKEN_MANAGE)
    ):
        raise NotFound("Token")
    return found
