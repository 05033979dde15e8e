"""NUL characters cannot be stored in any text column on PostgreSQL: refused up front."""

from __future__ import annotations

import json

from followthrough.accounts.services import api_token_create
from followthrough.cases.models import Case, Note
from followthrough.cases.tests.factories import open_case


def test_api_refuses_nul_in_a_json_body_and_creates_nothing(client, agent):
    _, text = api_token_create(actor=agent, user=agent, name="t", scopes=["case.open"])
    body = {
        "subject": "Printer\x00offline",
        "channel": "phone",
        "owner_id": agent.pk,
        "next_step": "Call back",
        "next_step_due": "2099-01-01T10:00:00Z",
    }
    response = client.post(
        "/api/v1/cases",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {text}"},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid"
    assert not Case.objects.exists()


def test_api_refuses_nul_in_a_nested_value_and_in_the_query(client, agent):
    _, text = api_token_create(actor=agent, user=agent, name="t", scopes=["customer.view"])
    headers = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/customers/lookup?q=a%00b", headers=headers).status_code == 422


def test_pages_refuse_nul_in_forms_and_clean_it_from_searches(client, agent):
    case = open_case(actor=agent, subject="Printer offline")
    client.force_login(agent)
    # What people type into a search box is cleaned by the page, not refused.
    assert f'href="/cases/{case.pk}/"' in client.get("/search/?q=Printer%00").content.decode()
    response = client.post(f"/cases/{case.pk}/notes/", {"body": "hello\x00there"})
    assert response.status_code == 400
    assert not Note.objects.exists()
    # Ordinary text still goes through.
    assert client.get("/search/?q=printer").status_code == 200
