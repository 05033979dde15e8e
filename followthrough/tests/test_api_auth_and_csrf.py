"""Authentication answers as a real client sees them, with CSRF checks switched on."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from followthrough.accounts.services import api_token_create, api_token_revoke
from followthrough.cases.models import Case

OPEN = {
    "subject": "Router drops every night",
    "channel": "phone",
    "next_step": "Call back",
    "next_step_due": "2099-01-01T10:00:00Z",
}


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _open(client, agent, **headers):
    body = {**OPEN, "owner_id": agent.pk}
    return client.post(
        "/api/v1/cases", data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_bad_expired_or_revoked_token_gets_401_not_a_csrf_refusal(csrf_client, agent):
    expired, expired_text = api_token_create(
        actor=agent,
        user=agent,
        name="old",
        scopes=["case.open"],
        expires_at=timezone.now() + dt.timedelta(seconds=1),
    )
    expired.expires_at = timezone.now() - dt.timedelta(days=1)
    expired.save(update_fields=["expires_at"])
    revoked, revoked_text = api_token_create(
        actor=agent, user=agent, name="gone", scopes=["case.open"]
    )
    api_token_revoke(actor=agent, token=revoked)
    for authorization in (
        "Bearer ft_000000000000_nope",
        f"Bearer {expired_text}",
        f"Bearer {revoked_text}",
        None,
    ):
        headers = {"Authorization": authorization} if authorization else {}
        response = _open(csrf_client, agent, **headers)
        assert response.status_code == 401, authorization
        assert response.json()["code"] == "unauthenticated"
    assert not Case.objects.exists()


def test_a_valid_token_needs_no_csrf_token(csrf_client, agent):
    # Naming the owner means seeing staff (case.view) as well as opening cases.
    _, text = api_token_create(
        actor=agent, user=agent, name="ok", scopes=["case.open", "case.view"]
    )
    assert _open(csrf_client, agent, Authorization=f"Bearer {text}").status_code == 201


def test_a_browser_session_must_send_its_csrf_token(csrf_client, agent):
    csrf_client.force_login(agent)
    response = _open(csrf_client, agent)
    assert response.status_code == 403
    assert not Case.objects.exists()
    csrf_client.get("/")  # the page sets the CSRF cookie, as in a browser
    token = csrf_client.cookies["csrftoken"].value
    assert _open(csrf_client, agent, **{"X-CSRFToken": token}).status_code == 201
