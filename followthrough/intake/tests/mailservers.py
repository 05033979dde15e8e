"""Real mail servers on loopback for the email channel's tests: a private Dovecot (IMAP) started
once per session with a fresh account per test, and an SMTP sink that Django's SMTP backend
sends to. Test modules import the fixtures they use from here."""

from __future__ import annotations

import contextlib
import email
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from imapclient import IMAPClient  # type: ignore[import-untyped]  # imapclient ships no types
from pytest_django.fixtures import Settings

from followthrough.intake.mail.imap import ImapSecurity, ImapSettings
from followthrough.intake.mail.listener import IntakeController

DOVECOT = Path(os.environ.get("FOLLOWTHROUGH_DOVECOT", "/usr/sbin/dovecot"))
HOST = "127.0.0.1"
DOMAIN = "example.test"
SUPPORT_USER = f"support@{DOMAIN}"
PASSWORD = "secret"
START_TIMEOUT = 15.0
# Accounts listed in the passwd-file ahead of use: Dovecot notices a changed passwd-file only
# once a second, so adding each test's account on demand would cost up to a second per test.
USER_POOL = 200
STOP_TIMEOUT = 10.0

__all__ = [
    "DOMAIN",
    "HOST",
    "PASSWORD",
    "SUPPORT_USER",
    "ImapServer",
    "SinkMessage",
    "SmtpSink",
    "dovecot",
    "free_port",
    "imap_account",
    "smtp_sink",
    "tls_context",
]


def free_port() -> int:
    """A loopback port nobody listens on right now (the system picks it)."""
    return _free_ports(1)[0]


def _free_ports(count: int) -> list[int]:
    # Hold every socket until all are chosen, so the ports differ.
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((HOST, 0))
            ports.append(sock.getsockname()[1])
        return ports


# Dovecot.


