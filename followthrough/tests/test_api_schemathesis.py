"""The API against its own OpenAPI schema: generated requests to every operation.

Bounded (a few examples per operation) so it runs in every `make test`; what it checks is what
the issue asks: no 5xx, and every documented response matches the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from followthrough.accounts.capabilities import Role
from followthrough.accounts.services import api_token_create
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.tests.factories import open_case
from followthrough.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    # Django closes database connections at the end of every request it serves; the test
    # client switches that off, and requests sent straight to the WSGI app must too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, settings, agent, contact):
    settings.FOLLOWTHROUGH_API_RATE_LIMIT = 100_000
    admin = UserFactory.create(role=Role.ADMIN, username="fuzz-admin")
    # Something to find, so generated ids sometimes hit real records.
    open_case(actor=agent, contact=contact)
    _, text = api_token_create(
        actor=admin, user=admin, name="schemathesis", scopes=sorted(admin.capabilities)
    )
    return text


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_every_generated_request_within_its_schema(case, admin_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
