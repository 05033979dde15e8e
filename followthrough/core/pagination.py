"""Keyset (cursor) pagination: every list is an index range scan, never OFFSET."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, Q, QuerySet

from followthrough.core.errors import Invalid

T = TypeVar("T", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(at: dt.datetime | None, pk: int) -> str:
    raw = f"{at.isoformat() if at else ''}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime | None, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        stamp, pk = text.split("|")
        return (dt.datetime.fromisoformat(stamp) if stamp else None), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("The page cursor is not one this desk gave out.", field="cursor") from None


def keyset_page(
    queryset: QuerySet[T],
    *,
    field: str,
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    descending: bool = False,
) -> Page[T]:
    """One page of `queryset` ordered by (`field`, id); `field` must be non-null in the rows."""
    size = max(1, min(int(limit), MAX_LIMIT))
    op = "lt" if descending else "gt"
    if cursor:
        at, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(**{f"{field}__{op}": at}) | Q(**{field: at, f"id__{op}": pk}))
    order = [f"-{field}", "-id"] if descending else [field, "id"]
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(getattr(rows[-1], field), rows[-1].pk) if more else None
    return Page(items=rows, next_cursor=next_cursor)
