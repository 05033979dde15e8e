"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread.

It checks each request's signature with the secret it is given (with its own HMAC code, not
ours), records every request, and can be told to fail the next N requests with a 500 or to
answer with a redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SIGNATURE_PREFIX = "sha256="


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str = ""
    fail_next: int = 0
    redirect_to: str | None = None
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def expected_signature(self, timestamp: str, body: bytes) -> str:
        mac = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        return SIGNATURE_PREFIX + mac.hexdigest()

    def answer(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(request)
            if request.path != "/hooks":
                return 200, {}, b"elsewhere"
            if self.redirect_to is not None:
                return 302, {"Location": self.redirect_to}, b""
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500, {}, b"receiver failed on purpose"
            return 200, {}, b"ok"


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            timestamp = self.headers.get("X-Followthrough-Timestamp", "")
            signature = self.headers.get("X-Followthrough-Signature", "")
            valid = bool(receiver.secret) and hmac.compare_digest(
                receiver.expected_signature(timestamp, body), signature
            )
            request = Received(
                method=self.command,
                path=self.path,
                headers=dict(self.headers.items()),
                body=body,
                signature_valid=valid,
            )
            status, headers, reply = receiver.answer(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_POST = _handle
        do_GET = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet test output

    return Handler
