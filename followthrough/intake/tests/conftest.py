"""Fixtures for error-report tests: a routed product, its integration token, and storage in
a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import Team, User
from followthrough.accounts.services import integration_token_create
from followthrough.accounts.tests.factories import UserFactory
from followthrough.intake.models import ProductRoute
from followthrough.intake.tests.factories import PRODUCT, Reporter

# Real mail servers on loopback, shared by the mail tests: one dovecot per session.
from followthrough.intake.tests.mailservers import dovecot, imap_account, smtp_sink  # noqa: F401


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def token_admin(db: None) -> User:
    return UserFactory.create(role=Role.ADMIN, first_name="Ada", last_name="Admin")


@pytest.fixture
def route(tier2: Team) -> ProductRoute:
    return ProductRoute.objects.create(product=PRODUCT, team=tier2, default_priority="P2")


@pytest.fixture
def reporter(token_admin: User) -> Reporter:
    token, text = integration_token_create(
        actor=token_admin,
        name="Acme VPN client",
        scopes=[Capability.ERROR_REPORT_SUBMIT],
        product=PRODUCT,
    )
    return Reporter(token=token, text=text)
