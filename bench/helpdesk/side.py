"""The django-helpdesk 2.6.1 side of the help desk benchmark, driven from Followthrough's venv.

Standard library only: it builds helpdesk's own virtual environment from requirements.txt,
loads a database with load.py, serves it with gunicorn, signs in through the login form and
lists the HTTP requests that make up each measure. See README.md beside it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
BENCH_USERNAME = "bench"
BENCH_PASSWORD = "bench-password"  # noqa: S105 - the bench's own throwaway login (load.py)

MEASURES = ("ticket_list", "ticket_page", "search", "ticket_create_api")
OPEN_STATUSES = [1, 2]  # helpdesk's Open and Reopened
HEADER_SEARCH_STATUSES = [1, 2, 3]  # what the search box in helpdesk's header submits
PAGE_LENGTH = 25  # helpdesk's default tickets_per_page, the list's DataTables page length
# The ticket list's DataTables columns (templates/helpdesk/ticket_list.html), in order.
DATATABLES_COLUMNS = (
    "id", "ticket", "priority", "queue", "status", "created", "due_date", "assigned_to",
    "submitter", "last_followup", "time_spent", "kbitem",
)  # fmt: skip
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
XHR_ACCEPT = "application/json, text/javascript, */*; q=0.01"
COMMON_WORDS = "the a and or to of in on for with after since is was not still again".split()  # noqa: SIM905 - words
TIMEOUT = 300.0


@dataclass(frozen=True)
class Request:
    """One HTTP request of a sample; `headers` are complete (session cookie included)."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


class HelpdeskError(RuntimeError):
    """The helpdesk side could not be installed, loaded, served or answered wrongly."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def fetch(base_url: str, request: Request, timeout: float = TIMEOUT) -> Response:
    """Send one request on a fresh connection and read the whole answer."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def query_to_base64(query: dict[str, object]) -> str:
    """helpdesk.query.query_to_base64: how the list page names its query to the JSON call."""
    return base64.b64encode(json.dumps(query).encode("utf-8")).decode("ascii")


def list_query(filtering: dict[str, list[int]], search: str = "") -> dict[str, object]:
    """The query_params that helpdesk's ticket_list view builds from filter GET parameters."""
    return {
        "filtering": filtering,
        "filtering_null": {},
        "sorting": "created",  # no sort parameter: the view falls back to "created"
        "sortreverse": None,
        "search_string": search,
    }


def datatables_path(query: dict[str, object], draw: int, stamp: int) -> str:
    """The first-page request DataTables makes for the ticket list (serverSide, order: [])."""
    params: list[tuple[str, str]] = [("draw", str(draw))]
    for index, name in enumerate(DATATABLES_COLUMNS):
        params += [
            (f"columns[{index}][data]", name),
            (f"columns[{index}][name]", ""),
            (f"columns[{index}][searchable]", "true"),
            (f"columns[{index}][orderable]", "false" if name == "id" else "true"),
            (f"columns[{index}][search][value]", ""),
            (f"columns[{index}][search][regex]", "false"),
        ]
    params += [
        ("start", "0"),
        ("length", str(PAGE_LENGTH)),
        ("search[value]", ""),
        ("search[regex]", "false"),
        ("_", str(stamp)),  # DataTables asks jQuery-style for no caching
    ]
    return f"/datatables_ticket_list/{query_to_base64(query)}?{urlencode(params)}"


