"""Errors as `application/problem+json` (RFC 9457), with the service's stable code."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

PROBLEM_TYPE = "urn:followthrough:problem:"


RESERVED = frozenset({"type", "title", "status", "code", "detail"})


def problem_response(
    status: int, code: str, title: str, detail: str = "", /, **extra: Any
) -> HttpResponse:
    """A problem document; `extra` become extension members (never the standard ones)."""
    clashing = RESERVED & extra.keys()
    if clashing:
        raise ValueError(f"Problem extension members may not be named {sorted(clashing)}")
    body = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, default=str),
        status=status,
        content_type="application/problem+json",
    )
