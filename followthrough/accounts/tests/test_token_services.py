"""The API token services: making personal and integration tokens, and revoking them —
each success, and each refusal leaving nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import ApiToken, TokenKind, User
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.accounts.tests.factories import UserFactory
from followthrough.accounts.tokens import hash_secret, split_token
from followthrough.cases.tests.factories import in_hours
from followthrough.core.errors import CommonError, ServiceError


@pytest.fixture
def admin(db):
    return UserFactory.create(role=Role.ADMIN, username="admin")


def token_state():
    """Every token and every person, as stored."""
    return list(ApiToken.objects.order_by("pk").values()), list(User.objects.values("pk"))


# --- api_token_create -----------------------------------------------------------------------


def test_create_personal_token_stores_only_a_hash(agent):
    expires = in_hours(24)
    token, text = api_token_create(
        actor=agent,
        user=agent,
        name="  Monitoring  ",
        scopes=["case.view", "customer.view", "case.view"],
        expires_at=expires,
    )
    parts = split_token(text)
    assert parts is not None
    prefix, secret = parts
    token.refresh_from_db()
    assert (token.user, token.created_by, token.kind) == (agent, agent, TokenKind.PERSONAL)
    assert token.name == "Monitoring"
    assert token.scopes == ["case.view", "customer.view"]
    assert token.prefix == prefix
    assert token.secret_hash == hash_secret(secret)
    assert secret not in token.secret_hash
    assert token.expires_at == expires
    assert (token.revoked_at, token.last_used_at) == (None, None)
    assert token.scope_set == {Capability.CASE_VIEW, Capability.CUSTOMER_VIEW}


def test_two_tokens_never_share_a_prefix_or_secret(agent):
    first = api_token_create(actor=agent, user=agent, name="a", scopes=["case.view"])
    second = api_token_create(actor=agent, user=agent, name="b", scopes=["case.view"])
    assert first[0].prefix != second[0].prefix
    assert first[1] != second[1]


def test_admin_creates_a_token_for_someone_else(admin, agent):
    token, _ = api_token_create(actor=admin, user=agent, name="for Adam", scopes=["case.work"])
    assert (token.user, token.created_by) == (agent, admin)


def test_create_token_refused_for_someone_else_without_api_token_manage(agent, agent2):
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_create(actor=agent, user=agent2, name="x", scopes=["case.view"])
    assert exc.value.code == CommonError.FORBIDDEN
    assert token_state() == before


def test_create_token_refused_for_a_customer(admin, customer_user):
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_create(actor=admin, user=customer_user, name="x", scopes=["portal"])
    assert exc.value.code == CommonError.FORBIDDEN
    assert token_state() == before


def test_create_token_refused_for_an_inactive_person(admin, agent):
    agent.is_active = False
    agent.save()
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_create(actor=admin, user=agent, name="x", scopes=["case.view"])
    assert exc.value.code == CommonError.INVALID
    assert token_state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   ", "scopes": ["case.view"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["case.view", "case.fly"]}, "scopes"),
        # More than an agent's role has: nobody grants what they do not hold.
        ({"name": "x", "scopes": ["case.merge"]}, "scopes"),
        ({"name": "x", "scopes": ["portal"]}, "scopes"),
        ({"name": "x", "scopes": ["case.view"], "expires_at": "past"}, "expires_at"),
    ],
)
def test_create_token_refuses_bad_input(agent, fields, field):
    if fields.get("expires_at") == "past":
        fields["expires_at"] = timezone.now() - dt.timedelta(minutes=1)
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_create(actor=agent, user=agent, **fields)
    assert exc.value.code == CommonError.INVALID
    assert exc.value.details["field"] == field
    assert token_state() == before


@pytest.mark.parametrize("scopes", [["case.view"], ["case.view", "case.work"]])
def test_a_token_cannot_make_tokens(agent, scopes):
    # Otherwise an expiring or revoked token could leave a permanent child behind.
    agent.token_scopes = frozenset({Capability.CASE_VIEW, Capability.CASE_WORK})
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_create(actor=agent, user=agent, name="child", scopes=scopes)
    assert exc.value.code == CommonError.FORBIDDEN
    assert token_state() == before


def test_a_token_that_manages_tokens_cannot_grant_beyond_its_scopes(admin):
    admin.token_scopes = frozenset({Capability.API_TOKEN_MANAGE, Capability.CASE_VIEW})
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_create(actor=admin, user=admin, name="x", scopes=["case.view", "case.work"])
    assert exc.value.code == CommonError.FORBIDDEN
    assert exc.value.details["capability"] == "case.work"
    assert token_state() == before
    token, _ = api_token_create(actor=admin, user=admin, name="narrower", scopes=["case.view"])
    assert token.scopes == ["case.view"]


# --- integration_token_create ---------------------------------------------------------------


def test_create_integration_token_makes_a_service_user(admin):
    token, text = integration_token_create(
        actor=admin, name="Desk App", scopes=["error_report.submit"], product="DeskApp"
    )
    token.refresh_from_db()
    assert split_token(text) is not None
    assert (token.kind, token.product, token.scopes) == (
        TokenKind.INTEGRATION,
        "DeskApp",
        ["error_report.submit"],
    )
    assert token.created_by == admin
    service = token.user
    assert (service.role, service.username, service.first_name) == (
        Role.INTEGRATION,
        "integration-desk-app",
        "Desk App",
    )
    assert not service.has_usable_password()


def test_integration_names_that_clash_get_their_own_service_users(admin):
    first, _ = integration_token_create(actor=admin, name="CRM", scopes=["case.view"])
    second, _ = integration_token_create(actor=admin, name="CRM", scopes=["case.view"])
    assert first.user.username == "integration-crm"
    assert second.user.username == "integration-crm-2"


def test_create_integration_token_refused_without_api_token_manage(tier1_lead):
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        integration_token_create(actor=tier1_lead, name="CRM", scopes=["case.view"])
    assert exc.value.code == CommonError.FORBIDDEN
    assert token_state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  ", "scopes": ["case.view"]}, "name"),
        ({"name": "App", "scopes": ["error_report.submit"]}, "product"),
        ({"name": "App", "scopes": ["error_report.submit"], "product": "   "}, "product"),
        ({"name": "App", "scopes": []}, "scopes"),
        ({"name": "App", "scopes": ["no.such"]}, "scopes"),
        # An integration never manages tokens or teams, nor uses the portal.
        ({"name": "App", "scopes": ["api_token.manage"]}, "scopes"),
        ({"name": "App", "scopes": ["portal"]}, "scopes"),
        ({"name": "App", "scopes": ["case.view"], "expires_at": "past"}, "expires_at"),
    ],
)
def test_create_integration_token_refuses_bad_input_and_leaves_no_service_user(
    admin, fields, field
):
    if fields.get("expires_at") == "past":
        fields["expires_at"] = timezone.now() - dt.timedelta(seconds=1)
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        integration_token_create(actor=admin, **fields)
    assert exc.value.code == CommonError.INVALID
    assert exc.value.details["field"] == field
    assert token_state() == before


def test_a_token_scoped_admin_cannot_give_an_integration_more_than_it_has(admin):
    admin.token_scopes = frozenset({Capability.API_TOKEN_MANAGE})
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        integration_token_create(actor=admin, name="CRM", scopes=["case.view"])
    assert exc.value.code == CommonError.FORBIDDEN
    assert token_state() == before
    # error_report.submit is held by no person, so it may still be given.
    token, _ = integration_token_create(
        actor=admin, name="App", scopes=["error_report.submit"], product="DeskApp"
    )
    assert token.scopes == ["error_report.submit"]


# --- api_token_revoke -----------------------------------------------------------------------


def test_revoke_own_token(agent):
    token, _ = api_token_create(actor=agent, user=agent, name="x", scopes=["case.view"])
    api_token_revoke(actor=agent, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_at <= timezone.now()


def test_revoking_twice_keeps_the_first_time(agent):
    token, _ = api_token_create(actor=agent, user=agent, name="x", scopes=["case.view"])
    api_token_revoke(actor=agent, token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    api_token_revoke(actor=agent, token=ApiToken.objects.get(pk=token.pk))
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_admin_revokes_someone_elses_token(admin, agent):
    token, _ = api_token_create(actor=agent, user=agent, name="x", scopes=["case.view"])
    api_token_revoke(actor=admin, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_revoke_refused_for_someone_elses_token_without_api_token_manage(agent, agent2):
    token, _ = api_token_create(actor=agent2, user=agent2, name="x", scopes=["case.view"])
    before = token_state()
    with pytest.raises(ServiceError) as exc:
        api_token_revoke(actor=agent, token=token)
    assert exc.value.code == CommonError.FORBIDDEN
    assert token_state() == before
