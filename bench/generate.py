"""Load a benchmark desk: a support floor with N cases of realistic shape.

    python -m bench.generate --cases 100000 [--database-url URL] [--seed 1]

The teams and agents are made through the services. The customers and cases are clones of
template customers and cases that the services made and worked in a scratch database (a
separate process), so every row is one the services would have written; only the text, the
people, the customer and the times differ from clone to clone. Shape: organisations with 1-8
contacts and 1-3 assets, case counts per contact Zipf-distributed, 5% of cases open (spread
over the Tier 1 queues, owned or waiting in a queue), the rest closed over three years, each
case with 5-20 events and 1-5 notes (see bench/README.md).

The database must be empty (it is migrated first). Writes a JSON summary to stdout and, with
--manifest, to a file the benchmark reads.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import multiprocessing
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OPEN_SHARE = 0.05
CASES_PER_CONTACT = 10
CHUNK = 2000  # cases per transaction
YEARS = 3


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "followthrough.settings")
    import django

    django.setup()


def make_templates(out: Path, seed: int, per_team: int) -> None:
    """In a scratch database: the world, then template customers and cases, pickled."""
    from django.core.management import call_command
    from django.db import transaction

    from bench.dataset.world import build_world, case_templates, customer_templates

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        world = build_world(seed)
        customers = customer_templates(12, seed)
        closed, opened = case_templates(world, per_team=per_team, seed=seed)
    payload = {
        "fingerprint": _fingerprint(),
        "customers": customers,
        "closed": closed,
        "open": opened,
    }
    out.write_bytes(pickle.dumps(payload))


def _fingerprint() -> list[tuple[int, str]]:
    from followthrough.accounts.models import Team, User

    users = list(User.objects.order_by("pk").values_list("pk", "username"))
    teams = list(Team.objects.order_by("pk").values_list("pk", "name"))
    return users + teams


class Text(dict[str, str]):
    """A clone's text, made when a placeholder first asks for it."""

    def __init__(self, maker: Any) -> None:
        super().__init__()
        self.maker = maker

    def __missing__(self, key: str) -> str:
        value = self.maker(key)
        self[key] = value
        return value


