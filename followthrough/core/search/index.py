"""Writing documents into the one search index. Domain services call these inside their own
transaction, so a document changes exactly when the thing it describes does.

The text index follows `title` and `body` by database triggers (see the migration); the
filter columns change without re-tokenising anything.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Case, F, TextField, Value, When
from django.db.models.functions import Concat, Length, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from followthrough.core.models import SearchDocument
from followthrough.core.search.highlight import strip_markers

# PostgreSQL refuses a tsvector over 1 MB; a body this long is far below that whatever its
# words. A longer body keeps its head (what the thing is) and its newest tail (the latest
# notes), with a gap mark between.
MAX_BODY = 300_000
GAP = "\n…\n"
BODY_HEAD = 60_000
BODY_TAIL = MAX_BODY - BODY_HEAD - len(GAP)
MAX_TITLE = 500
# Between a body and text appended to it (a new note).
SEPARATOR = "\n\n"

# The columns index_set_filters may change: who may see a document, and how it is filtered.
FILTER_FIELDS = frozenset(
    {"status", "owner_id", "team_id", "organization_id", "is_public", "parent_id"}
)
MAX_KIND = 20
MAX_STATUS = 24


@dataclass(frozen=True)
class Document:
    """One document as index_documents takes it (the arguments of index_document)."""

    kind: str
    object_id: int
    title: str
    body: str
    created_at: dt.datetime
    organization_id: int | None = None
    team_id: int | None = None
    owner_id: int | None = None
    status: str = ""
    is_public: bool = False
    parent_id: int | None = None


def index_text(text: str) -> str:
    """Text as the index stores it: composed Unicode, no NUL (PostgreSQL cannot store it), no
    highlight markers (so only the database's own can ever become <mark>)."""
    return strip_markers(unicodedata.normalize("NFC", text or "")).replace("\x00", " ")


def cap_body(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    return body[:BODY_HEAD] + GAP + body[-BODY_TAIL:]


def _row(document: Document) -> SearchDocument:
    if not document.kind or len(document.kind) > MAX_KIND:
        raise ValueError(f"A document kind is 1 to {MAX_KIND} characters: {document.kind!r}")
    if len(document.status) > MAX_STATUS:
        raise ValueError(f"A document status is at most {MAX_STATUS} characters.")
    return SearchDocument(
        kind=document.kind,
        object_id=document.object_id,
        title=" ".join(index_text(document.title).split())[:MAX_TITLE],
        body=cap_body(index_text(document.body).strip()),
        created_at=document.created_at,
        organization_id=document.organization_id,
        team_id=document.team_id,
        owner_id=document.owner_id,
        status=document.status,
        is_public=document.is_public,
        parent_id=document.parent_id,
    )


_REPLACED = [f.name for f in fields(Document) if f.name not in {"kind", "object_id"}] + [
    "updated_at"
]


def index_documents(documents: Iterable[Document]) -> int:
    """Insert or replace many documents in one statement per batch (reindexing)."""
    rows = [_row(d) for d in documents]
    if rows:
        SearchDocument.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=_REPLACED,
            batch_size=500,
        )
    return len(rows)


def index_document(
    *,
    kind: str,
    object_id: int,
    title: str,
    body: str,
    created_at: dt.datetime,
    organization_id: int | None = None,
    team_id: int | None = None,
    owner_id: int | None = None,
    status: str = "",
    is_public: bool = False,
    parent_id: int | None = None,
) -> None:
    """Insert or replace the document (kind, object_id): one statement."""
    index_documents(
        [
            Document(
                kind=kind,
                object_id=object_id,
                title=title,
                body=body,
                created_at=created_at,
                organization_id=organization_id,
                team_id=team_id,
                owner_id=owner_id,
                status=status,
                is_public=is_public,
                parent_id=parent_id,
            )
        ]
    )


def index_set_filters(*, kind: str | Sequence[str], object_id: int, **changes: Any) -> int:
    """Change only filter columns of the document (or of several kinds of document about the
    same object, in one statement); the text is not re-tokenised. Returns the rows changed,
    0 when nothing is indexed."""
    unknown = changes.keys() - FILTER_FIELDS
    if unknown:
        raise TypeError(f"Not a filter of a search document: {', '.join(sorted(unknown))}")
    if not changes:
        return 0
    if "status" in changes and len(changes["status"] or "") > MAX_STATUS:
        raise ValueError(f"A document status is at most {MAX_STATUS} characters.")
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return SearchDocument.objects.filter(kind__in=kinds, object_id=object_id).update(
        **changes, updated_at=timezone.now()
    )


def index_append(*, kind: str, object_id: int, text: str) -> None:
    """Add text to the end of the document's body (a new note): one statement, capped like
    every body. Nothing happens when the document is not indexed."""
    clean = cap_body(index_text(text).strip())
    if not clean:
        return
    as_text: TextField[str, str] = TextField()
    # An empty body takes the text as it is; a body gets it after a blank line.
    grown = Case(
        When(body="", then=Value(clean, output_field=as_text)),
        default=Concat(
            F("body"), Value(SEPARATOR + clean, output_field=as_text), output_field=as_text
        ),
        output_field=as_text,
    )
    capped = Concat(
        Substr(grown, 1, BODY_HEAD, output_field=as_text),
        Value(GAP, output_field=as_text),
        Substr(grown, Length(grown) - BODY_TAIL + 1, output_field=as_text),
        output_field=as_text,
    )
    SearchDocument.objects.filter(kind=kind, object_id=object_id).update(
        body=Case(When(GreaterThan(Length(grown), MAX_BODY), then=capped), default=grown),
        updated_at=timezone.now(),
    )


def index_remove(*, kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()
