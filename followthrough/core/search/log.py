"""What people searched for, and how much they found (the knowledge report's "searches that
found nothing")."""

from __future__ import annotations

from collections.abc import Sequence

from followthrough.core.models import SearchQueryLog
from followthrough.core.search.query import clean_text

MAX_LOGGED_QUERY = 200
MAX_LOGGED_KINDS = 100


def search_log(*, user_id: int | None, query: str, kinds: Sequence[str], result_count: int) -> None:
    text = " ".join(clean_text(query).split())[:MAX_LOGGED_QUERY]
    if not text:
        return
    SearchQueryLog.objects.create(
        user_id=user_id,
        query=text,
        kinds=",".join(sorted(dict.fromkeys(kinds)))[:MAX_LOGGED_KINDS],
        result_count=max(0, result_count),
    )