def generate(cases: int, seed: int, *, per_team: int = 8) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from bench.dataset.clone import Clone, Cloner, Writer, next_ids
    from bench.dataset.vocabulary import (
        BRANDS,
        COMPANY_KINDS,
        COMPANY_WORDS,
        PRODUCTS,
        TextPool,
        person_name,
        phone_number,
    )
    from bench.dataset.world import build_world, phone_number_forms
    from followthrough.accounts.models import User

    started = time.monotonic()
    if User._meta.db_table in connection.introspection.table_names() and User.objects.exists():
        raise SystemExit("bench.generate loads only into an empty database")
    with tempfile.TemporaryDirectory() as scratch:
        # The templates are made in a scratch database by a process of their own, while this
        # one migrates the benchmark database.
        pickled = Path(scratch) / "templates.pickle"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(scratch) / 'templates.sqlite3'}",
            "FOLLOWTHROUGH_VAR_DIR": scratch,
        }
        maker = subprocess.Popen(  # noqa: S603 - our own module
            [
                sys.executable,
                "-m",
                "bench.generate",
                "--make-templates",
                str(pickled),
                "--seed",
                str(seed),
                "--per-team",
                str(per_team),
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            call_command("migrate", verbosity=0)
        finally:
            if maker.wait() != 0:
                raise SystemExit("Making the template cases failed; see above.")
        payload = pickle.loads(pickled.read_bytes())  # noqa: S301 - written by our own subprocess
    templates_seconds = time.monotonic() - started

    with transaction.atomic():
        world = build_world(seed)
    if _fingerprint() != payload["fingerprint"]:
        raise SystemExit("The floor differs from the templates' floor; is the database empty?")

    rng = random.Random(seed)  # noqa: S311 - sample data
    pool = TextPool(seed)
    now = dt.datetime.now(dt.UTC)
    prefix = settings.CASE_NUMBER_PREFIX
    tables = sorted(
        {
            t.name
            for group in ("customers", "closed", "open")
            for tp in payload[group]
            for t in tp.tables
        }
    )
    writer = Writer()
    cloner = Cloner(writer, next_ids(tables))

    # Customers: enough contacts for CASES_PER_CONTACT cases each.
    want_contacts = max(50, cases // CASES_PER_CONTACT)
    contact_ids: list[int] = []
    contact_org: dict[int, int] = {}
    contact_name: dict[int, str] = {}
    contact_phone: dict[int, str] = {}
    org_assets: dict[int, list[int]] = {}
    phones = itertools.count(1)
    orgs = 0
    while len(contact_ids) < want_contacts:
        template = rng.choice(payload["customers"])
        orgs += 1
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {orgs}"
        domain = company.lower().replace(" ", "-")
        numbers = {}

        def customer_text(
            key: str,
            company: str = company,
            domain: str = domain,
            numbers: dict[int, str] = numbers,
            org_number: int = orgs,
        ) -> str:
            body = key[2:-2]
            if body == "org":
                return company
            if body == "site":
                return "Head office"
            if body == "city":
                return rng.choice(["Springfield", "Riverton", "Lakeside", "Fairview", "Hillcrest"])
            if body == "domain":
                return domain
            kind, n, what = body[0], int(body[1]), body[2:]
            if kind == "c":
                if what == "name":
                    return person_name(rng)
                if what == "mail":
                    return f"contact{n}.{org_number}"
                number = numbers.setdefault(n, phone_number(next(phones)))
                forms = dict(zip(("pe", "pn", "pd"), phone_number_forms(number), strict=True))
                return forms[what]
            if what.startswith("serial"):
                return f"SN{org_number:07d}{n}"
            return f"{rng.choice(BRANDS)} {rng.choice(PRODUCTS)}"

        text = Text(customer_text)
        ids = cloner.clone(
            Clone(template, now - dt.timedelta(days=rng.uniform(400, 1500)), {}, text)
        )
        org_id = next(iter(ids["customers_organization"].values()))
        org_assets[org_id] = list(ids["customers_asset"].values())
        for c, new in enumerate(ids["customers_contact"].values()):
            contact_ids.append(new)
            contact_org[new] = org_id
            contact_name[new] = text[f"qqc{c}nameqq"]
            contact_phone[new] = numbers[c] if c in numbers else text[f"qqc{c}peqq"]
    writer.flush()
    customers_seconds = time.monotonic() - started - templates_seconds

    # Cases: Zipf over contacts, open ones recent, in time order so ids follow time. The plan
    # is made here; forked workers clone it a chunk at a time, each chunk's ids known ahead.
    writer.finish()
    shuffled = contact_ids[:]
    rng.shuffle(shuffled)
    cumulative = list(
        itertools.accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(len(shuffled)))
    )
    total_weight = cumulative[-1]
    starts = []
    for _ in range(cases):
        if rng.random() < OPEN_SHARE:
            starts.append((now - dt.timedelta(hours=rng.uniform(1, 6 * 24)), True))
        else:
            starts.append((now - dt.timedelta(days=rng.uniform(7, 365 * YEARS)), False))
    starts.sort()
    templates = payload["closed"] + payload["open"]
    closed_count = len(payload["closed"])
    counts = [{t: tp.count(t) for t in tables} for tp in templates]
    plan: list[tuple[dt.datetime, int, int]] = []
    open_count = 0
    for start, is_open in starts:
        index = (
            closed_count + rng.randrange(len(payload["open"]))
            if is_open
            else rng.randrange(closed_count)
        )
        open_count += is_open
        contact = shuffled[bisect.bisect_left(cumulative, rng.random() * total_weight)]
        plan.append((start, index, contact))
    chunks = []
    bases = dict(cloner.next_ids)
    for first in range(0, cases, CHUNK):
        part = plan[first : first + CHUNK]
        chunks.append((first, dict(bases), part))
        for _, index, _ in part:
            for table, count in counts[index].items():
                bases[table] += count
    _WORK.update(
        chunks=chunks,
        templates=templates,
        seed=seed,
        pool=pool,
        prefix=prefix,
        world=world,
        names={u.pk: u.display_name for u in world.agents},
        contact_org=contact_org,
        contact_name=contact_name,
        org_assets=org_assets,
    )
    case_tables = sorted({t.name for tp in templates for t in tp.tables})
    dropped = _drop_indexes(case_tables)
    connections.close_all()
    done = 0
    try:
        with multiprocessing.get_context("fork").Pool(WORKERS) as workers:
            chunk_results = workers.imap_unordered(_clone_chunk, range(len(chunks)))
            for written, seconds, size in chunk_results:
                for table, count in written.items():
                    writer.written[table] = writer.written.get(table, 0) + count
                for table, value in seconds.items():
                    writer.seconds[table] = writer.seconds.get(table, 0.0) + value
                done += size
                if sys.stderr.isatty():
                    print(f"\r{done:,} cases", end="", file=sys.stderr)
    finally:
        index_started = time.monotonic()
        _create_indexes(dropped)
        index_seconds = time.monotonic() - index_started
    _set_sequences(tables)
    load_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "cases": cases,
        "open_cases": open_count,
        "contacts": len(contact_ids),
        "organizations": orgs,
        "agents": len(world.agents),
        "rows": writer.written,
        "write_seconds": {k: round(v, 1) for k, v in writer.seconds.items()},
        "seconds": {
            "templates": round(templates_seconds, 1),
            "customers": round(customers_seconds, 1),
            "indexes": round(index_seconds, 1),
            "total": round(load_seconds, 1),
        },
        "database": connection.vendor,
        "sample_phones": [
            contact_phone[c] for c in rng.sample(contact_ids, min(500, len(contact_ids)))
        ],
        "agents_by_team": {str(k): v for k, v in world.members.items()},
    }


# What the forked workers clone from: set before the fork, read (copied) in each worker.
_WORK: dict[str, Any] = {}
WORKERS = 2


def _clone_chunk(number: int) -> tuple[dict[str, int], dict[str, float], int]:
    """In a worker: clone one chunk of the plan, in one transaction."""
    from bench.dataset.clone import Clone, Cloner, Writer

    _, bases, part = _WORK["chunks"][number]
    rng = random.Random(_WORK["seed"] * 1_000_003 + number)  # noqa: S311 - sample data
    pool = _WORK["pool"]
    pool.rng = rng
    world = _WORK["world"]
    names = _WORK["names"]
    contact_org = _WORK["contact_org"]
    contact_name = _WORK["contact_name"]
    org_assets = _WORK["org_assets"]
    prefix = _WORK["prefix"]
    writer = Writer(threaded=False)
    cloner = Cloner(writer, bases)
    for start, index, contact in part:
        template = _WORK["templates"][index]
        org = contact_org[contact]
        attrs = template.attrs
        first_tpl, second_tpl, specialist_tpl = template.users
        one, two = rng.sample(world.members[world.team_of[first_tpl]], 2)
        specialist = rng.choice(world.members[attrs["tier2"]])
        user_map = {first_tpl: one, second_tpl: two, specialist_tpl: specialist}
        people = {
            "user": user_map,
            "organization": {attrs["organization"]: org},
            "contact": {attrs["contact"]: contact},
            "asset": {attrs["asset"]: rng.choice(org_assets[org])},
        }
        case_number = f"{prefix}-{cloner.peek('cases_case')}"

        def case_text(
            key: str, case_number: str = case_number, user_map: dict[int, int] = user_map
        ) -> str:
            body = key[2:-2]
            if body == "subject":
                return pool.subject()
            if body == "number":
                return case_number
            if body.startswith("u"):
                pk = int(body[1:].removesuffix("id").removesuffix("name"))
                new = user_map[pk]
                return str(new) if body.endswith("id") else names[new]
            return pool.paragraph()

        text = Text(case_text)
        text[attrs["contact_name"]] = contact_name[contact]
        cloner.clone(Clone(template, start, people, text))
    writer.finish()
    return writer.written, writer.seconds, len(part)


def _drop_indexes(tables: list[str]) -> list[str]:
    """On PostgreSQL, the plain indexes of the case tables (not primary keys, not those behind
    a constraint), dropped for the bulk load and made again afterwards, as a restore does: one
    sorted build is far cheaper than millions of inserts into each. Returns their definitions."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE c.relname = ANY(%s) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """,
            [tables],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in found]


