"""The webhooks API: subscribe (secret shown once), list, read, delete, the delivery log and
replay; administrators only, with problems on refusal."""

from __future__ import annotations

import json

import pytest

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.services import api_token_create
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError
from followthrough.webhooks.errors import WebhookError
from followthrough.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from followthrough.webhooks.services import webhook_emit
from followthrough.webhooks.tests.conftest import run_tasks

BASE = "/api/v1/webhooks"


def _auth(user, scopes=(Capability.WEBHOOK_MANAGE,)):
    _, text = api_token_create(actor=user, user=user, name="test", scopes=list(scopes))
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def admin_headers(webhook_admin):
    return _auth(webhook_admin)


def _post(client, url, body, headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def _body(receiver, **overrides):
    return {"name": "CRM", "target_url": receiver.url, "event_types": ["case.opened"]} | overrides


def _state():
    return (
        list(WebhookSubscription.objects.order_by("id").values()),
        list(WebhookDelivery.objects.order_by("id").values()),
    )


def test_subscribing_answers_201_with_the_secret_once(client, admin_headers, receiver):
    response = _post(client, BASE, _body(receiver), admin_headers)
    assert response.status_code == 201
    created = response.json()
    subscription = WebhookSubscription.objects.get()
    assert created["id"] == subscription.pk
    assert created["secret"] == subscription.secret
    assert created["event_types"] == ["case.opened"]
    assert created["active"] is True

    listed = client.get(BASE, headers=admin_headers)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == subscription.pk
    assert "secret" not in item
    one = client.get(f"{BASE}/{subscription.pk}", headers=admin_headers)
    assert one.status_code == 200
    assert "secret" not in one.json()
    assert subscription.secret not in listed.content.decode() + one.content.decode()


def test_a_refused_target_is_a_problem_and_creates_nothing(client, admin_headers, db):
    before = _state()
    response = _post(
        client, BASE, _body_for("http://169.254.169.254/latest/meta-data/"), admin_headers
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == WebhookError.TARGET_REFUSED
    assert response.json()["field"] == "target_url"
    assert _state() == before


def _body_for(url):
    return {"name": "CRM", "target_url": url, "event_types": ["case.opened"]}


@pytest.mark.parametrize(
    "change",
    [
        {"surprise": 1},
        {"event_types": ["case.exploded"]},
        {"event_types": []},
        {"event_types": "case.opened"},
        {"name": "x" * 101},
        {"name": ["CRM"]},
        {"target_url": "http://127.0.0.1/" + "a" * 2000},
    ],
)
def test_bad_input_is_refused_with_422(client, admin_headers, receiver, change):
    before = _state()
    response = _post(client, BASE, _body(receiver) | change, admin_headers)
    assert response.status_code == 422
    assert response.json()["code"] == CommonError.INVALID
    assert _state() == before


def test_people_without_webhook_manage_are_refused(client, webhook_admin, receiver, subscription):
    delivery = webhook_emit(event_type="case.opened", event_id="e-1", payload={"n": 1})[0]
    agent = UserFactory.create(role=Role.LEAD)
    narrow = _auth(webhook_admin, scopes=[Capability.CASE_VIEW])
    before = _state()
    for headers in (_auth(agent, scopes=[Capability.CASE_VIEW]), narrow):
        assert _post(client, BASE, _body(receiver), headers).status_code == 403
        assert client.get(BASE, headers=headers).status_code == 403
        # A subscription or delivery one may not see is "not found", like a missing one.
        for url in (f"{BASE}/{subscription.pk}", f"{BASE}/{subscription.pk}/deliveries"):
            response = client.get(url, headers=headers)
            assert response.status_code == 404
            assert response.json()["code"] == CommonError.NOT_FOUND
        assert client.delete(f"{BASE}/{subscription.pk}", headers=headers).status_code == 404
        replay = f"{BASE}/deliveries/{delivery.pk}/replay"
        assert _post(client, replay, {}, headers).status_code == 404
    assert client.get(BASE).status_code == 401
    assert _state() == before


def test_missing_records_are_404(client, admin_headers, db):
    for url in (f"{BASE}/999999", f"{BASE}/999999/deliveries", f"{BASE}/{2**70}"):
        assert client.get(url, headers=admin_headers).status_code == 404, url
    assert _post(client, f"{BASE}/deliveries/999999/replay", {}, admin_headers).status_code == 404


def test_deleting_a_subscription_stops_it(client, admin_headers, subscription):
    webhook_emit(event_type="case.opened", event_id="e-1", payload={"n": 1})
    response = client.delete(f"{BASE}/{subscription.pk}", headers=admin_headers)
    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert client.get(f"{BASE}/{subscription.pk}", headers=admin_headers).status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_the_delivery_log_is_paged_newest_first_in_fixed_queries(
    client, admin_headers, subscription, django_assert_num_queries, rows
):
    for n in range(rows):
        webhook_emit(event_type="case.opened", event_id=f"e-{n}", payload={"n": n})
    url = f"{BASE}/{subscription.pk}/deliveries"
    seen = []
    cursor = None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        # token (3: find, count the request, read the count), subscription, page
        with django_assert_num_queries(5):
            response = client.get(url, params, headers=admin_headers)
        assert response.status_code == 200
        page = response.json()
        seen += [item["payload"]["n"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(range(rows)))


def test_replay_through_the_api_sends_again(
    client, admin_headers, subscription, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit(event_type="case.opened", event_id="e-1", payload={"n": 1})
    run_tasks()
    assert len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, f"{BASE}/deliveries/{delivery.pk}/replay", {}, admin_headers)
    assert response.status_code == 200
    assert response.json()["status"] == DeliveryStatus.PENDING
    assert response.json()["attempts"] == 0
    assert run_tasks() == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[1].signature_valid
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED

    log = client.get(f"{BASE}/{subscription.pk}/deliveries", headers=admin_headers).json()
    [item] = log["items"]
    assert item["status"] == DeliveryStatus.DELIVERED
    assert item["last_status_code"] == 200
    assert item["response_excerpt"] == "ok"
