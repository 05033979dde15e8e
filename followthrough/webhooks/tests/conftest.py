"""Fixtures for webhook tests: an administrator, a real receiver on loopback (allow-listed
the way an administrator would), and a way to run queued tasks as the worker would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import TestCase
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from pytest_django.fixtures import Settings

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import User
from followthrough.accounts.tests.factories import UserFactory
from followthrough.webhooks.models import WebhookEvent, WebhookSubscription
from followthrough.webhooks.services import webhook_subscription_create
from followthrough.webhooks.tests.receiver import Receiver


@pytest.fixture
def webhook_admin(db: None) -> User:
    return UserFactory.create(role=Role.ADMIN, first_name="Ada", last_name="Admin")


@pytest.fixture
def allow_loopback(settings: Settings) -> None:
    settings.FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver(allow_loopback: None) -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def subscription(webhook_admin: User, receiver: Receiver) -> WebhookSubscription:
    """Every event, sent to the receiver, which knows the secret."""
    created, secret = webhook_subscription_create(
        actor=webhook_admin,
        name="CRM",
        target_url=receiver.url,
        event_types=list(WebhookEvent.values),
    )
    receiver.secret = secret
    return created


def queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status=TaskResultStatus.READY))


def run_tasks(*, at: dt.datetime | None = None) -> int:
    """Run every queued task due by `at` (default now), the way the worker does, including
    tasks those tasks enqueue when they are due too. Returns how many ran.

    Tests run inside a transaction that never commits, so the on-commit callbacks the tasks
    register (a retry's enqueue) are captured and run as a commit would.
    """
    moment = at or timezone.now()
    ran = 0
    while True:
        row = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            .filter(run_after__lte=moment)
            .order_by("run_after", "enqueued_at")
            .first()
        )
        if row is None:
            row = DBTaskResult.objects.filter(
                status=TaskResultStatus.READY, run_after=get_date_max()
            ).first()
        if row is None:
            return ran
        row.claim("test-worker")
        result = row.task_result
        with TestCase.captureOnCommitCallbacks(execute=True):
            row.task.call(*result.args, **result.kwargs)
        row.set_successful(None)
        ran += 1
