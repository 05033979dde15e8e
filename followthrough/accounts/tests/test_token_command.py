"""`followthrough token …`: creating, listing and revoking API tokens on the command line."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import ApiToken, TokenKind, User
from followthrough.accounts.services import api_token_create
from followthrough.accounts.tests.factories import UserFactory
from followthrough.accounts.tokens import hash_secret, split_token


@pytest.fixture
def admin(db):
    return UserFactory.create(role=Role.ADMIN, username="admin")


@pytest.fixture
def adam(agent):
    agent.username = "adam"
    agent.save()
    return agent


def token_state():
    return list(ApiToken.objects.order_by("pk").values()), list(User.objects.values("pk"))


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_alone_on_stdout(adam):
    out, err = run(
        "create", "--user", "adam", "--name", "Backup", "--scope", "case.view",
        "--scope", "customer.view", "--expires-days", "30",
    )  # fmt: skip
    text = out.strip()
    parts = split_token(text)
    assert parts is not None
    token = ApiToken.objects.get()
    assert token.prefix == parts[0]
    assert token.secret_hash == hash_secret(parts[1])
    assert (token.user, token.created_by, token.kind) == (adam, adam, TokenKind.PERSONAL)
    assert token.scopes == ["case.view", "customer.view"]
    assert token.expires_at is not None
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    assert "will not be shown again" in err
    assert text not in err


def test_create_integration_on_behalf_of_an_admin(admin):
    out, _ = run(
        "create-integration", "--name", "Desk App", "--product", "DeskApp",
        "--scope", "error_report.submit", "--by", "admin",
    )  # fmt: skip
    token = ApiToken.objects.get()
    assert out.strip().startswith(f"ft_{token.prefix}_")
    assert (token.kind, token.product, token.created_by) == (
        TokenKind.INTEGRATION,
        "DeskApp",
        admin,
    )
    assert token.user.role == Role.INTEGRATION


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--user", "nobody", "--name", "x", "--scope", "case.view"], "No user called"),
        (["create", "--user", "adam", "--name", "x", "--scope", "case.fly"], "Unknown scopes"),
        (["create", "--user", "adam", "--name", "x", "--scope", "case.merge"], "cannot grant"),
        (["create", "--user", "adam", "--name", " ", "--scope", "case.view"], "needs a name"),
        (
            [
                "create",
                "--user",
                "adam",
                "--name",
                "x",
                "--scope",
                "case.view",
                "--expires-days",
                "0",
            ],
            "--expires-days must be 1 or more",
        ),
        (
            ["create-integration", "--name", "X", "--scope", "case.view", "--by", "nobody"],
            "No user called",
        ),
        (
            ["create-integration", "--name", "X", "--scope", "case.view", "--by", "adam"],
            "may not manage",
        ),
        (
            [
                "create-integration",
                "--name",
                "X",
                "--scope",
                "error_report.submit",
                "--by",
                "admin",
            ],
            "names its product",
        ),
        (["list", "--user", "nobody"], "No user called"),
        (["revoke", "0123456789ab"], "No token with the prefix"),
        (["revoke", "ft_"], "No token with the prefix"),
    ],
)
def test_refusals_are_clear_command_errors_and_change_nothing(adam, admin, args, message):
    before = token_state()
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert message in str(exc.value)
    assert token_state() == before


def test_an_unknown_scope_error_lists_the_scopes_there_are(adam):
    with pytest.raises(CommandError) as exc:
        run("create", "--user", "adam", "--name", "x", "--scope", "case.fly")
    assert "Scopes are: case.view" in str(exc.value)


def test_list_shows_tokens_without_secrets(adam, admin):
    mine, text = api_token_create(actor=adam, user=adam, name="Backup", scopes=["case.view"])
    api_token_create(actor=admin, user=admin, name="Admin script", scopes=["case.view"])
    out, _ = run("list")
    assert mine.prefix in out
    assert "Admin script" in out
    assert text not in out
    assert split_token(text)[1] not in out  # type: ignore[index]
    only_adam, _ = run("list", "--user", "adam")
    assert "Backup" in only_adam
    assert "Admin script" not in only_adam


def test_list_says_so_when_there_are_none(db):
    out, _ = run("list")
    assert out.strip() == "No tokens."


@pytest.mark.parametrize("form", ["{prefix}", "ft_{prefix}", "ft_{prefix}_…", "{text}"])
def test_revoke_by_prefix_or_by_the_token_itself(adam, form):
    token, text = api_token_create(actor=adam, user=adam, name="Backup", scopes=["case.view"])
    out, _ = run("revoke", form.format(prefix=token.prefix, text=text))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked “Backup”" in out
    assert "revoked" in run("list")[0]
