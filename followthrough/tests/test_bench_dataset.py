"""The benchmark's desk generator (bench/generate.py) makes a desk the services could have
written: it is run as `make bench` runs it, on the database the suite runs on, then checked."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CASES = 400


@pytest.fixture(scope="module")
def scratch_database_url(tmp_path_factory):
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('desk') / 'desk.sqlite3'}"
        return
    server = urlsplit(os.environ["DATABASE_URL"])
    name = f"ftbench_test_{os.getpid()}"
    admin = server._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count_cases(url: str) -> int:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute("SELECT count(*) FROM cases_case").fetchone()[0])
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM cases_case").fetchone()
        return int(row[0]) if row else 0


def generate(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOLLOWTHROUGH_VAR_DIR": str(tmp_path)}
    return subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.generate", "--cases", str(CASES), "--per-team", "4",
         "--database-url", url, *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def generated(scratch_database_url, tmp_path_factory):
    """One desk of CASES cases, loaded as `make bench` loads it, with --verify."""
    folder = tmp_path_factory.mktemp("generated")
    manifest = folder / "desk.json"
    run = generate(scratch_database_url, folder, "--verify", "--manifest", str(manifest))
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1]), json.loads(manifest.read_text())


def test_generated_desk_has_the_promised_shape_and_nothing_dangles(generated):
    summary, manifest = generated

    assert summary["rows"]["cases_case"] == CASES
    assert 0 < summary["open_cases"] < CASES * 0.15
    assert 50 <= summary["contacts"] < 50 + 8  # whole organisations of up to 8 contacts
    checked = summary["verify"]
    assert checked["dangling_references"] == 0
    assert checked["counter_mismatches"] == {
        "interaction_count": 0,
        "agent_count": 0,
        "open_commitment_count": 0,
    }
    low, high = checked["shape"]["events_per_case"]
    assert 5 <= low <= high <= 20
    low, high = checked["shape"]["notes_per_case"]
    assert 1 <= low <= high <= 5
    assert checked["reads"] == {"phone": True, "subject": True, "number": True, "documents": True}
    assert len(manifest["sample_phones"]) == min(500, summary["contacts"])


def test_generator_refuses_a_desk_that_is_not_empty(generated, scratch_database_url, tmp_path):
    assert count_cases(scratch_database_url) == CASES

    again = generate(scratch_database_url, tmp_path)

    assert again.returncode != 0
    assert "only into an empty database" in again.stderr
    assert count_cases(scratch_database_url) == CASES
