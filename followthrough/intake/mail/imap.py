"""Fetching mail from an IMAP mailbox: which messages wait, their exact bytes, and marking them
done once they are safely stored. No ORM here; the caller stores and decides."""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any

from imapclient import IMAPClient  # type: ignore[import-untyped]  # imapclient ships no types
from imapclient.exceptions import (  # type: ignore[import-untyped]  # imapclient ships no types
    CapabilityError,
    LoginError,
)

# The keyword that marks a message as stored when the mailbox keeps its mail (AfterFetch.FLAG).
FLAG_KEYWORD = "$FollowthroughStored"
SEEN = b"\\Seen"
DELETED = b"\\Deleted"


class ImapSecurity(StrEnum):
    SSL = "ssl"  # implicit TLS, usually port 993
    STARTTLS = "starttls"  # plain connection upgraded before login, usually port 143
    NONE = "none"  # no encryption: only for a server on the same host or a test


class AfterFetch(StrEnum):
    MOVE = "move"  # move each stored message to `move_to`
    FLAG = "flag"  # leave it in place, marked with FLAG_KEYWORD and \Seen


class ImapProblem(StrEnum):
    UNREACHABLE = "unreachable"  # no connection (refused, timed out, unknown host)
    TLS = "tls"  # TLS failed: certificate not trusted, STARTTLS missing or refused
    LOGIN_REFUSED = "login_refused"
    FOLDER_MISSING = "folder_missing"
    NO_KEYWORDS = "no_keywords"  # AfterFetch.FLAG on a folder that cannot store our keyword
    MISCONFIGURED = "misconfigured"
    PROTOCOL = "protocol"  # the server failed or hung up part-way through


