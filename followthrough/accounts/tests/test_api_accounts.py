"""Teams, staff and API tokens in the REST API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import ApiToken, Membership, TokenKind, User
from followthrough.accounts.tests.api_client import (
    API,
    api_delete,
    api_get,
    api_post,
    assert_problem,
    session_post,
    token_for,
)
from followthrough.accounts.tests.factories import TeamFactory, UserFactory
from followthrough.cases.tests.factories import in_hours
from followthrough.core.errors import CommonError


@pytest.fixture
def admin(db):
    return UserFactory.create(role=Role.ADMIN, username="admin")


def token_rows():
    """Tokens and people as stored, less the request counters every API call moves."""
    counters = {"last_used_at", "window_start", "window_count"}
    fields = [f.name for f in ApiToken._meta.concrete_fields if f.name not in counters]
    return list(ApiToken.objects.order_by("pk").values(*fields)), User.objects.count()


# --- Teams ----------------------------------------------------------------------------------


def test_list_teams_with_their_lead_and_direct_line(client, agent, tier1, tier2):
    response = api_get(client, "/teams", token_for(agent))
    assert response.status_code == 200
    items = response.json()["items"]
    assert [t["name"] for t in items] == ["Tier 1", "Tier 2"]
    assert items[0]["lead"]["name"] == "Lena Lead"
    assert items[0]["direct_line"] == tier1.direct_line
    assert items[1]["tier_label"] == "Tier 2"
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize("rows", [1, 30])
def test_list_teams_takes_the_same_queries_for_1_and_30_rows(
    client, agent, django_assert_num_queries, rows
):
    token = token_for(agent)
    for _ in range(rows):
        TeamFactory.create(lead=UserFactory.create(role=Role.LEAD))
    # token lookup, count the request (update + read), teams with their leads
    with django_assert_num_queries(4):
        response = api_get(client, "/teams", token, limit=200)
    # and the team of the caller's own (Tier 1)
    assert len(response.json()["items"]) == rows + 1


def test_get_team_lists_active_members_and_the_lead(client, agent, agent2, tier1):
    agent2.is_active = False
    agent2.save()
    response = api_get(client, f"/teams/{tier1.pk}", token_for(agent))
    assert response.status_code == 200
    body = response.json()
    assert body["lead"] == {
        "id": tier1.lead_id,
        "name": "Lena Lead",
        "direct_line": tier1.lead.direct_line,
    }
    members = {m["name"]: m for m in body["members"]}
    assert set(members) == {"Adam Agent", "Lena Lead"}
    assert members["Adam Agent"]["is_primary"] is True
    assert members["Adam Agent"]["direct_line"] == agent.direct_line


@pytest.mark.parametrize("rows", [1, 30])
def test_get_team_takes_the_same_queries_for_1_and_30_members(
    client, agent, tier1, django_assert_num_queries, rows
):
    token = token_for(agent)
    for _ in range(rows):
        Membership.objects.create(user=UserFactory.create(), team=tier1)
    # token (3), the team with its lead, its members with their users
    with django_assert_num_queries(5):
        response = api_get(client, f"/teams/{tier1.pk}", token)
    assert len(response.json()["members"]) == rows + 2


def test_customers_do_not_read_teams(client, customer_user, tier1):
    client.force_login(customer_user)
    assert_problem(client.get(f"{API}/teams"), 403, CommonError.FORBIDDEN)
    assert_problem(client.get(f"{API}/teams/{tier1.pk}"), 404, CommonError.NOT_FOUND)


def test_missing_team_is_404(client, agent):
    assert_problem(api_get(client, "/teams/999999", token_for(agent)), 404, "not_found")


# --- Users ----------------------------------------------------------------------------------


def test_list_users_shows_active_staff_with_direct_lines_and_no_customers(
    client, agent, agent2, customer_user
):
    agent2.is_active = False
    agent2.save()
    response = api_get(client, "/users", token_for(agent))
    assert response.status_code == 200
    items = response.json()["items"]
    names = {u["name"] for u in items}
    assert "Adam Agent" in names
    assert "Bea Second" not in names
    assert customer_user.email not in str(response.content)
    assert all(u["role"] != "customer" for u in items)
    adam = next(u for u in items if u["id"] == agent.pk)
    assert adam["direct_line"] == agent.direct_line


def test_list_users_of_one_team(client, agent, tier1, tier2_agent):
    response = api_get(client, "/users", token_for(agent), team=tier1.pk)
    ids = {u["id"] for u in response.json()["items"]}
    assert ids == {agent.pk, tier1.lead_id}


@pytest.mark.parametrize("rows", [1, 30])
def test_list_users_takes_the_same_queries_for_1_and_30_rows(
    client, agent, django_assert_num_queries, rows
):
    token = token_for(agent)
    UserFactory.create_batch(rows)
    with django_assert_num_queries(4):
        response = api_get(client, "/users", token, limit=200)
    # the agent, the lead of their team, and the new people
    assert len(response.json()["items"]) == rows + 2


def test_customers_do_not_read_the_staff_list(client, customer_user):
    client.force_login(customer_user)
    assert_problem(client.get(f"{API}/users"), 403, CommonError.FORBIDDEN)


def test_me_shows_the_capabilities_of_the_token_not_the_role(client, agent, tier1):
    token = token_for(agent, [Capability.CASE_VIEW, Capability.CUSTOMER_VIEW])
    response = api_get(client, "/users/me", token)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == agent.pk
    assert body["capabilities"] == ["case.view", "customer.view"]
    assert body["teams"] == [{"id": tier1.pk, "name": "Tier 1", "is_primary": True}]


def test_me_signed_in_shows_every_capability_of_the_role(client, agent):
    client.force_login(agent)
    body = client.get(f"{API}/users/me").json()
    assert set(body["capabilities"]) == set(agent.capabilities)


# --- Tokens ---------------------------------------------------------------------------------


def test_list_tokens_shows_only_the_callers_own_and_never_a_secret(client, agent, agent2):
    mine = token_for(agent)
    token_for(agent2)
    response = api_get(client, "/tokens", mine)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [t["user"]["id"] for t in items] == [agent.pk]
    assert "token" not in items[0]
    assert "secret_hash" not in items[0]
    assert mine.split("_", 2)[2] not in str(response.content)


def test_admin_lists_everyones_tokens(client, admin, agent, agent2):
    token_for(agent)
    token_for(agent2)
    response = api_get(client, "/tokens", token_for(admin), all="true")
    assert {t["user"]["id"] for t in response.json()["items"]} == {admin.pk, agent.pk, agent2.pk}


def test_agent_cannot_list_everyones_tokens(client, agent):
    response = api_get(client, "/tokens", token_for(agent), all="true")
    assert_problem(response, 403, CommonError.FORBIDDEN)


def test_create_token_answers_201_with_the_secret_once(client, agent):
    client.force_login(agent)
    expires = in_hours(48)
    response = session_post(
        client,
        "/tokens",
        {"name": "CRM sync", "scopes": ["case.view"], "expires_at": expires.isoformat()},
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert (token.name, token.user, token.scopes, token.kind) == (
        "CRM sync",
        agent,
        ["case.view"],
        TokenKind.PERSONAL,
    )
    assert token.expires_at == expires
    assert body["token"].startswith(f"ft_{token.prefix}_")
    assert body["token"].split("_", 2)[2] not in token.secret_hash
    # The new token works, within its scope.
    me = api_get(client, "/users/me", body["token"]).json()
    assert me["capabilities"] == ["case.view"]
    # And its secret is never given out again.
    assert body["token"] not in str(client.get("/api/v1/tokens").content)


@pytest.mark.parametrize("scopes", [["case.view"], ["case.view", "customer.edit"]])
def test_a_token_cannot_make_tokens(client, agent, scopes):
    # Otherwise an expiring or revoked token could leave a permanent child behind.
    caller = token_for(agent, [Capability.CASE_VIEW])
    before = token_rows()
    response = api_post(client, "/tokens", caller, {"name": "child", "scopes": scopes})
    assert_problem(response, 403, CommonError.FORBIDDEN)
    assert token_rows() == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": ["case.view"], "colour": "blue"},  # unknown field
        {"name": "x", "scopes": ["no.such.scope"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": "case.view"},  # a string where a list belongs
        {"name": "", "scopes": ["case.view"]},
        {"name": "x" * 101, "scopes": ["case.view"]},
        {"name": "x", "scopes": ["api_token.manage"]},  # more than an agent has
        {"name": "x", "scopes": ["case.view"], "expires_at": "2001-01-01T00:00:00Z"},
    ],
)
def test_create_token_refuses_bad_input_and_creates_nothing(client, agent, body):
    client.force_login(agent)
    before = token_rows()
    response = session_post(client, "/tokens", body)
    assert_problem(response, 422, CommonError.INVALID)
    assert token_rows() == before


def test_admin_creates_a_personal_token_for_someone_else(client, admin, agent):
    response = api_post(
        client,
        "/tokens",
        token_for(admin),
        {"name": "for Adam", "scopes": ["case.view"], "user_id": agent.pk},
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert (token.user, token.created_by) == (agent, admin)


def test_agent_cannot_create_a_token_for_someone_else(client, agent, agent2):
    caller = token_for(agent)
    before = token_rows()
    response = api_post(
        client, "/tokens", caller, {"name": "x", "scopes": ["case.view"], "user_id": agent2.pk}
    )
    assert_problem(response, 403, CommonError.FORBIDDEN)
    assert token_rows() == before


def test_revoke_own_token_answers_204_and_the_token_stops_working(client, agent):
    doomed = token_for(agent)
    token = ApiToken.objects.get(prefix=doomed.split("_")[1])
    response = api_delete(client, f"/tokens/{token.pk}", token_for(agent))
    assert response.status_code == 204
    assert response.content == b""
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_problem(api_get(client, "/users/me", doomed), 401, "unauthenticated")


def test_revoking_someone_elses_token_is_404_and_changes_nothing(client, agent, agent2):
    theirs = token_for(agent2)
    token = ApiToken.objects.get(prefix=theirs.split("_")[1])
    caller = token_for(agent)
    before = token_rows()
    response = api_delete(client, f"/tokens/{token.pk}", caller)
    missing = api_delete(client, "/tokens/999999", caller)
    assert_problem(response, 404, CommonError.NOT_FOUND)
    assert response.json() == missing.json()
    assert token_rows() == before


def test_admin_revokes_anyones_token(client, admin, agent):
    theirs = token_for(agent)
    token = ApiToken.objects.get(prefix=theirs.split("_")[1])
    response = api_delete(client, f"/tokens/{token.pk}", token_for(admin))
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_creates_an_integration_token(client, admin):
    response = api_post(
        client,
        "/integration-tokens",
        token_for(admin),
        {"name": "Desk app", "product": "DeskApp", "scopes": ["error_report.submit"]},
    )
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert (token.kind, token.product, token.scopes) == (
        TokenKind.INTEGRATION,
        "DeskApp",
        ["error_report.submit"],
    )
    assert token.user.role == Role.INTEGRATION
    assert token.created_by == admin
    assert body["token"].startswith("ft_")
    assert body["user"]["name"] == "Desk app"


def test_agent_cannot_create_an_integration_token(client, agent):
    caller = token_for(agent)
    before = token_rows()
    response = api_post(
        client,
        "/integration-tokens",
        caller,
        {"name": "Desk app", "product": "DeskApp", "scopes": ["error_report.submit"]},
    )
    assert_problem(response, 403, CommonError.FORBIDDEN)
    assert token_rows() == before


def test_integration_token_for_error_reports_needs_a_product(client, admin):
    caller = token_for(admin)
    before = token_rows()
    response = api_post(
        client, "/integration-tokens", caller, {"name": "Desk", "scopes": ["error_report.submit"]}
    )
    assert assert_problem(response, 422, CommonError.INVALID)["field"] == "product"
    assert token_rows() == before


def test_tokens_list_pages_newest_first(client, agent):
    caller = token_for(agent)
    for n in range(3):
        ApiToken.objects.filter(prefix=token_for(agent).split("_")[1]).update(
            created_at=timezone.now() + dt.timedelta(minutes=n + 1)
        )
    first = api_get(client, "/tokens", caller, limit=2).json()
    second = api_get(client, "/tokens", caller, limit=2, cursor=first["next_cursor"]).json()
    stamps = [t["created_at"] for t in first["items"] + second["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert len(stamps) == 4
    assert second["next_cursor"] is None
