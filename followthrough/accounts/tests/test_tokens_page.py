"""The API tokens page (/account/tokens/): a person's own tokens, creating one (shown once),
revoking, and the Integrations section for administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import ApiToken, TokenKind, User
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.accounts.tests.factories import UserFactory
from followthrough.accounts.views import SHOW_ONCE_SESSION_KEY

PAGE = "/account/tokens/"
CREATE = "/account/tokens/create/"
CREATE_INTEGRATION = "/account/tokens/integrations/create/"


@pytest.fixture
def admin(db):
    return UserFactory.create(role=Role.ADMIN, username="admin")


def token_state():
    return list(ApiToken.objects.order_by("pk").values()), User.objects.count()


def make_token(user, name="Script", scopes=("case.view",), **fields):
    return api_token_create(actor=user, user=user, name=name, scopes=list(scopes), **fields)[0]


def revoke_url(token):
    return f"/account/tokens/{token.pk}/revoke/"


def test_page_lists_own_tokens_with_their_state(client, agent, agent2):
    make_token(agent, "Monitoring", ["case.view", "customer.view"])
    expired = make_token(agent, "Old script", expires_at=timezone.now() + dt.timedelta(hours=1))
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    api_token_revoke(actor=agent, token=make_token(agent, "Leaked"))
    make_token(agent2, "Someone else's")
    client.force_login(agent)
    response = client.get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Monitoring" in text
    assert "case.view, customer.view" in text
    assert "Expired" in text
    assert "Revoked" in text
    assert "Active" in text
    assert "Never" in text
    assert "Someone else" not in text
    # A revoked token has no revoke button; the others do.
    assert text.count('class="small danger"') == 2


def test_scopes_on_offer_are_the_capabilities_the_person_has(client, agent):
    client.force_login(agent)
    text = client.get(PAGE).content.decode()
    assert 'value="case.view"' in text
    assert 'value="customer.edit"' in text
    assert 'value="case.merge"' not in text
    assert 'value="api_token.manage"' not in text
    assert "Integrations" not in text


def test_create_shows_the_token_once_then_never_again(client, agent):
    client.force_login(agent)
    response = client.post(CREATE, {"name": "Monitoring", "scopes": ["case.view", "case.work"]})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (agent, "Monitoring")
    assert token.scopes == ["case.view", "case.work"]
    page = client.get(PAGE)
    text = page.content.decode()
    shown = text.split('id="new-token-value" type="text" class="mono" value="')[1].split('"')[0]
    assert shown.startswith(f"ft_{token.prefix}_")
    assert "it will not be shown again" in text
    assert "no-store" in page["Cache-Control"]
    assert SHOW_ONCE_SESSION_KEY not in client.session
    again = client.get(PAGE).content.decode()
    assert shown not in again
    assert f"ft_{token.prefix}_…" in again


def test_create_with_an_expiry_in_the_persons_time_zone(client, agent):
    agent.time_zone = "Europe/Berlin"
    agent.save()
    client.force_login(agent)
    client.post(CREATE, {"name": "Temp", "scopes": ["case.view"], "expires_at": "2030-06-01T12:00"})
    token = ApiToken.objects.get()
    assert token.expires_at == dt.datetime(2030, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"name": "x"}, "This field is required."),
        ({"name": "", "scopes": ["case.view"]}, "This field is required."),
        ({"name": "x", "scopes": ["case.merge"]}, "Select a valid choice."),  # not theirs
        ({"name": "x" * 101, "scopes": ["case.view"]}, "at most 100 characters"),
        ({"name": "x", "scopes": ["case.view"], "expires_at": "soon"}, "Enter a valid date"),
    ],
)
def test_create_refuses_bad_input_next_to_the_form(client, agent, data, shown):
    client.force_login(agent)
    before = token_state()
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert token_state() == before


def test_create_shows_a_service_refusal_in_words(client, agent):
    client.force_login(agent)
    before = token_state()
    response = client.post(
        CREATE, {"name": "x", "scopes": ["case.view"], "expires_at": "2001-01-01T00:00"}
    )
    assert response.status_code == 200
    assert "The expiry must be in the future." in response.content.decode()
    assert token_state() == before


def test_token_names_are_shown_as_text_never_as_markup(client, agent):
    make_token(agent, "<script>alert(1)</script>")
    client.force_login(agent)
    text = client.get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_revoke_own_token(client, agent):
    token = make_token(agent)
    client.force_login(agent)
    response = client.post(revoke_url(token))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "no longer works" in client.get(PAGE).content.decode()


def test_revoking_someone_elses_token_is_404_and_changes_nothing(client, agent, agent2):
    theirs = make_token(agent2)
    client.force_login(agent)
    before = token_state()
    assert client.post(revoke_url(theirs)).status_code == 404
    assert client.post("/account/tokens/999999/revoke/").status_code == 404
    assert token_state() == before


@pytest.mark.parametrize("path", [CREATE, CREATE_INTEGRATION, "/account/tokens/1/revoke/"])
def test_post_only_urls_refuse_get_and_change_nothing(client, admin, path):
    make_token(admin)
    client.force_login(admin)
    before = token_state()
    assert client.get(path).status_code == 405
    assert token_state() == before


def test_a_post_without_the_csrf_token_is_refused(agent):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    before = token_state()
    response = browser.post(CREATE, {"name": "x", "scopes": ["case.view"]})
    assert response.status_code == 403
    assert token_state() == before


def test_the_page_needs_a_signed_in_person(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_customers_have_no_tokens_page(client, customer_user):
    client.force_login(customer_user)
    before = token_state()
    assert client.get(PAGE).status_code == 403
    assert client.post(CREATE, {"name": "x", "scopes": ["portal"]}).status_code == 403
    assert token_state() == before


def test_the_top_bar_links_to_the_page(client, agent):
    client.force_login(agent)
    assert f'href="{PAGE}">API tokens</a>' in client.get(PAGE).content.decode()


# --- Integrations (administrators) ----------------------------------------------------------


def test_admin_sees_integrations_and_creates_one_shown_once(client, admin):
    client.force_login(admin)
    assert "Integrations" in client.get(PAGE).content.decode()
    response = client.post(
        CREATE_INTEGRATION,
        {
            "integration-name": "Desk App",
            "integration-product": "DeskApp",
            "integration-scopes": ["error_report.submit"],
        },
    )
    assert response.status_code == 302
    token = ApiToken.objects.get(kind=TokenKind.INTEGRATION)
    assert (token.product, token.scopes, token.created_by) == (
        "DeskApp",
        ["error_report.submit"],
        admin,
    )
    text = client.get(PAGE).content.decode()
    assert f'value="ft_{token.prefix}_' in text
    assert "acts as integration-desk-app" in text


def test_integration_refusal_is_shown_next_to_its_form(client, admin):
    client.force_login(admin)
    before = token_state()
    response = client.post(
        CREATE_INTEGRATION,
        {"integration-name": "Desk App", "integration-scopes": ["error_report.submit"]},
    )
    assert response.status_code == 200
    assert "A token for error reports names its product." in response.content.decode()
    assert token_state() == before


def test_agents_cannot_create_integrations(client, agent):
    client.force_login(agent)
    before = token_state()
    response = client.post(
        CREATE_INTEGRATION,
        {"integration-name": "X", "integration-scopes": ["case.view"]},
    )
    assert response.status_code == 403
    assert token_state() == before


def test_admin_revokes_an_integration_token(client, admin):
    token, _ = integration_token_create(actor=admin, name="CRM", scopes=["case.view"])
    client.force_login(admin)
    assert client.post(revoke_url(token)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 30])
def test_page_takes_the_same_queries_for_1_and_30_tokens(
    client, agent, django_assert_num_queries, rows
):
    for n in range(rows):
        make_token(agent, f"Script {n}")
    client.force_login(agent)
    # session, user, the person's team (top bar), their tokens
    with django_assert_num_queries(4):
        response = client.get(PAGE)
    assert response.content.decode().count("Script ") >= rows


@pytest.mark.parametrize("rows", [1, 30])
def test_admin_page_takes_the_same_queries_for_1_and_30_integrations(
    client, admin, django_assert_num_queries, rows
):
    for n in range(rows):
        integration_token_create(actor=admin, name=f"System {n}", scopes=["case.view"])
    client.force_login(admin)
    # session, user, team, own tokens, integration tokens with their service users
    with django_assert_num_queries(5):
        response = client.get(PAGE)
    assert response.content.decode().count("acts as integration-system-") == rows
