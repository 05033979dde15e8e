"""API token strings: `ft_<prefix>_<secret>`. Pure functions, no database."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX_BYTES = 6
SECRET_BYTES = 32


def new_token() -> tuple[str, str, str]:
    """A fresh token: (the full token to show once, its prefix, the hash of its secret)."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"ft_{prefix}_{secret}", prefix, hash_secret(secret)


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so a plain SHA-256 is as strong as a slow hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    if len(token) > 200 or not token.startswith("ft_"):
        return None
    parts = token.split("_", 2)
    if len(parts) != 3 or len(parts[1]) != PREFIX_BYTES * 2 or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), expected_hash)
