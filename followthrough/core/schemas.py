"""API schemas every app shares."""

from __future__ import annotations

from ninja import Schema


class Problem(Schema):
    """application/problem+json: `code` is the stable refusal code the services use."""

    type: str
    title: str
    status: int
    code: str
    detail: str
