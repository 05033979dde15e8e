"""Benchmark at scale: the pages, the API, search, caller lookup and the two hot writes, through
gunicorn on a desk of realistic shape, beside the raw SQL each read rests on and beside
django-helpdesk 2.6.1 loaded with as many tickets.

    python -m bench.scale --profile quick  # 20,000 cases, PostgreSQL and SQLite: make bench-quick
    python -m bench.scale --profile full   # 100,000 on both, 1,000,000 on PostgreSQL: make bench

Desks are made by bench.generate and kept under var/bench/ (and as PostgreSQL databases named
ftbench_<vendor>_<cases>) so a second run measures again without loading again (--fresh loads
anew). Results: bench/results/scale.md and scale.png. See bench/README.md for what each
measure is.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from bench.helpdesk.side import HelpdeskSide, Request, fetch

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# The bench server's own production settings: a throwaway secret for a throwaway desk.
BENCH_SECRET = "bench-only-secret-" + "x" * 48
SEARCH_WORDS = ["firmware", "reinstall", "licence", "router", "printer", "antivirus", "vpn",
                "certificate", "uninstall", "contoso", "overheats", "blank pages"]  # fmt: skip
CONCURRENT_AGENTS = 20
MIN_SAMPLES = 30
OPEN_CLIENTS = 4


@dataclass(frozen=True)
class Size:
    vendor: str  # "postgresql" or "sqlite"
    cases: int
    helpdesk: bool

    @property
    def name(self) -> str:
        return f"ftbench_{'pg' if self.vendor == 'postgresql' else 'sqlite'}_{self.cases}"


@dataclass(frozen=True)
class Profile:
    sizes: list[Size]
    samples: int  # per read measure
    opens: int  # cases opened through the API, in all
    claims: int  # "take next" claims per agent


PROFILES = {
    "quick": Profile(
        [Size("postgresql", 20_000, True), Size("sqlite", 20_000, False)],
        samples=100,
        opens=400,
        claims=2,
    ),
    "full": Profile(
        [
            Size("sqlite", 100_000, False),
            Size("postgresql", 100_000, True),
            Size("postgresql", 1_000_000, True),
        ],
        samples=400,
        opens=2000,
        claims=5,
    ),
}


# --- Timing ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
    }


def timed(base_url: str, sample: list[Request]) -> tuple[float, float | None]:
    """Send a sample's requests in turn; the client time and the server time (Server-Timing,
    when the server sends it) summed over them, in milliseconds."""
    client = 0.0
    server: float | None = None
    for request in sample:
        started = time.perf_counter()
        response = fetch(base_url, request)
        client += (time.perf_counter() - started) * 1000
        if response.status >= 400:
            raise RuntimeError(
                f"{request.method} {request.path} answered {response.status}: "
                f"{response.body[:300]!r}"
            )
        timing = response.headers.get("Server-Timing", "")
        if "dur=" in timing:
            server = (server or 0.0) + float(timing.split("dur=")[1].split(";")[0])
    return client, server


def measure(
    base_url: str, samples: list[list[Request]], warmup: int = 5, budget: float = 120.0
) -> dict[str, Any]:
    """Every sample in turn, or as many as `budget` seconds allow once MIN_SAMPLES are in (a
    read that takes seconds, as django-helpdesk's search does at a million tickets)."""
    for sample in samples[:warmup]:
        timed(base_url, sample)
    client, server = [], []
    started = time.monotonic()
    for sample in samples:
        if len(client) >= MIN_SAMPLES and time.monotonic() - started > budget:
            break
        c, s = timed(base_url, sample)
        client.append(c)
        if s is not None:
            server.append(s)
    return {"client": summary(client), "server": summary(server) if server else None}


# --- Our side: run inside a process set up for one desk ---------------------------------------


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "followthrough.settings",
        "FOLLOWTHROUGH_ENV": "production",
        "SECRET_KEY": BENCH_SECRET,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "FOLLOWTHROUGH_VAR_DIR": str(var_dir),
        "FOLLOWTHROUGH_SSL_REDIRECT": "false",
        "FOLLOWTHROUGH_SERVER_TIMING": "true",
        # Every API call still counts against its token in the database; the limit is only
        # raised so that the load itself is not refused.
        "FOLLOWTHROUGH_API_RATE_LIMIT": "100000000",
        "LOG_LEVEL": "WARNING",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own server
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "followthrough.wsgi:application",
                "--workers", str(workers),
                "--bind", f"127.0.0.1:{port}",
                "--timeout", "600",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(base, Request("GET", "/sign-in/", headers={"Host": "127.0.0.1"}), timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class Desk:
    """What the measures need from the desk, read once through the ORM."""

    def __init__(self, manifest: dict[str, Any], rng: random.Random) -> None:
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        from followthrough.accounts.capabilities import ROLE_CAPABILITIES, Role
        from followthrough.accounts.models import Team, TierLevel, User
        from followthrough.accounts.services import api_token_create
        from followthrough.cases.models import Case

        self.rng = rng
        self.teams = list(Team.objects.filter(tier=TierLevel.TIER_1).order_by("pk"))
        members = manifest["agents_by_team"]
        self.agents = {t.pk: [int(a) for a in members[str(t.pk)]] for t in self.teams}
        ids = Case.objects.values_list("pk", flat=True)
        self.case_ids = (ids.order_by("pk").first() or 0, ids.order_by("-pk").first() or 0)
        self.phones = manifest["sample_phones"]
        users = {
            u.pk: u
            for u in User.objects.filter(pk__in=[a for v in self.agents.values() for a in v])
        }
        self.cookies: list[str] = []
        for team in self.teams:
            for agent in self.agents[team.pk][:3]:
                store = SessionStore()
                user = users[agent]
                store[SESSION_KEY] = str(user.pk)
                store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                store[HASH_SESSION_KEY] = user.get_session_auth_hash()
                store.create()
                self.cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
        self.tokens: dict[int, str] = {}
        for agent in {a for v in self.agents.values() for a in v[:CONCURRENT_AGENTS]}:
            user = users[agent]
            scopes = sorted(c.value for c in ROLE_CAPABILITIES[Role(user.role)])
            _, secret = api_token_create(actor=user, user=user, name="bench", scopes=scopes)
            self.tokens[agent] = secret

    def page(self, path: str) -> Request:
        """A GET as one of the signed-in agents (each of a Tier 1 team), chosen at random."""
        cookie = self.rng.choice(self.cookies)
        return Request("GET", path, headers={"Host": "127.0.0.1", "Cookie": cookie})

    def api(self, method: str, path: str, body: Any = None, agent: int | None = None) -> Request:
        if agent is None:
            agent = self.rng.choice(list(self.tokens))
        headers = {
            "Host": "127.0.0.1",
            "Authorization": f"Bearer {self.tokens[agent]}",
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return Request(method, path, data, headers)

    def case_id(self) -> int:
        low, high = self.case_ids
        return self.rng.randint(low, high)


def read_samples(desk: Desk, count: int) -> dict[str, list[list[Request]]]:
    rng = desk.rng
    samples: dict[str, list[list[Request]]] = {k: [] for k in READS}
    for _ in range(count):
        samples["team_queue_page"].append([desk.page("/?queue=team")])
        team = rng.choice(desk.teams).pk
        samples["team_queue_api"].append(
            [desk.api("GET", f"/api/v1/cases?team={team}&status=open")]
        )
        samples["my_cases_page"].append([desk.page("/?queue=mine")])
        samples["case_page"].append([desk.page(f"/cases/{desk.case_id()}/")])
        phone = rng.choice(desk.phones)
        samples["lookup_phone_page"].append([desk.page(f"/calls/new/?q={quote(phone)}")])
        samples["lookup_phone_api"].append(
            [desk.api("GET", f"/api/v1/customers/lookup?q={quote(phone)}")]
        )
        word = rng.choice(SEARCH_WORDS)
        samples["search_page"].append([desk.page(f"/search/?q={quote(word)}")])
    return samples


READS = [
    "team_queue_page",
    "team_queue_api",
    "my_cases_page",
    "case_page",
    "lookup_phone_page",
    "lookup_phone_api",
    "search_page",
]


def floors(desk: Desk, count: int) -> dict[str, dict[str, float]]:
    """The rows each read shows, fetched with one plain SQL query each on the same database:
    the floor our pages are compared with."""
    from django.db import connection

    from followthrough.cases.states import OPEN_STATUSES
    from followthrough.core.search.query import parse_query

    rng = desk.rng
    statuses = sorted(OPEN_STATUSES)
    marks = ", ".join(["%s"] * len(statuses))
    queue_sql = (
        f"SELECT * FROM cases_case WHERE team_id = %s AND status IN ({marks}) "  # noqa: S608
        "ORDER BY nearest_due, id LIMIT 50"
    )
    mine_sql = (
        f"SELECT * FROM cases_case WHERE owner_id = %s AND status IN ({marks}) "  # noqa: S608
        "ORDER BY nearest_due, id LIMIT 50"
    )
    case_sql = (
        "SELECT * FROM cases_case c LEFT JOIN cases_caseevent e ON e.case_id = c.id "
        "WHERE c.id = %s ORDER BY e.created_at, e.id LIMIT 50"
    )
    lookup_sql = (
        "SELECT c.*, o.name FROM customers_contactphone p "
        "JOIN customers_contact c ON c.id = p.contact_id "
        "JOIN customers_organization o ON o.id = c.organization_id WHERE p.number = %s"
    )
    if connection.vendor == "postgresql":
        search_sql = (
            "SELECT id, title FROM core_searchdocument "
            "WHERE search_vector @@ websearch_to_tsquery('followthrough', %s) "
            "ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery('followthrough', %s)) DESC "
            "LIMIT 20"
        )
    else:
        search_sql = (
            "SELECT rowid FROM core_searchdocument_fts WHERE core_searchdocument_fts MATCH %s "
            "ORDER BY rank LIMIT 20"
        )

    def search_params(word: str) -> list[str]:
        if connection.vendor == "postgresql":
            return [word, word]
        return [" ".join(f'"{w}"' for w in parse_query(word).words)]

    owners = [a for v in desk.agents.values() for a in v]
    plans = {
        "team_queue_page": lambda: (queue_sql, [rng.choice(desk.teams).pk, *statuses]),
        "my_cases_page": lambda: (mine_sql, [rng.choice(owners), *statuses]),
        "case_page": lambda: (case_sql, [desk.case_id()]),
        "lookup_phone_page": lambda: (lookup_sql, [rng.choice(desk.phones)]),
        "search_page": lambda: (search_sql, search_params(rng.choice(SEARCH_WORDS))),
    }
    result = {}
    with connection.cursor() as cursor:
        for name, plan in plans.items():
            times = []
            for n in range(count + 5):
                sql, params = plan()
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                if n >= 5:
                    times.append((time.perf_counter() - started) * 1000)
            result[name] = summary(times)
    result["team_queue_api"] = result["team_queue_page"]
    result["lookup_phone_api"] = result["lookup_phone_page"]
    return result


def run_together(threads: list[threading.Thread]) -> float:
    """Start the clients at once and wait for them all; the seconds it took."""
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def open_cases(desk: Desk, base_url: str, count: int) -> dict[str, Any]:
    """Cases opened through the API by OPEN_CLIENTS clients at once against one process."""
    from followthrough.customers.models import Contact

    contacts = list(Contact.objects.order_by("?").values_list("pk", "organization_id")[:200])
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    rng = random.Random(7)  # noqa: S311
    requests = []
    for n in range(count):
        team = rng.choice(desk.teams).pk
        contact, org = rng.choice(contacts)
        body = {
            "subject": f"Router drops the line every evening ({n})",
            "channel": "phone",
            "description": "The customer's router loses sync at about 19:00 every day.",
            "next_step": "Call back after the line test",
            "next_step_due": due,
            "team_id": team,
            "contact_id": contact,
            "organization_id": org,
        }
        requests.append(desk.api("POST", "/api/v1/cases", body, agent=desk.agents[team][0]))
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(part: list[Request]) -> None:
        for request in part:
            started = time.perf_counter()
            response = fetch(base_url, request)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 201:
                    errors.append(f"{response.status} {response.body[:200]!r}")

    for request in requests[:10]:  # warm-up, not counted
        fetch(base_url, request)
    parts = [requests[10 + i :: OPEN_CLIENTS] for i in range(OPEN_CLIENTS)]
    wall = run_together([threading.Thread(target=client, args=(p,)) for p in parts])
    if errors:
        raise RuntimeError(f"case open failed {len(errors)} times, first: {errors[0]}")
    return {"rate": round(len(latencies) / wall, 1), "latency": summary(latencies)}


def take_next(desk: Desk, base_url: str, claims: int) -> dict[str, Any]:
    """CONCURRENT_AGENTS agents of one team press "take next" at once, `claims` times each."""
    team = max(desk.teams, key=lambda t: len(desk.agents[t.pk])).pk
    agents = [a for a in desk.agents[team][:CONCURRENT_AGENTS] if a in desk.tokens]
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(agents))

    def agent(pk: int) -> None:
        barrier.wait()
        for _ in range(claims):
            request = desk.api("POST", "/api/v1/cases/take-next", {"team_id": team}, agent=pk)
            started = time.perf_counter()
            response = fetch(base_url, request)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status == 200:
                    outcomes["claimed"] = outcomes.get("claimed", 0) + 1
                    claimed.append(json.loads(response.body)["id"])
                else:
                    code = json.loads(response.body).get("code", str(response.status))
                    outcomes[code] = outcomes.get(code, 0) + 1

    wall = run_together([threading.Thread(target=agent, args=(pk,)) for pk in agents])
    return {
        "agents": len(agents),
        "latency": summary(latencies),
        "outcomes": outcomes,
        "distinct_cases": len(set(claimed)),
        "claims_per_second": round(len(latencies) / wall, 1),
    }


def run_measures(args: argparse.Namespace) -> None:
    """In a process set up for one desk (see server_env): every measure of our side."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    manifest = json.loads(Path(args.manifest).read_text())
    rng = random.Random(args.seed)  # noqa: S311 - sample choices
    call_command("migrate", verbosity=0)  # a desk kept from an earlier run may lag behind
    call_command("collectstatic", verbosity=0, interactive=False)
    desk = Desk(manifest, rng)
    env = dict(os.environ)
    log = Path(args.out).with_suffix(".log")
    result: dict[str, Any] = {"database": connection.vendor, "reads": {}}
    samples = read_samples(desk, args.samples)
    with gunicorn(env, workers=2, log=log) as base:
        for name in READS:
            result["reads"][name] = measure(base, samples[name])
        result["take_next"] = take_next(desk, base, args.claims)
    result["floors"] = floors(desk, args.samples)
    with gunicorn(env, workers=1, log=log) as base:
        result["case_open_api"] = open_cases(desk, base, args.opens)
    Path(args.out).write_text(json.dumps(result, indent=2))


# --- django-helpdesk --------------------------------------------------------------------------


def helpdesk_measures(size: Size, samples: int, pg_url: str) -> dict[str, Any]:
    database = f"helpdesk_bench_{size.cases}"
    url = _database_url(pg_url, database)
    side = HelpdeskSide(WORK / "helpdesk", url)
    side.install()
    loaded = _helpdesk_loaded(side, size.cases)
    if not loaded:
        _recreate_pg(pg_url, database)
        side.load(size.cases)
    with side.serve(free_port()) as base:
        headers = side.login(base)
        side.check(base, headers)
        sets = side.samples(base, headers, samples)
        result = {}
        for name in ("ticket_list", "ticket_page", "search"):
            result[name] = measure(base, sets[name])
        creates = sets["ticket_create_api"]
        started = time.perf_counter()
        stat = measure(base, creates, warmup=0)
        result["ticket_create_api"] = {
            **stat,
            "rate": round(len(creates) / (time.perf_counter() - started), 1),
        }
    return result


def _helpdesk_loaded(side: HelpdeskSide, tickets: int) -> bool:
    try:
        info = side._info()
    except Exception:
        return False
    return int(info.get("tickets", -1)) == tickets


# --- Orchestration ------------------------------------------------------------------------------


def _database_url(pg_url: str, database: str) -> str:
    parts = urlsplit(pg_url)
    return parts._replace(path=f"/{database}").geturl()


def _pg_version(pg_url: str) -> str:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute("SELECT version()").fetchone()
    return str(row[0]).split(" on ")[0] if row else "?"


def _recreate_pg(pg_url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def _pg_exists(pg_url: str, database: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return row is not None


def desk_for(size: Size, pg_url: str, fresh: bool) -> tuple[str, Path, dict[str, Any]]:
    """The desk of this size, loaded now unless an earlier run left it."""
    WORK.mkdir(parents=True, exist_ok=True)
    manifest = WORK / f"{size.name}.json"
    if size.vendor == "postgresql":
        url = _database_url(pg_url, size.name)
        present = _pg_exists(pg_url, size.name)
    else:
        path = WORK / f"{size.name}.sqlite3"
        url = f"sqlite:///{path}"
        present = path.exists()
    if present and manifest.exists() and not fresh:
        return url, manifest, json.loads(manifest.read_text())
    if size.vendor == "postgresql":
        _recreate_pg(pg_url, size.name)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / size.name}.sqlite3{suffix}").unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)
    print(f"Loading {size.cases:,} cases into {size.vendor} ({size.name})…", flush=True)
    subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.generate", "--cases", str(size.cases),
         "--database-url", url, "--manifest", str(manifest)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "FOLLOWTHROUGH_VAR_DIR": str(WORK / "run")},
    )  # fmt: skip
    return url, manifest, json.loads(manifest.read_text())


def machine(pg_url: str) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "Python": platform.python_version(),
        "PostgreSQL": _pg_version(pg_url),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at start (1, 5, 15 min)": load,
    }


def _memory() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return "?"


def orchestrate(args: argparse.Namespace) -> None:
    profile = PROFILES[args.profile]
    info = machine(args.pg_url)
    started = time.monotonic()
    runs: list[dict[str, Any]] = []
    for size in profile.sizes:
        url, manifest_path, manifest = desk_for(size, args.pg_url, args.fresh)
        out = WORK / f"{size.name}.result.json"
        print(f"Measuring {size.name}…", flush=True)
        subprocess.run(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.scale", "--measure", "--manifest", str(manifest_path),
             "--out", str(out), "--samples", str(profile.samples), "--opens", str(profile.opens),
             "--claims", str(profile.claims)],
            check=True,
            cwd=ROOT,
            env=server_env(url, WORK / "run"),
        )  # fmt: skip
        ours = json.loads(out.read_text())
        run: dict[str, Any] = {"size": size.__dict__, "load": manifest, "ours": ours}
        if size.helpdesk and not args.no_helpdesk:
            print(f"Measuring django-helpdesk at {size.cases:,} tickets…", flush=True)
            run["helpdesk"] = helpdesk_measures(size, profile.samples, args.pg_url)
        runs.append(run)
    elapsed = time.monotonic() - started
    from bench.scale_report import write_report

    write_report(args.profile, info, runs, elapsed, RESULTS)
    print(f"Wrote {RESULTS / 'scale.md'} and {RESULTS / 'scale.png'} in {elapsed / 60:.1f} min")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--pg-url", default=PG_URL, help="a PostgreSQL server to make desks on")
    parser.add_argument("--fresh", action="store_true", help="load the desks anew")
    parser.add_argument("--no-helpdesk", action="store_true", help="measure our side only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--opens", type=int, default=400, help=argparse.SUPPRESS)
    parser.add_argument("--claims", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        run_measures(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
