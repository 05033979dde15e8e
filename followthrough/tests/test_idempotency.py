"""Idempotency-Key on API POSTs: what is replayed, what is refused, what is never kept."""

from __future__ import annotations

import json

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import ApiToken
from followthrough.accounts.services import api_token_create
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.models import IdempotencyRecord


@pytest.fixture
def admin_user(db):
    return UserFactory.create(role=Role.ADMIN)


def _post(client, path, body, token, key):
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def test_a_new_tokens_secret_is_never_kept_for_replay(client, admin_user):
    # Only a token that may manage tokens can make one through the API.
    _, text = api_token_create(
        actor=admin_user, user=admin_user, name="setup", scopes=["api_token.manage", "case.view"]
    )
    body = {"name": "laptop", "scopes": ["case.view"]}
    first = _post(client, "/api/v1/tokens", body, text, "make-a-token-1")
    assert first.status_code == 201
    secret = first.json()["token"]
    record = IdempotencyRecord.objects.get(key="make-a-token-1")
    assert secret.encode() not in bytes(record.body)
    again = _post(client, "/api/v1/tokens", body, text, "make-a-token-1")
    assert again.status_code == 409
    assert again.json()["code"] == "idempotency_answer_not_kept"
    assert secret not in again.content.decode()
    assert ApiToken.objects.filter(name="laptop").count() == 1


def test_a_key_must_be_printable_and_bounded(client, admin_user):
    _, text = api_token_create(
        actor=admin_user, user=admin_user, name="setup", scopes=["api_token.manage", "case.view"]
    )
    for key in ("x" * 256, "bad\tkey", " "):
        response = _post(
            client, "/api/v1/tokens", {"name": "n", "scopes": ["case.view"]}, text, key
        )
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_invalid"
    assert not ApiToken.objects.filter(name="n").exists()
    assert not IdempotencyRecord.objects.exists()
