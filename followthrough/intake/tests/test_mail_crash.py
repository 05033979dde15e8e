"""Crash safety of email intake: messages in a real Dovecot INBOX are fetched and processed
by `followthrough worker` processes that are SIGKILLed at random moments, again and again, until
nothing is left. Every delivery must end as exactly one row, and every message exactly once —
on one case, quarantined or ignored — with none lost and none stored or processed twice
(DESIGN.md §2, invariant 9). A copy of a message resent with other headers is a row of its
own, ignored as a duplicate of the first copy; the same bytes delivered twice are one row.

`make test` delivers 500 messages (every kind below, about half of them new cases);
`make test-crash` delivers 1,000 on SQLite and again on PostgreSQL
(FOLLOWTHROUGH_CRASH_DELIVERIES sets the number; at least 400, so every kind fits).

The workers run as real processes against this test's own database (the SQLite file, or the
PostgreSQL test database). The kill moment is drawn once the workers have started: Django's
start-up takes about a second, so a moment counted from launch would mostly hit imports.
Between two crashes the test lets the sweep's grace period pass for the messages only the sweep
can recover (their task was killed, or never enqueued), so the sweep runs under the kills too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from followthrough.accounts.models import Team
from followthrough.cases.models import Case, Interaction
from followthrough.cases.services import case_open
from followthrough.cases.states import Channel
from followthrough.intake.errors import IntakeError
from followthrough.intake.mail.tokens import reply_address, subject_tag
from followthrough.intake.models import (
    CaseMailParticipant,
    InboundAttachment,
    InboundMessage,
    InboundState,
    Mailbox,
    OutboundMessage,
)
from followthrough.intake.services.mail_threading import token_key
from followthrough.intake.services.mailboxes import WAITING_GRACE
from followthrough.intake.tasks import inbound_message_process_task, mail_poll_task
from followthrough.intake.tests import mailservers
from followthrough.intake.tests.mail_samples import PNG, WORDS
from followthrough.intake.tests.mailservers import ImapServer

dovecot = mailservers.dovecot
imap_account = mailservers.imap_account

SEED = int(os.environ.get("FOLLOWTHROUGH_CRASH_SEED", "20250917"))
DELIVERIES = int(os.environ.get("FOLLOWTHROUGH_CRASH_DELIVERIES", "500"))
SENDERS = 300
PREMADE_CASES = 20
SUPPORT = "help@desk.test"
# Limits the workers run with, small enough that a few test messages break them.
MAX_BYTES = 256 * 1024
MAX_ATTACHMENT_BYTES = 128 * 1024
KILL_AFTER = (0.05, 1.5)  # seconds after all workers started
MAX_CYCLES = 400  # a busy machine needs more kills (fewer messages done per worker life)
START_TIMEOUT = 30.0
# Backdating a waiting message by this much makes it due for the sweep, as time passing would.
PAST_GRACE = 2 * WAITING_GRACE
SEQ_HEADER = re.compile(rb"X-Crash-Seq: (\d+)")


class Kind(enum.StrEnum):
    NEW = "new"  # a customer's first message: opens a case
    TAG_REPLY = "tag_reply"  # onto a case made before, by its signed tag (subject or +address)
    THREAD_REPLY = "thread_reply"  # In-Reply-To an earlier message of this batch
    AUTOMATIC = "automatic"  # auto-replies, bulk, lists, bounces: ignored
    NO_SENDER = "no_sender"
    UNPARSEABLE = "unparseable"
    TOO_DEEP = "too_deep"
    OVERSIZED = "oversized"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"


QUARANTINE_CODES = {
    Kind.NO_SENDER: IntakeError.MAIL_NO_SENDER,
    Kind.UNPARSEABLE: IntakeError.MAIL_UNPARSEABLE,
    Kind.TOO_DEEP: IntakeError.MAIL_TOO_DEEP,
    Kind.OVERSIZED: IntakeError.MAIL_OVERSIZED,
    Kind.ATTACHMENT_TOO_LARGE: IntakeError.MAIL_ATTACHMENT_TOO_LARGE,
}
# Messages per kind besides NEW, which fills the rest; 30 of them are delivered twice.
COUNTS = {
    Kind.TAG_REPLY: 120,
    Kind.THREAD_REPLY: 120,
    Kind.AUTOMATIC: 60,
    Kind.NO_SENDER: 4,
    Kind.UNPARSEABLE: 3,
    Kind.TOO_DEEP: 2,
    Kind.OVERSIZED: 3,
    Kind.ATTACHMENT_TOO_LARGE: 3,
}
RESENT = 20  # delivered again with an extra Received header: the same Message-ID
EXACT_REPEATS = 10  # delivered again byte for byte (5 of them without a Message-ID)


@dataclass
class Planned:
    seq: int
    kind: Kind
    raw: bytes
    sender: str = ""
    message_id: str = ""
    parent: int | None = None  # THREAD_REPLY: the seq it answers
    case_index: int | None = None  # TAG_REPLY: which premade case
    deliveries: list[bytes] = field(default_factory=list)


# --- The messages ---------------------------------------------------------------------------


def _text(rng: random.Random, size: int) -> str:
    lines, length = [], 0
    while length < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        lines.append(line.capitalize() + ".")
        length += len(line) + 2
    return "\n".join(lines)


def _mail(
    rng: random.Random,
    seq: int,
    *,
    sender: str | None,
    subject: str,
    message_id: str,
    to: str = SUPPORT,
    headers: dict[str, str] | None = None,
    body_size: int | None = None,
    attachment: tuple[str, str, bytes] | None = None,
) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    if sender is not None:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    if message_id:
        message["Message-ID"] = f"<{message_id}>"
    message["X-Crash-Seq"] = str(seq)
    for name, value in (headers or {}).items():
        message[name] = value
    # Mostly short bodies: the test is about crashes, and long ones only make parsing slower.
    size = body_size or (
        rng.randint(5000, 20_000) if rng.random() < 0.05 else rng.randint(200, 3000)
    )
    text = _text(rng, size)
    if rng.random() < 0.2:
        text = "Grüße aus Köln — das Gerät zeigt »Fehler 17«.\n" + text
    message.set_content(text)
    if rng.random() < 0.25:
        message.add_alternative(f"<p>{text[:2000]}</p>", subtype="html")
    if attachment is not None:
        name, ctype, data = attachment
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _small_attachment(rng: random.Random) -> tuple[str, str, bytes] | None:
    roll = rng.random()
    if roll < 0.12:
        return "screenshot.png", "image/png", PNG
    if roll < 0.2:
        rows = "\n".join(f"{i},{rng.choice(WORDS)},{rng.randint(0, 999)}" for i in range(200))
        return "export.csv", "text/csv", rows.encode()
    if roll < 0.25:
        return "tunnel.log", "text/plain", _text(rng, rng.randint(2000, 8000)).encode()
    return None


def _too_deep(seq: int, sender: str, message_id: str) -> bytes:
    head = (
        f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: Nested forwards\r\n"
        f"Message-ID: <{message_id}>\r\nX-Crash-Seq: {seq}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    )
    depth = 40
    opening = "".join(
        f'--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n\r\n'
        for i in range(depth)
    )
    inner = f"--b{depth}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b{depth}--\r\n"
    closing = "".join(f"--b{i}--\r\n" for i in reversed(range(depth)))
    return (head + opening + inner + closing).encode()


def plan_messages(rng: random.Random, cases: list[Case], participants: list[str]) -> list[Planned]:
    senders = [
        f"Customer {i} <customer{i}@org{i % 60}.example>"
        if i % 3
        else f"José Müller {i} <jm{i}@org{i % 60}.example>"
        for i in range(SENDERS)
    ]
    logical = DELIVERIES - RESENT - EXACT_REPEATS
    kinds: list[Kind] = [kind for kind, count in COUNTS.items() for _ in range(count)]
    kinds += [Kind.NEW] * (logical - len(kinds))
    rng.shuffle(kinds)
    # A reply needs something earlier to reply to: replies before the first new message go last.
    first_new = kinds.index(Kind.NEW)
    early: list[Kind] = [k for k in kinds[:first_new] if k == Kind.THREAD_REPLY]
    others: list[Kind] = [k for k in kinds[:first_new] if k != Kind.THREAD_REPLY]
    kinds = others + kinds[first_new:] + early
    key = token_key()
    prefix = settings.CASE_NUMBER_PREFIX
    planned: list[Planned] = []
    threadable: list[Planned] = []
    new_without_id = 0
    automatic_headers = [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.vendor.example>"},
        {"Return-Path": "<>"},
    ]
    for seq, kind in enumerate(kinds):
        sender = rng.choice(senders)
        mid = f"crash.{SEED}.{seq}@{sender.rsplit('@', 1)[1].rstrip('>')}"
        item = Planned(seq=seq, kind=kind, raw=b"", sender=sender, message_id=mid)
        if kind == Kind.NEW:
            if new_without_id < 10 and rng.random() < 0.05:
                item.message_id = ""  # stored by its hash
                new_without_id += 1
            subject = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} problem #{seq}"
            item.raw = _mail(
                rng,
                seq,
                sender=sender,
                subject=subject,
                message_id=item.message_id,
                attachment=_small_attachment(rng),
            )
            if item.message_id:
                threadable.append(item)
        elif kind == Kind.TAG_REPLY:
            index = rng.randrange(len(cases))
            case = cases[index]
            item.sender, item.case_index = participants[index], index
            if rng.random() < 0.3:
                to = reply_address(SUPPORT, prefix, case.pk, key)
                subject = f"Re: {case.subject}"
            else:
                to = SUPPORT
                subject = f"Re: {case.subject} {subject_tag(prefix, case.pk, key)}"
            item.raw = _mail(rng, seq, sender=item.sender, subject=subject, message_id=mid, to=to)
        elif kind == Kind.THREAD_REPLY:
            parent = rng.choice(threadable)
            item.sender, item.parent = parent.sender, parent.seq
            item.raw = _mail(
                rng,
                seq,
                sender=item.sender,
                subject=f"Re: problem #{parent.seq}",
                message_id=mid,
                headers={
                    "In-Reply-To": f"<{parent.message_id}>",
                    "References": f"<{parent.message_id}>",
                },
            )
        elif kind == Kind.AUTOMATIC:
            headers = dict(rng.choice(automatic_headers))
            if rng.random() < 0.2:
                sender, headers = f"MAILER-DAEMON@mx.org{seq % 60}.example", {}
            item.raw = _mail(
                rng,
                seq,
                sender=sender,
                subject="Automatic reply: out of office",
                message_id=mid,
                headers=headers,
                body_size=1000,
            )
        elif kind == Kind.NO_SENDER:
            item.raw = _mail(
                rng,
                seq,
                sender=None if seq % 2 else "undisclosed-recipients:;",
                subject="Who am I",
                message_id=mid,
            )
        elif kind == Kind.UNPARSEABLE:
            # No header lines at all; the seq is in the body so the row can still be named.
            item.message_id = ""
            item.raw = f"\r\nX-Crash-Seq: {seq}\r\nnot an email {seq}\r\n".encode()
        elif kind == Kind.TOO_DEEP:
            item.raw = _too_deep(seq, sender, mid)
        elif kind == Kind.OVERSIZED:
            item.raw = _mail(
                rng,
                seq,
                sender=sender,
                subject="Huge",
                message_id=mid,
                body_size=MAX_BYTES + 40_000,
            )
        elif kind == Kind.ATTACHMENT_TOO_LARGE:
            blob = rng.randbytes(MAX_ATTACHMENT_BYTES + 20_000)
            item.raw = _mail(
                rng,
                seq,
                sender=sender,
                subject="Core dump",
                message_id=mid,
                attachment=("core.bin", "application/octet-stream", blob),
            )
        item.deliveries.append(item.raw)
        planned.append(item)
    # Second deliveries: the same bytes again (the first delivery's row), or a relay's copy with
    # one more Received line (a row of its own, ignored as a duplicate of the first copy).
    with_id = [p for p in planned if p.kind in (Kind.NEW, Kind.TAG_REPLY) and p.message_id]
    for item in rng.sample(with_id, RESENT):
        received = (
            f"Received: from relay2.example by mx.desk.test; {format_datetime(timezone.now())}"
        )
        item.deliveries.append(received.encode() + b"\r\n" + item.raw)
    without_id = [p for p in planned if p.kind == Kind.NEW and not p.message_id]
    exact = without_id[:5] + rng.sample(
        [p for p in with_id if len(p.deliveries) == 1], EXACT_REPEATS - len(without_id[:5])
    )
    for item in exact:
        item.deliveries.append(item.raw)
    return planned


def delivery_order(rng: random.Random, planned: list[Planned]) -> list[bytes]:
    """First deliveries in seq order, each second delivery inserted at a random later place."""
    order: list[bytes] = [p.raw for p in planned]
    for item in planned:
        for again in item.deliveries[1:]:
            order.insert(rng.randint(item.seq + 1, len(order)), again)
    return order


# --- The processes --------------------------------------------------------------------------


def database_url() -> str:
    """DATABASE_URL of the database this test runs on, for the worker processes."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(config["NAME"])
        if not Path(name).is_absolute():
            pytest.fail(f"The SQLite test database must be a file another process can open: {name}")
        return f"sqlite:///{name}"
    user = quote(config.get("USER") or "", safe="")
    password = quote(config.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = config.get("HOST") or "localhost"
    port = config.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{quote(str(config['NAME']), safe='')}"


def worker_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FOLLOWTHROUGH_SMTP_HOST", None)  # no mail leaves this machine
    env.update(
        DJANGO_SETTINGS_MODULE="followthrough.settings",
        DATABASE_URL=database_url(),
        FOLLOWTHROUGH_VAR_DIR=str(var_dir),  # MEDIA_ROOT is var_dir/media, as in this test
        FOLLOWTHROUGH_MAIL_MAX_BYTES=str(MAX_BYTES),
        FOLLOWTHROUGH_MAIL_MAX_ATTACHMENT_BYTES=str(MAX_ATTACHMENT_BYTES),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def followthrough(*args: str) -> list[str]:
    return [sys.executable, "-m", "followthrough", *args]


WORKER = followthrough(
    "worker", "--no-reload", "--no-startup-delay", "--interval", "0.05", "--skip-checks", "-v", "1"
)


def _queued_for_processing() -> set[int]:
    """Messages whose processing task waits in the queue."""
    queued = DBTaskResult.objects.ready().filter(task_path=inbound_message_process_task.module_path)
    return {pk for args in queued.values_list("args_kwargs", flat=True) for pk in args["args"]}


def _ensure_poll_task() -> None:
    """One poll waiting in the queue, behind the processing already queued, as the scheduler
    would enqueue it (a killed poll stays RUNNING for ever, so a new one is needed)."""
    waiting = DBTaskResult.objects.ready().filter(task_path=mail_poll_task.module_path)
    if not waiting.exists():
        mail_poll_task.enqueue()


def generation_shape() -> tuple[int, bool]:
    """How many workers to start at a time, and whether the next ones boot while the current
    ones work. SQLite runs one writer at a time: one worker, and the next one boots on the core
    the writer leaves idle (Django's start-up takes about as long as a worker lives). PostgreSQL
    runs writers side by side: two workers on the two cores, the next two started at the kill."""
    return (1, True) if connection.vendor == "sqlite" else (2, False)


class Generation:
    """Worker processes started together in a process group of their own, so that one SIGKILL
    ends them all at the same moment."""

    def __init__(self, env: dict[str, str], log: Path, workers: int) -> None:
        self.log = log
        self.workers = workers
        self.started = time.monotonic()
        self.ready_at = 0.0
        with log.open("wb") as out:
            leader = self._spawn(env, out, group=0)
            self.processes = [leader] + [
                self._spawn(env, out, group=leader.pid) for _ in range(workers - 1)
            ]

    @staticmethod
    def _spawn(env: dict[str, str], out: BinaryIO, group: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own command
            WORKER,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=group,
        )

    def wait_until_ready(self) -> None:
        deadline = self.started + START_TIMEOUT
        while self.log.read_bytes().count(b"Starting worker") < self.workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.kill(check=False)
                pytest.fail(f"The workers did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.01)
        self.ready_at = time.monotonic()

    def kill(self, check: bool = True) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.processes[0].pid, signal.SIGKILL)
        codes = [p.wait(10) for p in self.processes]
        # A worker that ended before the kill crashed on its own: a failure, not a test.
        if check:
            assert codes == [-signal.SIGKILL] * self.workers, self.log.read_text(errors="replace")


def crash_until_done(imap: ImapServer, env: dict[str, str], logs: Path, rng: random.Random) -> int:
    """Start workers and SIGKILL them at a random moment, again and again, until the INBOX is
    empty and no message waits; returns the number of kills.

    Where the next generation boots while the current one works (see generation_shape), it is
    started to be up about when the current one is killed; the two sometimes overlap, as
    several workers of a site do."""
    workers, boot_ahead = generation_shape()

    def between_crashes() -> None:
        # The grace period passes for what only the sweep can recover: a message whose task
        # was killed (it stays RUNNING) or never enqueued.
        InboundMessage.objects.filter(state=InboundState.RECEIVED).exclude(
            pk__in=_queued_for_processing()
        ).update(received_at=F("received_at") - PAST_GRACE)
        _ensure_poll_task()

    def finished() -> bool:
        waiting = InboundMessage.objects.filter(state=InboundState.RECEIVED)
        return not waiting.exists() and not imap.uids("INBOX")

    alive: list[Generation] = []

    def start(number: int) -> Generation:
        alive.append(Generation(env, logs / f"generation-{number:03}.log", workers))
        return alive[-1]

    def kill(generation: Generation) -> None:
        alive.remove(generation)
        generation.kill()

    try:
        between_crashes()
        current = start(0)
        current.wait_until_ready()
        for kills in range(1, MAX_CYCLES + 1):
            kill_at = current.ready_at + rng.uniform(*KILL_AFTER)
            boot = current.ready_at - current.started if boot_ahead else 0.0
            time.sleep(max(0.0, kill_at - boot - time.monotonic()))
            if finished():
                kill(current)
                return kills
            between_crashes()
            following = start(kills)
            time.sleep(max(0.0, kill_at - time.monotonic()))
            kill(current)
            current = following
            current.wait_until_ready()
    finally:
        for generation in alive:
            generation.kill(check=False)
    pytest.fail(
        f"After {MAX_CYCLES} crashes {len(imap.uids('INBOX'))} messages are still in the INBOX "
        f"and {InboundMessage.objects.filter(state=InboundState.RECEIVED).count()} wait."
    )


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# --- The test -------------------------------------------------------------------------------


@pytest.fixture
def mailbox(imap_account: ImapServer) -> Mailbox:
    team = Team.objects.create(name="Mail desk")
    return Mailbox.objects.create(
        name="Help desk",
        address=SUPPORT,
        team=team,
        imap_host=imap_account.host,
        imap_port=imap_account.port,
        imap_security="none",
        imap_username=imap_account.user,
        imap_password=imap_account.password,
        imap_folder="INBOX",
        after_fetch="move",
        move_to_folder="Processed",
        # Intake only: acknowledgements would add a send task per new case and push the
        # PostgreSQL run past its time budget; the outbound path has tests of its own.
        send_acknowledgement=False,
    )


def premade_cases(mailbox: Mailbox) -> tuple[list[Case], list[str]]:
    """Open cases from before the batch, each with one customer who may reply onto it."""
    cases, participants = [], []
    for i in range(PREMADE_CASES):
        case = case_open(
            actor=None,
            subject=f"Earlier case {i}",
            channel=Channel.EMAIL,
            team=mailbox.team,
            next_step="Answer the customer's email",
            next_step_due=timezone.now() + dt.timedelta(days=1),
        )
        address = f"earlier{i}@org{i}.example"
        CaseMailParticipant.objects.create(case=case, address=address, source="sender")
        cases.append(case)
        participants.append(f"Earlier Customer {i} <{address}>")
    return cases, participants


@pytest.mark.django_db(transaction=True)
def test_sigkilled_workers_lose_and_duplicate_no_mail(
    mailbox: Mailbox, imap_account: ImapServer, tmp_path: Path
):
    started = time.monotonic()
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data and kill moments
    cases, participants = premade_cases(mailbox)
    planned = plan_messages(rng, cases, participants)
    order = delivery_order(rng, planned)
    assert len(order) == DELIVERIES
    for start in range(0, DELIVERIES, 100):
        imap_account.append_many(order[start : start + 100])
    assert len(imap_account.uids("INBOX")) == DELIVERIES
    interactions_before = Interaction.objects.count()
    logs = tmp_path / "logs"
    logs.mkdir()
    env = worker_env(tmp_path)
    assert Path(settings.MEDIA_ROOT) == tmp_path / "media"

    kills = crash_until_done(imap_account, env, logs, rng)

    # One clean sweep at the end, with the grace period over for anything still waiting.
    InboundMessage.objects.filter(state=InboundState.RECEIVED).update(
        received_at=F("received_at") - PAST_GRACE
    )
    sweep = subprocess.run(  # noqa: S603 - our own command
        followthrough("mail", "--skip-checks", "sweep"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr

    # Every distinct delivery is exactly one row holding its exact bytes: a repeat of the same
    # bytes is that row, a resend with other headers is a row of its own.
    delivered = {hashlib.sha256(raw).hexdigest() for raw in order}
    copies: dict[int, list[InboundMessage]] = {}
    stored: set[str] = set()
    for row in InboundMessage.objects.select_related("interaction").order_by("id"):
        with row.raw.open("rb") as handle:
            raw = handle.read()
        assert hashlib.sha256(raw).hexdigest() == row.sha256
        assert row.sha256 not in stored, f"row {row.pk} stores a delivery a second time"
        stored.add(row.sha256)
        found = SEQ_HEADER.search(raw)
        assert found, f"row {row.pk} holds no message of this test"
        copies.setdefault(int(found.group(1)), []).append(row)
    lost = delivered - stored
    assert not lost, f"{len(lost)} deliveries lost"
    assert stored == delivered
    assert sorted(copies) == [item.seq for item in planned]

    # Each message ended once, as its kind must: one copy on a case (or quarantined or ignored),
    # any other copy ignored as a duplicate of that one. Nothing is left waiting.
    states = Counter(row.state for rows in copies.values() for row in rows)
    assert states[InboundState.RECEIVED] == 0
    first: dict[int, InboundMessage] = {}
    for item in planned:
        rows = copies[item.seq]
        assert len(rows) == len({hashlib.sha256(raw).digest() for raw in item.deliveries})
        originals = [r for r in rows if r.reason_code != IntakeError.MAIL_DUPLICATE]
        assert len(originals) == 1, (item.seq, [(r.pk, r.state, r.reason) for r in rows])
        row = first[item.seq] = originals[0]
        for copy in rows:
            if copy is not row:
                assert (copy.state, copy.duplicate_of_id, copy.case_id) == (
                    InboundState.IGNORED,
                    row.pk,
                    row.case_id,
                )
                assert copy.interaction_id is None
    threaded = 0
    for item in planned:
        row = first[item.seq]
        if item.kind in (Kind.NEW, Kind.TAG_REPLY, Kind.THREAD_REPLY):
            assert row.state == InboundState.PROCESSED, (item.seq, item.kind, row.reason)
            assert row.interaction is not None
            assert row.interaction.case_id == row.case_id
        if item.kind == Kind.NEW:
            assert row.opened_case
        elif item.kind == Kind.TAG_REPLY:
            assert item.case_index is not None
            assert (row.opened_case, row.case_id) == (False, cases[item.case_index].pk)
        elif item.kind == Kind.THREAD_REPLY:
            assert item.parent is not None
            # Onto the parent's case when the parent was processed first, else a case of its own.
            if not row.opened_case:
                assert row.case_id == first[item.parent].case_id
                threaded += 1
        elif item.kind == Kind.AUTOMATIC:
            assert (row.state, row.reason_code) == (
                InboundState.IGNORED,
                IntakeError.MAIL_AUTOMATIC,
            ), item.seq
        else:
            assert (row.state, row.reason_code) == (
                InboundState.QUARANTINED,
                QUARANTINE_CODES[item.kind],
            ), (item.seq, row.reason)
        if row.state != InboundState.PROCESSED:
            assert row.interaction_id is None

    # One interaction per processed message; one case per message that opened one.
    processed = [row for row in first.values() if row.state == InboundState.PROCESSED]
    assert states[InboundState.PROCESSED] == len(processed)
    interaction_ids = [row.interaction_id for row in processed]
    assert len(set(interaction_ids)) == len(interaction_ids)
    assert Interaction.objects.count() - interactions_before == len(processed)
    opened = sum(row.opened_case for row in processed)
    assert Case.objects.count() - PREMADE_CASES == opened
    assert not OutboundMessage.objects.exists()
    # Attachments only on processed messages, and no row points at a missing file.
    media = Path(settings.MEDIA_ROOT)
    attachments = list(InboundAttachment.objects.select_related("message"))
    assert all(a.message.state == InboundState.PROCESSED for a in attachments)
    assert all((media / a.file.name).is_file() for a in attachments)
    orphans = len(_files(media / "mail")) - len(stored) - len(attachments)

    # The mailbox: nothing left, every delivery moved once.
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Processed")) == DELIVERIES

    duplicates = sum(
        row.reason_code == IntakeError.MAIL_DUPLICATE for rows in copies.values() for row in rows
    )
    tasks = Counter(DBTaskResult.objects.values_list("status", flat=True))
    assert tasks["FAILED"] == 0, tasks
    integrity = ""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            integrity = cursor.execute("PRAGMA integrity_check").fetchone()[0]
            journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        assert (integrity, journal) == ("ok", "wal")

    print(
        f"\nMail crash test on {connection.vendor} (seed {SEED}): {kills} SIGKILLs of "
        f"{generation_shape()[0]} worker(s) at a time. {DELIVERIES} deliveries of "
        f"{len(planned)} messages -> "
        f"{len(stored)} rows: {states[InboundState.PROCESSED]} processed ({opened} opened a case; "
        f"{threaded} of {COUNTS[Kind.THREAD_REPLY]} In-Reply-To replies threaded), "
        f"{states[InboundState.QUARANTINED]} quarantined, {states[InboundState.IGNORED]} ignored "
        f"({duplicates} resent copies). 0 lost, 0 duplicated. Tasks: {dict(tasks)}. "
        f"{orphans} files written before a kill and never recorded."
        + (f" SQLite: integrity_check {integrity!r}, WAL." if integrity else "")
        + f" {time.monotonic() - started:.1f} s."
    )
