"""How a delivery is signed, so a receiver can tell it came from us and is fresh. No ORM.

The signature is `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with the
subscription's secret; the timestamp (unix seconds) travels in its own header, so a receiver
can refuse old requests and a replayed body cannot be re-dated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label in front of the random part, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
