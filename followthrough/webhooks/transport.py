"""One HTTP POST to a checked webhook target, with the standard library. No ORM.

http.client follows no redirects (a 3xx is just an answer, and not a 2xx), ignores proxy
environment variables, and connects to the very address targets.check_target approved: the
Host header and the TLS server name still carry the host name.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from followthrough.webhooks.targets import Target

TIMEOUT_SECONDS = 10.0
# Read no more of a receiver's answer than the log keeps (and a little to decode safely).
MAX_READ_BYTES = 4096
USER_AGENT = "Followthrough-Webhooks/1"


@dataclass(frozen=True)
class Reply:
    status: int
    excerpt: str


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    return kind(target.host, target.port, address=address, timeout=timeout)


def post(
    target: Target, body: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT_SECONDS
) -> Reply:
    """POST `body`; try the target's addresses in turn until one accepts the connection.

    Raises OSError (including timeouts and TLS errors) or http.client.HTTPException when
    no answer came back.
    """
    last_error: OSError | None = None
    for address in target.addresses:
        connection = _connection(target, address, timeout)
        try:
            try:
                connection.connect()
            except OSError as exc:
                last_error = exc
                continue
            connection.request(
                "POST", target.path, body=body, headers={"User-Agent": USER_AGENT, **headers}
            )
            response = connection.getresponse()
            raw = response.read(MAX_READ_BYTES)
            return Reply(status=response.status, excerpt=raw.decode("utf-8", errors="replace"))
        finally:
            connection.close()
    raise last_error or OSError("No address to connect to.")
