"""API tokens end to end: which tokens open the API (and which get a 401 problem), how scopes
limit what a token may do, and the per-token rate limit."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import ApiToken
from followthrough.accounts.services import api_token_revoke
from followthrough.accounts.tests.api_client import (
    API,
    api_get,
    api_post,
    assert_problem,
    bearer,
    token_for,
)
from followthrough.core.errors import CommonError
from followthrough.customers.models import Organization


def stored(text: str) -> ApiToken:
    return ApiToken.objects.get(prefix=text.split("_")[1])


def assert_unauthenticated(response):
    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="followthrough"'


def test_a_valid_token_reads_the_api_and_is_counted(client, agent, tier1):
    text = token_for(agent)
    response = api_get(client, "/teams", text)
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["items"]] == [tier1.pk]
    token = stored(text)
    assert token.last_used_at is not None
    assert token.window_count == 1


def test_no_token_and_no_session_is_401(client, db):
    assert_unauthenticated(client.get(f"{API}/teams"))


def test_a_wrong_secret_is_401(client, agent):
    text = token_for(agent)
    prefix = text.split("_")[1]
    assert_unauthenticated(api_get(client, "/teams", f"ft_{prefix}_not-the-secret"))
    assert stored(text).last_used_at is None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Bearer ft_short_secret",
        "Bearer ft_0123456789ab_",
        "Bearer ft_" + "a" * 300,
        "Basic dXNlcjpwYXNz",
        "Bearer ft_0123456789ab_secret extra",
    ],
)
def test_a_malformed_authorization_header_is_401(client, db, header):
    assert_unauthenticated(client.get(f"{API}/teams", headers={"Authorization": header}))


def test_a_revoked_token_is_401(client, agent):
    text = token_for(agent)
    api_token_revoke(actor=agent, token=stored(text))
    assert_unauthenticated(api_get(client, "/teams", text))


def test_an_expired_token_is_401(client, agent):
    text = token_for(agent, expires_at=timezone.now() + dt.timedelta(minutes=5))
    ApiToken.objects.filter(pk=stored(text).pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert_unauthenticated(api_get(client, "/teams", text))


def test_a_token_of_a_deactivated_person_is_401(client, agent):
    text = token_for(agent)
    agent.is_active = False
    agent.save()
    assert_unauthenticated(api_get(client, "/teams", text))


def test_a_token_cannot_borrow_the_browser_session_of_someone_else(client, agent, tier1_lead):
    # A bad token with a valid session still acts as the session's user, never the token's.
    text = token_for(agent)
    client.force_login(tier1_lead)
    me = client.get(f"{API}/users/me", headers=bearer(text + "x")).json()
    assert me["id"] == tier1_lead.pk


def test_scopes_limit_what_a_token_may_do(client, agent):
    read_only = token_for(agent, [Capability.CASE_VIEW, Capability.CUSTOMER_VIEW])
    assert api_get(client, "/customers/organizations", read_only).status_code == 200
    response = api_post(client, "/customers/organizations", read_only, {"name": "Globex"})
    body = assert_problem(response, 403, CommonError.FORBIDDEN)
    assert body["capability"] == Capability.CUSTOMER_EDIT
    assert not Organization.objects.exists()
    # The same person with a token that carries customer.edit may.
    writer = token_for(agent, [Capability.CUSTOMER_EDIT])
    created = api_post(client, "/customers/organizations", writer, {"name": "Globex"})
    assert created.status_code == 201
    assert Organization.objects.get().name == "Globex"


def test_a_token_without_customer_view_sees_no_customers(client, agent, organization):
    text = token_for(agent, [Capability.CASE_VIEW])
    assert_problem(api_get(client, "/customers/organizations", text), 403, "forbidden")
    response = api_get(client, f"/customers/organizations/{organization.pk}", text)
    assert_problem(response, 404, CommonError.NOT_FOUND)


def within_one_minute() -> None:
    """The limit counts per clock minute: do not start a burst just before a new one."""
    if timezone.now().second >= 57:
        time.sleep(61 - timezone.now().second)


def test_the_fourth_request_in_a_minute_is_rate_limited(client, agent, settings):
    settings.FOLLOWTHROUGH_API_RATE_LIMIT = 3
    within_one_minute()
    text = token_for(agent)
    for _ in range(3):
        assert api_get(client, "/teams", text).status_code == 200
    response = api_get(client, "/teams", text)
    body = assert_problem(response, 429, "rate_limited")
    retry = int(response["Retry-After"])
    assert 1 <= retry <= 60
    assert body["retry_after"] == retry


def test_the_rate_limit_is_per_token(client, agent, settings):
    settings.FOLLOWTHROUGH_API_RATE_LIMIT = 3
    busy, other = token_for(agent), token_for(agent)
    within_one_minute()
    for _ in range(4):
        api_get(client, "/teams", busy)
    assert api_get(client, "/teams", other).status_code == 200


def test_the_rate_limit_opens_again_in_the_next_minute(client, agent, settings):
    settings.FOLLOWTHROUGH_API_RATE_LIMIT = 3
    text = token_for(agent)
    for _ in range(4):
        api_get(client, "/teams", text)
    last_minute = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=1)
    ApiToken.objects.filter(pk=stored(text).pk).update(window_start=last_minute)
    assert api_get(client, "/teams", text).status_code == 200