def _create_indexes(definitions: list[str]) -> None:
    from django.db import connection

    if not definitions:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in definitions:
            cursor.execute(definition)


def _set_sequences(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                highest = f"SELECT max(id) FROM {table}"  # noqa: S608 - our own table names
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({highest}))", [table]
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--per-team", type=int, default=8, help="template cases of each kind per team"
    )
    parser.add_argument("--database-url")
    parser.add_argument("--manifest", type=Path)
    parser.add_argument(
        "--verify", action="store_true", help="check the loaded desk afterwards (see verify.py)"
    )
    parser.add_argument("--make-templates", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _setup(args.database_url)
    if args.make_templates:
        make_templates(args.make_templates, args.seed, args.per_team)
        return
    summary = generate(args.cases, args.seed, per_team=args.per_team)
    if args.verify:
        from bench.dataset.verify import verify

        started = time.monotonic()
        summary["verify"] = verify(summary["sample_phones"][0])
        summary["seconds"]["verify"] = round(time.monotonic() - started, 1)
    text = json.dumps(summary, indent=2)
    if args.manifest:
        args.manifest.parent.mkdir(parents=True, exist_ok=True)
        args.manifest.write_text(text)
    brief = {k: v for k, v in summary.items() if k not in {"sample_phones", "agents_by_team"}}
    print(json.dumps(brief))


if __name__ == "__main__":
    main()