@dataclass
class _Dovecot:
    """One running dovecot master process and the files it reads."""

    root: Path
    port: int
    tls_port: int
    cert: Path | None
    process: subprocess.Popen[bytes]
    users_file: Path
    users: dict[str, str]
    pool: deque[str]  # listed in the passwd-file already, not handed out yet
    numbers: Iterator[int]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_user(self) -> str:
        """A fresh u<N>@example.test account (password PASSWORD) whose mailbox nobody used."""
        with self.lock:
            if not self.pool:
                added = [f"u{next(self.numbers)}@{DOMAIN}" for _ in range(USER_POOL)]
                self.users.update(dict.fromkeys(added, PASSWORD))
                self._rewrite_users()
                self._wait_for_login(added[-1], PASSWORD)
                self.pool.extend(added)
            return self.pool.popleft()

    def add_user(self, user: str, password: str) -> None:
        with self.lock:
            if self.users.get(user.lower()) == password:
                return
            self.users[user.lower()] = password
            self._rewrite_users()
            self._wait_for_login(user, password)

    def _rewrite_users(self) -> None:
        before = self.users_file.stat()
        _write_users(self.users_file, self.users)
        after = self.users_file.stat()
        if (after.st_size, int(after.st_mtime)) == (before.st_size, int(before.st_mtime)):
            # Dovecot looks for a new mtime or size; a same-length change needs a new mtime.
            stamp = int(before.st_mtime) + 1
            os.utime(self.users_file, (stamp, stamp))

    def _wait_for_login(self, user: str, password: str) -> None:
        # Dovecot checks the passwd-file for changes at most once a second.
        deadline = time.monotonic() + 5
        while True:
            try:
                with IMAPClient(HOST, port=self.port, ssl=False, timeout=5) as client:
                    client.login(user, password)
                return
            except IMAPClient.Error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "dovecot.out"):
            path = self.root / name
            if path.exists():
                parts.append(f"--- {name} ---\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                # Dovecot's own children live in the session we started it in.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
        shutil.rmtree(self.root, ignore_errors=True)


def _write_users(path: Path, users: dict[str, str]) -> None:
    # Replaced whole, so a login never reads half a file.
    scratch = path.with_suffix(".new")
    scratch.write_text(
        "".join(f"{name}:{{PLAIN}}{secret}::::::\n" for name, secret in users.items())
    )
    os.replace(scratch, path)


def _accounts() -> tuple[tuple[int, int], str, str]:
    """(mail uid, gid), internal user, login user. Dovecot refuses to run mail processes as
    uid 0 and login processes as root, so as root it uses Debian's `mail`, `dovecot` and
    `dovenull` users; as anyone else it runs everything as that user."""
    me = pwd.getpwuid(os.getuid())
    if os.getuid() != 0:
        return (me.pw_uid, me.pw_gid), me.pw_name, me.pw_name

    def existing(name: str, fallback: str) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            return pwd.getpwnam(fallback)

    mail = existing("mail", "nobody")
    return (
        (mail.pw_uid, mail.pw_gid),
        existing("dovecot", "nobody").pw_name,
        existing("dovenull", "nobody").pw_name,
    )


def _make_certificate(root: Path) -> Path | None:
    """A self-signed certificate for localhost / 127.0.0.1, or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    result = subprocess.run(  # noqa: S603  # fixed arguments, our own temp paths
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        check=False,
    )
    return cert if result.returncode == 0 else None


def _dovecot_conf(root: Path, port: int, tls_port: int, cert: Path | None) -> str:
    (mail_uid, mail_gid), internal_user, login_user = _accounts()
    tls = (
        f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{cert.with_name('key.pem')}\n"
        if cert
        else "ssl = no\n"
    )
    tls_listener = (
        f"  inet_listener imaps {{\n    address = {HOST}\n    port = {tls_port}\n"
        "    ssl = yes\n  }\n"
        if cert
        else ""
    )
    return f"""# Written by followthrough/intake/tests/mailservers.py for one test session.
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{tls}auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 100
shutdown_clients = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%Lu
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
{tls_listener}}}
service anvil {{
  chroot =
  # No growing delay for an address after failed logins: tests log in wrongly on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.settimeout(2)
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _start_dovecot() -> _Dovecot:
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(f"Dovecot is not installed at {DOVECOT}; run scripts/ensure-dovecot.")
    (mail_uid, mail_gid), _, _ = _accounts()
    failures = []
    for _attempt in range(3):
        # Not pytest's tmp_path: its parents are private to root, and Dovecot's login processes
        # (another user) need to reach the sockets; a short path also keeps socket names short.
        root = Path(tempfile.mkdtemp(prefix="ft-dovecot-"))
        root.chmod(0o755)
        for name in ("run", "state"):
            (root / name).mkdir()
        (root / "mail").mkdir()
        os.chown(root / "mail", mail_uid, mail_gid)
        numbers = itertools.count(1)
        pool = deque(f"u{next(numbers)}@{DOMAIN}" for _ in range(USER_POOL))
        users = {SUPPORT_USER: PASSWORD, **dict.fromkeys(pool, PASSWORD)}
        _write_users(root / "users", users)
        cert = _make_certificate(root)
        port, tls_port = _free_ports(2)
        conf = root / "dovecot.conf"
        conf.write_text(_dovecot_conf(root, port, tls_port, cert))
        with (root / "dovecot.out").open("wb") as out:
            process = subprocess.Popen(  # noqa: S603  # our own binary and config
                [str(DOVECOT), "-F", "-c", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        server = _Dovecot(
            root=root,
            port=port,
            tls_port=tls_port if cert else 0,
            cert=cert,
            process=process,
            users_file=root / "users",
            users=users,
            pool=pool,
            numbers=numbers,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return server
            time.sleep(0.05)
        log = server.log()
        server.stop()
        failures.append(log)
        if "Address already in use" not in log:
            break  # not a port race: trying again will not help
    pytest.fail(
        f"Dovecot did not answer on {HOST} within {START_TIMEOUT:g} s.\n" + "\n".join(failures)
    )


@dataclass
class ImapServer:
    """A running Dovecot and one account on it, with helpers that set up and inspect the
    mailbox directly (imapclient, not the code under test)."""

    host: str
    port: int
    user: str
    password: str
    root: Path
    tls_port: int = 0  # implicit TLS; 0 when openssl was missing
    cert: Path | None = None  # the self-signed certificate of both TLS and STARTTLS
    _server: _Dovecot | None = field(default=None, repr=False, compare=False)

    def settings(self, **overrides: Any) -> ImapSettings:
        """ImapSettings for this account over plain IMAP; override any field."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": ImapSecurity.NONE,
            "username": self.user,
            "password": self.password,
            "timeout": 10.0,
        }
        values.update(overrides)
        return ImapSettings(**values)

    def new_account(self, user: str | None = None, password: str = PASSWORD) -> ImapServer:
        """Another account on the same server, with an empty mailbox."""
        assert self._server is not None, "this ImapServer is not backed by a fixture"
        if user is None and password == PASSWORD:
            user = self._server.take_user()
        else:
            user = user or f"u{next(self._server.numbers)}@{DOMAIN}"
            self._server.add_user(user, password)
        return ImapServer(
            host=self.host,
            port=self.port,
            user=user,
            password=password,
            root=self.root,
            tls_port=self.tls_port,
            cert=self.cert,
            _server=self._server,
        )

    def log(self) -> str:
        return self._server.log() if self._server else ""

    @contextlib.contextmanager
    def connect(self, folder: str | None = None) -> Iterator[Any]:
        """A logged-in IMAPClient, with `folder` selected when given."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        try:
            client.login(self.user, self.password)
            if folder is not None:
                client.select_folder(folder)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX", flags: Sequence[bytes] = ()) -> int:
        """Store one message; returns its UID."""
        with self.connect() as client:
            response = client.append(folder, raw, flags=tuple(flags))
        return _appended_uids(response)[0]

    def append_many(self, raws: Iterable[bytes], folder: str = "INBOX") -> list[int]:
        """Store several messages over one connection; returns their UIDs in order."""
        raws = list(raws)
        if not raws:
            return []
        with self.connect() as client:
            if client.has_capability("MULTIAPPEND"):
                _, lines = client.multiappend(folder, raws)
                return _appended_uids(lines[-1])
            uids: list[int] = []
            for raw in raws:
                uids += _appended_uids(client.append(folder, raw))
            return uids

    def uids(self, folder: str = "INBOX") -> list[int]:
        """UIDs of the undeleted messages, ascending."""
        with self.connect(folder) as client:
            return sorted(client.search(["NOT", "DELETED"]))

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        with self.connect(folder) as client:
            uids = client.search(["ALL"])
            return {uid: set(flags) for uid, flags in client.get_flags(uids).items()}

    def folders(self) -> list[str]:
        with self.connect() as client:
            return [name for _flags, _sep, name in client.list_folders()]

    def create_folder(self, name: str) -> None:
        with self.connect() as client:
            if not client.folder_exists(name):
                client.create_folder(name)

    def clear(self, folder: str = "INBOX") -> None:
        """Delete every message in the folder."""
        with self.connect(folder) as client:
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids, silent=True)
                client.expunge()

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The exact bytes of the undeleted messages, in UID order (without setting \\Seen)."""
        with self.connect(folder) as client:
            uids = sorted(client.search(["NOT", "DELETED"]))
            fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [bytes(fetched[uid][b"BODY[]"]) for uid in uids]


_APPENDUID = re.compile(rb"\[APPENDUID \d+ ([0-9:,]+)\]", re.IGNORECASE)


def _appended_uids(response: bytes | str) -> list[int]:
    text = response.encode() if isinstance(response, str) else bytes(response)
    match = _APPENDUID.search(text)
    assert match, f"the server did not report APPENDUID: {text!r}"
    uids: list[int] = []
    for part in match.group(1).split(b","):
        first, _, last = part.partition(b":")
        uids += range(int(first), int(last or first) + 1)
    return uids


@pytest.fixture(scope="session")
def dovecot() -> Iterator[ImapServer]:
    """A private Dovecot on a free loopback port for the whole session, bound to the account
    support@example.test. Prefer `imap_account` in tests: it gives each test its own mailbox."""
    server = _start_dovecot()
    try:
        account = ImapServer(
            host=HOST,
            port=server.port,
            user=SUPPORT_USER,
            password=PASSWORD,
            root=server.root,
            tls_port=server.tls_port,
            cert=server.cert,
            _server=server,
        )
        yield account.new_account(SUPPORT_USER, PASSWORD)
    finally:
        server.stop()


@pytest.fixture
def imap_account(dovecot: ImapServer) -> ImapServer:
    """A new account (u<N>@example.test / secret) with an empty mailbox, for this test only."""
    return dovecot.new_account()


# SMTP sink.


@dataclass(frozen=True)
class SinkMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


class SmtpSink:
    """An aiosmtpd handler that keeps every message, or refuses the next few on demand."""

    def __init__(self) -> None:
        self.messages: list[SinkMessage] = []
        self.refused: list[SinkMessage] = []
        self.port = 0
        self.host = HOST
        self._changed = threading.Condition()
        self._failures: deque[str] = deque()

    def fail_next(self, n: int = 1, code: str = "451 4.3.0 try later") -> None:
        """Answer the next `n` messages with `code` (a full SMTP reply) instead of storing them."""
        with self._changed:
            self._failures.extend([code] * n)

    def wait_for(self, n: int, timeout: float = 10) -> list[SinkMessage]:
        """Block until at least `n` messages arrived; returns them all."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= n, timeout):
                raise AssertionError(
                    f"expected {n} message(s) at the SMTP sink within {timeout:g} s, "
                    f"got {len(self.messages)}"
                )
            return list(self.messages)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        received = SinkMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            raw=raw,
            message=email.message_from_bytes(raw, policy=policy.default),
        )
        with self._changed:
            if self._failures:
                self.refused.append(received)
                return self._failures.popleft()
            self.messages.append(received)
            self._changed.notify_all()
        return "250 2.0.0 OK"


@pytest.fixture
def smtp_sink(settings: Settings) -> Iterator[SmtpSink]:
    """An SMTP server on a free loopback port that Django's mail goes to for this test."""
    sink = SmtpSink()
    controller = IntakeController(
        sink, hostname=HOST, port=0, server_hostname="sink.example.test", decode_data=False
    )
    controller.start()
    sink.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = HOST
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield sink
    finally:
        controller.stop()


def tls_context(server: ImapServer) -> ssl.SSLContext:
    """A client context that trusts the test server's self-signed certificate."""
    assert server.cert is not None
    return ssl.create_default_context(cafile=str(server.cert))
