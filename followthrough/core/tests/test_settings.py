"""Settings come from the environment; production refuses to start on development defaults."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD_KEY = "k" * 20 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import followthrough.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_development_defaults_need_no_configuration(tmp_path):
    result = _load_settings(FOLLOWTHROUGH_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_production_refuses_dev_secret_and_says_what_is_missing():
    result = _load_settings(FOLLOWTHROUGH_ENV="production")
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    for problem in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        assert problem in result.stderr


def test_production_refuses_debug_on():
    result = _load_settings(
        FOLLOWTHROUGH_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="desk.example.com",
        DATABASE_URL="postgres://desk@db.internal/desk",
        DEBUG="true",
    )
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_starts_when_configured():
    result = _load_settings(
        FOLLOWTHROUGH_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="desk.example.com",
        DATABASE_URL="postgres://desk@db.internal/desk",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FOLLOWTHROUGH_CASE_PREFIX", "FT-<script>", "FOLLOWTHROUGH_CASE_PREFIX"),
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("FOLLOWTHROUGH_ENV", "staging", "FOLLOWTHROUGH_ENV"),
        ("DATABASE_URL", "mysql://root@localhost/desk", "SQLite or PostgreSQL"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(tmp_path, name, value, message):
    result = _load_settings(FOLLOWTHROUGH_VAR_DIR=str(tmp_path), **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_case_number_uses_the_configured_prefix(settings, agent):
    from followthrough.cases.tests.factories import open_case

    settings.CASE_NUMBER_PREFIX = "ACME"
    case = open_case(actor=agent)
    assert case.number == f"ACME-{case.pk}"
