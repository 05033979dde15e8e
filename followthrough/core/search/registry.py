"""Reindexers: each domain registers, in its AppConfig.ready(), a function that writes every
document of one kind afresh and returns how many it wrote. `followthrough search-reindex`
runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db.models import Model, QuerySet

_REINDEXERS: dict[str, Callable[[], int]] = {}

M = TypeVar("M", bound=Model)

BATCH_SIZE = 500


def register_reindexer(kind: str, reindex: Callable[[], int]) -> None:
    """Register (or replace) the reindexer for `kind`."""
    _REINDEXERS[kind] = reindex


def registered_kinds() -> list[str]:
    return sorted(_REINDEXERS)


def reindexer(kind: str) -> Callable[[], int]:
    try:
        return _REINDEXERS[kind]
    except KeyError:
        raise LookupError(f"No reindexer is registered for {kind!r}.") from None


def in_batches(queryset: QuerySet[M], *, size: int = BATCH_SIZE) -> Iterator[list[M]]:
    """The queryset's rows in primary-key order, `size` at a time: each batch one range scan
    (plus its prefetches), so memory stays flat however many rows there are."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk
        if len(batch) < size:
            return