class ImapError(Exception):
    """Every connection, login and protocol failure. `code` is stable; `message` is for an
    administrator and names the server, the account or the folder involved."""

    def __init__(self, code: ImapProblem, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: ImapSecurity
    username: str
    password: str
    folder: str = "INBOX"
    after_fetch: AfterFetch = AfterFetch.MOVE
    move_to: str = "Processed"
    timeout: float = 30.0
    verify_tls: bool = True

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


# Failures of the connection itself (OSError covers socket, timeout and ssl errors) and of the
# IMAP conversation (imapclient's errors all derive from imaplib's).
_FAILURES = (OSError, imaplib.IMAP4.error)


class ImapSource:
    """One session with a mailbox: connects, logs in and selects the folder on entry; logs out
    on exit. Not thread-safe; open one per worker."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._move_target_ready = False

    def __enter__(self) -> ImapSource:
        s = self.settings
        if s.after_fetch == AfterFetch.MOVE and _same_folder(s.move_to, s.folder):
            raise ImapError(
                ImapProblem.MISCONFIGURED,
                f"Messages would be moved to the folder they are fetched from ({s.folder!r}); "
                "choose another folder for processed mail.",
            )
        self._client = self._connect()
        try:
            self._login()
            self._select()
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def pending(self, limit: int = 50) -> list[int]:
        """UIDs of the messages waiting, oldest first, at most `limit`."""
        criteria: list[str] = ["NOT", "DELETED"]
        if self.settings.after_fetch == AfterFetch.FLAG:
            criteria += ["UNKEYWORD", FLAG_KEYWORD]
        uids = self._call("listing the waiting messages", self._active.search, criteria)
        return sorted(int(uid) for uid in uids)[: max(limit, 0)]

    def fetch(self, uid: int) -> bytes | None:
        """The message's exact bytes, or None when it is gone. BODY.PEEK leaves \\Seen alone, so
        a message that fails to store still looks unread to people watching the mailbox."""
        response = self._call(f"fetching message {uid}", self._active.fetch, [uid], ["BODY.PEEK[]"])
        data = response.get(uid, {}).get(b"BODY[]")
        if data is None:
            return None
        return bytes(data)

    def done(self, uid: int) -> None:
        """Mark the message as handled; call only after it is safely stored."""
        if self.settings.after_fetch == AfterFetch.FLAG:
            self._call(
                f"marking message {uid} as stored",
                self._active.add_flags,
                [uid],
                [FLAG_KEYWORD.encode(), SEEN],
                silent=True,
            )
            return
        self._ensure_move_target()
        target = self.settings.move_to
        doing = f"moving message {uid} to {target!r}"
        client = self._active
        if self._has("MOVE"):
            self._call(doing, client.move, [uid], target)
            return
        # No MOVE extension: copy, then delete the original (RFC 6851's fallback).
        self._call(doing, client.copy, [uid], target)
        self._call(doing, client.add_flags, [uid], [DELETED], silent=True)
        if self._has("UIDPLUS"):
            self._call(doing, client.uid_expunge, [uid])
        else:
            # Expunges every \Deleted message in the folder, which is what a mail client
            # would do too; without UIDPLUS there is no narrower command.
            self._call(doing, client.expunge)

    # Connection and session.

    @property
    def _active(self) -> Any:
        if self._client is None:
            raise RuntimeError("ImapSource is used outside its `with` block")
        return self._client

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> Any:
        s = self.settings
        implicit_tls = s.security == ImapSecurity.SSL
        try:
            client = IMAPClient(
                s.host,
                port=s.port,
                ssl=implicit_tls,
                ssl_context=self._tls_context() if implicit_tls else None,
                timeout=s.timeout,
            )
        except _FAILURES as exc:
            raise self._connect_error(exc) from exc
        if s.security == ImapSecurity.STARTTLS:
            try:
                client.starttls(self._tls_context())
            except CapabilityError as exc:
                _shutdown(client)
                raise ImapError(
                    ImapProblem.TLS,
                    f"The server {s.address} does not offer STARTTLS; use SSL (usually port "
                    "993) or ask its administrator to enable TLS.",
                ) from exc
            except _FAILURES as exc:
                _shutdown(client)
                raise self._connect_error(exc) from exc
        return client

    def _connect_error(self, exc: BaseException) -> ImapError:
        s = self.settings
        code = ImapProblem.UNREACHABLE
        if isinstance(exc, ssl.SSLCertVerificationError):
            code = ImapProblem.TLS
            reason = f"its TLS certificate is not trusted ({exc.verify_message})"
        elif isinstance(exc, ssl.SSLError):
            code = ImapProblem.TLS
            reason = f"the TLS handshake failed ({exc.reason or exc})"
        elif isinstance(exc, socket.gaierror):
            reason = "the host name could not be resolved"
        elif isinstance(exc, ConnectionRefusedError):
            reason = "the connection was refused (is the port right and the server running?)"
        elif isinstance(exc, TimeoutError):
            reason = f"no answer within {s.timeout:g} seconds"
        elif isinstance(exc, imaplib.IMAP4.error):
            reason = f"the server did not answer as an IMAP server ({exc})"
        else:
            reason = str(exc) or type(exc).__name__
        return ImapError(code, f"Could not connect to {s.address}: {reason}.")

    def _login(self) -> None:
        s = self.settings
        try:
            self._active.login(s.username, s.password)
        except LoginError as exc:
            raise ImapError(
                ImapProblem.LOGIN_REFUSED,
                f"The server {s.address} refused the login for {s.username}: {_server_words(exc)}",
            ) from exc
        except _FAILURES as exc:
            raise self._protocol_error(f"logging in as {s.username}", exc) from exc

    def _select(self) -> None:
        s = self.settings
        client = self._active
        try:
            selected = client.select_folder(s.folder)
        except _FAILURES as exc:
            if isinstance(exc, imaplib.IMAP4.error) and not self._folder_exists(s.folder):
                raise ImapError(
                    ImapProblem.FOLDER_MISSING,
                    f"The folder {s.folder!r} does not exist in the mailbox {s.username} on "
                    f"{s.address}.",
                ) from exc
            raise self._protocol_error(f"opening the folder {s.folder!r}", exc) from exc
        if s.after_fetch == AfterFetch.FLAG:
            permanent = {bytes(flag) for flag in selected.get(b"PERMANENTFLAGS", ())}
            if permanent and not {b"\\*", FLAG_KEYWORD.encode()} & permanent:
                raise ImapError(
                    ImapProblem.NO_KEYWORDS,
                    f"The folder {s.folder!r} on {s.address} cannot keep the keyword "
                    f"{FLAG_KEYWORD}; move processed mail to another folder instead.",
                )

    def _folder_exists(self, folder: str) -> bool:
        try:
            return bool(self._active.folder_exists(folder))
        except _FAILURES:
            return False

    def _ensure_move_target(self) -> None:
        if self._move_target_ready:
            return
        target = self.settings.move_to
        if not self._call(f"looking for the folder {target!r}", self._active.folder_exists, target):
            try:
                self._active.create_folder(target)
            except _FAILURES as exc:
                # Another worker may have created it a moment ago.
                if not self._folder_exists(target):
                    raise self._protocol_error(f"creating the folder {target!r}", exc) from exc
            # So people looking at the mailbox in a mail client see where mail went.
            with contextlib.suppress(*_FAILURES):
                self._active.subscribe_folder(target)
        self._move_target_ready = True

    def _has(self, capability: str) -> bool:
        doing = "reading the server's capabilities"
        return bool(self._call(doing, self._active.has_capability, capability))

    def _call(self, doing: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except _FAILURES as exc:
            raise self._protocol_error(doing, exc) from exc

    def _protocol_error(self, doing: str, exc: BaseException) -> ImapError:
        s = self.settings
        if isinstance(exc, TimeoutError):
            words = f"no answer within {s.timeout:g} seconds"
        elif isinstance(exc, OSError):
            words = f"the connection failed ({exc})"
        else:
            words = _server_words(exc)
        return ImapError(
            ImapProblem.PROTOCOL,
            f"The IMAP server {s.address} failed while {doing} (mailbox {s.username}): {words}",
        )

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # a server that hung up cannot say goodbye
            _shutdown(client)


def _shutdown(client: Any) -> None:
    with contextlib.suppress(Exception):  # the connection is being dropped anyway
        client.shutdown()


def _same_folder(a: str, b: str) -> bool:
    # INBOX is case-insensitive in IMAP; other names are not.
    if a.upper() == "INBOX" and b.upper() == "INBOX":
        return True
    return a == b


def _server_words(exc: BaseException) -> str:
    """The server's own words from an imaplib/imapclient error, without Python's b'' wrapping."""
    text = str(exc).strip()
    if len(text) >= 3 and text[:2] in ("b'", 'b"') and text[-1] == text[1]:
        text = text[2:-1]
    return text or type(exc).__name__
