"""Calling the REST API in tests the way a client does: with a real token from the service."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from followthrough.accounts.models import User
from followthrough.accounts.services import api_token_create

API = "/api/v1"


def token_for(user: User, scopes: list[str] | None = None, **fields: Any) -> str:
    """A personal token made by the service; by default with every capability of the role."""
    chosen = scopes if scopes is not None else sorted(user.capabilities)
    _, text = api_token_create(actor=user, user=user, name="tests", scopes=chosen, **fields)
    return text


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def api_get(client: Client, path: str, text: str, **params: Any) -> Any:
    return client.get(API + path, params, headers=bearer(text))


def api_post(client: Client, path: str, text: str, body: Any) -> Any:
    return client.post(
        API + path, data=json.dumps(body), content_type="application/json", headers=bearer(text)
    )


def api_delete(client: Client, path: str, text: str) -> Any:
    return client.delete(API + path, headers=bearer(text))


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """A refusal: the status, application/problem+json, and the service's stable code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


def session_post(client: Client, path: str, body: Any) -> Any:
    """A POST from a signed-in browser session (the test client passes its CSRF check)."""
    return client.post(API + path, data=json.dumps(body), content_type="application/json")
