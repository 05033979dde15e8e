"""Server-Timing: on only when asked for, and then on every response."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.mark.django_db
def test_no_server_timing_unless_asked_for(settings):
    settings.FOLLOWTHROUGH_SERVER_TIMING = False

    response = Client().get("/sign-in/")

    assert response.status_code == 200
    assert "Server-Timing" not in response.headers


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sign-in/", "/api/v1/openapi.json", "/no-such-page/"])
def test_server_timing_on_every_response_when_asked_for(settings, path):
    settings.FOLLOWTHROUGH_SERVER_TIMING = True

    response = Client().get(path)

    assert re.fullmatch(r"app;dur=\d+\.\d\d", response.headers["Server-Timing"])
