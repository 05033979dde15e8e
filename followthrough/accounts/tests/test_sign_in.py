"""Signing in and out, repeated failures locked out, and no page without signing in."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from followthrough.accounts.tests.factories import PASSWORD, UserFactory


@pytest.fixture
def user(db):
    return UserFactory.create(username="maria")


def test_pages_need_a_signed_in_user(client, user):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/")


def test_sign_in_with_the_right_password_lands_on_the_queues(client, user):
    response = client.post("/sign-in/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_says_so_and_signs_nobody_in(client, user):
    response = client.post("/sign-in/", {"username": "maria", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert client.get("/").status_code == 302


def test_sign_in_refuses_to_redirect_off_site(client, user):
    response = client.post(
        "/sign-in/?next=//evil.example/",
        {"username": "maria", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_repeated_failures_lock_the_sign_in_even_with_the_right_password(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/sign-in/", {"username": "maria", "password": "wrong"})
    response = client.post("/sign-in/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert client.get("/").status_code == 302
    assert AccessAttempt.objects.get(username="maria").failures_since_start >= 3


def test_a_huge_password_is_refused_without_trouble(client, user):
    response = client.post("/sign-in/", {"username": "maria", "password": "x" * 1_000_000})
    assert response.status_code in {200, 429}
    assert client.get("/").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(client, user):
    client.force_login(user)
    assert client.get("/sign-out/").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_pages_carry_a_content_security_policy_without_inline_script(client, user):
    client.force_login(user)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in response.content