class HelpdeskSide:
    """django-helpdesk 2.6.1 in its own venv under `workdir`, on the database at `database_url`."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.workdir = Path(workdir).resolve()
        self.database_url = database_url
        self.venv_dir = self.workdir / "venv"
        self.python = self.venv_dir / "bin" / "python"
        self.stamp = self.venv_dir / ".requirements-sha256"
        database_key = hashlib.sha256(database_url.encode()).hexdigest()
        self.database_key = database_key
        self.info_path = self.workdir / f"loaded-{database_key[:12]}.json"

    # -- environment -----------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DATABASE_URL"}
        }
        env.update(
            HELPDESK_BENCH_DATABASE_URL=self.database_url,
            HELPDESK_BENCH_RUNTIME_DIR=str(self.workdir),
            DJANGO_SETTINGS_MODULE="project.settings",
            PATH=f"{self.venv_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        )
        return env

    def install(self) -> None:
        """Create workdir/venv and install requirements.txt with hashes; skip if up to date."""
        wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
        if self.python.exists() and self.stamp.exists() and self.stamp.read_text() == wanted:
            return
        if sys.version_info[:2] != (3, 11):
            raise HelpdeskError("requirements.txt is locked for Python 3.11")
        if self.venv_dir.exists():
            shutil.rmtree(self.venv_dir)  # stale or half-built: start clean
        self.workdir.mkdir(parents=True, exist_ok=True)
        venv.EnvBuilder(with_pip=True).create(self.venv_dir)
        command = [
            str(self.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--require-hashes", "-r", str(REQUIREMENTS),
        ]  # fmt: skip
        result = subprocess.run(command, env=self._env(), check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            raise HelpdeskError(f"pip install of {REQUIREMENTS} failed ({result.returncode})")
        self.stamp.write_text(wanted)

    def load(self, tickets: int, seed: int = 1) -> dict[str, object]:
        """Migrate and load `tickets` tickets (replacing any); returns load.py's summary."""
        self.install()
        command = [
            str(self.python), str(HERE / "load.py"), "--tickets", str(tickets),
            "--seed", str(seed), "--info", str(self.info_path),
        ]  # fmt: skip
        result = subprocess.run(  # noqa: S603 - fixed argv
            command, env=self._env(), cwd=HERE, stdout=subprocess.PIPE, text=True, check=False
        )
        if result.returncode != 0:
            raise HelpdeskError(f"load.py failed ({result.returncode}): {result.stdout[-2000:]}")
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        summary: dict[str, object] = json.loads(lines[-1])
        return summary

    # -- serving ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def serve(self, port: int, workers: int = 2) -> Iterator[str]:
        """gunicorn on 127.0.0.1:port; yields the base URL once it answers, stops it on exit."""
        self.install()
        log_path = self.workdir / f"gunicorn-{port}.log"
        command = [
            str(self.venv_dir / "bin" / "gunicorn"), "project.wsgi:application",
            "--chdir", str(HERE), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            # helpdesk's keyword search scans every ticket: let a slow answer finish.
            "--timeout", "600", "--log-level", "warning",
        ]  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argv
                command, env=self._env(), cwd=HERE, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                self._wait_until_up(process, base_url, log_path, workers)
                yield base_url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def _wait_until_up(
        self, process: subprocess.Popen[bytes], base_url: str, log_path: Path, workers: int
    ) -> None:
        deadline = time.monotonic() + 60
        answered = 0
        # A few answers, so that every worker has imported Django, not just the first one.
        while answered < 2 * workers:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise HelpdeskError(f"gunicorn exited ({process.returncode}):\n{tail}")
            if time.monotonic() > deadline:
                raise HelpdeskError(f"gunicorn did not answer on {base_url} within 60 s")
            try:
                response = fetch(base_url, Request("GET", "/login/"), timeout=5)
            except OSError:
                time.sleep(0.2)
                continue
            if response.status >= 500:
                raise HelpdeskError(f"GET /login/ -> {response.status}: {response.body[:500]!r}")
            answered += 1

    # -- requests --------------------------------------------------------------------------

    def login(self, base_url: str) -> dict[str, str]:
        """Sign in as `bench` through helpdesk's login form; returns the headers to send."""
        form = fetch(base_url, Request("GET", "/login/", headers={"Accept": HTML_ACCEPT}))
        if form.status != 200:
            raise HelpdeskError(f"GET /login/ -> {form.status}: {form.body[:500]!r}")
        cookies = _cookies(form)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if match is None or "csrftoken" not in cookies:
            raise HelpdeskError("the login form carries no CSRF token")
        body = urlencode(
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": BENCH_USERNAME,
                "password": BENCH_PASSWORD,
                "next": "/tickets/",
            }
        ).encode()
        answer = fetch(
            base_url,
            Request(
                "POST",
                "/login/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": _cookie_header(cookies),
                    "Accept": HTML_ACCEPT,
                },
            ),
        )
        cookies.update(_cookies(answer))
        if answer.status != 302 or "sessionid" not in cookies:
            raise HelpdeskError(f"login refused: {answer.status}: {answer.body[:500]!r}")
        return {"Cookie": _cookie_header(cookies)}

    def _info(self) -> dict[str, Any]:
        if not self.info_path.exists():
            raise HelpdeskError(f"{self.info_path} is missing: load() this database first")
        info: dict[str, Any] = json.loads(self.info_path.read_text())
        if info.get("database") != self.database_key:
            raise HelpdeskError(f"{self.info_path} describes another database")
        return info

    def samples(
        self, base_url: str, headers: dict[str, str], count: int, seed: int = 1
    ) -> dict[str, list[list[Request]]]:
        """For each measure, `count` samples: the requests a browser or client makes for it.

        `base_url` is not contacted: everything comes from what load.py recorded.
        """
        del base_url  # same requests whichever port serves them
        info = self._info()
        rng = random.Random(seed)  # noqa: S311 - picks test data, not secrets
        queues = [int(queue["id"]) for queue in info["queues"]]
        words = [str(word) for word in info["search_words"]]
        first, last = int(info["first_ticket_id"]), int(info["last_ticket_id"])
        csrf = SimpleCookie(headers.get("Cookie", ""))
        page_headers = {**headers, "Accept": HTML_ACCEPT}
        xhr_headers = {**headers, "Accept": XHR_ACCEPT, "X-Requested-With": "XMLHttpRequest"}
        api_headers = {
            **headers,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": csrf["csrftoken"].value if "csrftoken" in csrf else "",
        }
        stamp = 1_765_000_000_000  # the `_` DataTables adds: a millisecond clock

        result: dict[str, list[list[Request]]] = {measure: [] for measure in MEASURES}
        for index in range(count):
            stamp += 1
            queue = rng.choice(queues)
            filtered = list_query({"queue__id__in": [queue], "status__in": OPEN_STATUSES})
            # As the reports page links a queue's open tickets: ?queue=<id>&status=1&status=2
            list_params = [("queue", str(queue)), *(("status", str(s)) for s in OPEN_STATUSES)]
            result["ticket_list"].append(
                [
                    Request("GET", f"/tickets/?{urlencode(list_params)}", headers=page_headers),
                    Request("GET", datatables_path(filtered, 1, stamp), headers=xhr_headers),
                ]
            )

            # Evenly spread over the loaded ids: one random id in each count-th of the range.
            ticket_id = first + int((index + rng.random()) * (last - first + 1) / count)
            result["ticket_page"].append(
                [Request("GET", f"/tickets/{min(ticket_id, last)}/", headers=page_headers)]
            )

            word = rng.choice(words)
            searched = list_query({"status__in": HEADER_SEARCH_STATUSES}, search=word)
            search_params = [
                ("q", word),
                *(("status", str(s)) for s in HEADER_SEARCH_STATUSES),
                ("search_type", "header"),
            ]
            result["search"].append(
                [
                    Request("GET", f"/tickets/?{urlencode(search_params)}", headers=page_headers),
                    Request("GET", datatables_path(searched, 1, stamp), headers=xhr_headers),
                ]
            )

            body = {
                "queue": rng.choice(queues),
                "title": _text(rng, words, rng.randint(5, 20)).capitalize(),
                "description": "\n\n".join(
                    _text(rng, words, rng.randint(20, 60)).capitalize() + "."
                    for _ in range(rng.randint(1, 3))
                ),
                "submitter_email": f"api.caller{rng.randrange(1000)}@northwind.example",
                "priority": 3,
            }
            result["ticket_create_api"].append(
                [Request("POST", "/api/tickets/", json.dumps(body).encode(), api_headers)]
            )
        return result

    def check(self, base_url: str, headers: dict[str, str]) -> None:
        """Issue one sample of each measure; raise unless every answer is 2xx and well-formed.

        The ticket_create_api sample really creates a ticket.
        """
        for measure, samples in self.samples(base_url, headers, count=1, seed=0).items():
            for request in samples[0]:
                response = fetch(base_url, request)
                if not 200 <= response.status < 300:
                    raise HelpdeskError(
                        f"{measure}: {request.method} {request.path[:200]} -> {response.status}: "
                        f"{response.body[:1000].decode(errors='replace')}"
                    )
                if request.path.startswith("/tickets/?"):
                    # The page must ask for the very query that the sample's JSON call names.
                    expected = samples[0][1].path.split("?")[0].encode()
                    if expected not in response.body:
                        raise HelpdeskError(f"{measure}: the page does not load {expected!r}")
                if request.path.startswith("/datatables_ticket_list/"):
                    data = json.loads(response.body)
                    if not isinstance(data.get("data"), list):
                        raise HelpdeskError(f"{measure}: no rows in {response.body[:500]!r}")


def _cookies(response: Response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _text(rng: random.Random, support_words: list[str], count: int) -> str:
    return " ".join(
        rng.choice(support_words if rng.random() < 0.4 else COMMON_WORDS) for _ in range(count)
    )
