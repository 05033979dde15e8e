"""ETags from a record's version, and If-Match headers back into an expected version."""

from __future__ import annotations

from followthrough.core.errors import Invalid


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when there is none (or `*`)."""
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        return None
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or len(value) > 12:
        raise Invalid(f"If-Match must be an ETag this desk gave out, not {if_match[:40]!r}.")
    return int(value)
