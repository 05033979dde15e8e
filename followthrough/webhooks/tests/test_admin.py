"""The Django admin: subscribing through the service (secret shown once, then never), a
read-only delivery log, and a replay action that re-sends."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from followthrough.webhooks.services import webhook_emit
from followthrough.webhooks.tests.conftest import run_tasks


@pytest.fixture
def admin_client(client, db):
    user = UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_subscribing_in_the_admin_shows_the_secret_once(admin_client, receiver):
    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"name": "CRM", "target_url": receiver.url, "event_types": ["case.opened", "case.merged"]},
        follow=True,
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.event_types == ["case.opened", "case.merged"]
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(subscription.secret in m for m in shown)

    for url in (
        reverse("admin:webhooks_webhooksubscription_changelist"),
        reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert subscription.secret not in page.content.decode()


def test_the_admin_refuses_a_private_target(admin_client, db):
    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "name": "Metadata",
            "target_url": "http://169.254.169.254/",
            "event_types": ["case.opened"],
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "link-local" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_deliveries_are_read_only_in_the_admin(admin_client, subscription):
    [delivery] = webhook_emit(event_type="case.opened", event_id="e-1", payload={"n": 1})
    before = list(WebhookDelivery.objects.values())
    change = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"status": "delivered"}).status_code == 403
    delete = reverse("admin:webhooks_webhookdelivery_delete", args=[delivery.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert list(WebhookDelivery.objects.values()) == before


def test_the_replay_action_sends_deliveries_again(
    admin_client, subscription, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit(event_type="case.opened", event_id="e-1", payload={"n": 1})
    run_tasks()
    assert len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "replay", helpers.ACTION_CHECKBOX_NAME: [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert run_tasks() == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[1].signature_valid
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
