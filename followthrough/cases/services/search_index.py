"""A case in the search index, as two documents written by the case services in the same
transaction as the change:

- "case": the number and subject, the description and the public notes (what the customer
  may read; `is_public`, so a portal customer's search can match it);
- "case_internal": the internal notes and the notes of every contact (staff only), with the
  case's id as its parent so a search shows one hit per case.

Both carry the case's status, owner, team and organisation; save_case keeps those current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Prefetch

from followthrough.cases.models import Case, Interaction, Note
from followthrough.cases.states import NoteVisibility
from followthrough.core.search import (
    Document,
    in_batches,
    index_append,
    index_documents,
    index_set_filters,
)

CASE = "case"
CASE_INTERNAL = "case_internal"
CASE_KINDS = (CASE, CASE_INTERNAL)

# What the documents were last written with, kept on the case instance by lock_case and
# save_case, so a save that changes none of them costs no index write.
_INDEXED_FILTERS = "_search_filters"


def case_title(case: Case) -> str:
    return f"{case.number} {case.subject}"


def _filters(case: Case) -> dict[str, object]:
    return {
        "status": case.status,
        "owner_id": case.owner_id,
        "team_id": case.team_id,
        "organization_id": case.organization_id,
    }


def _text(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p)


def _case_document(case: Case, public_notes: Iterable[str]) -> Document:
    return Document(
        kind=CASE,
        object_id=case.pk,
        title=case_title(case),
        body=_text([case.description, *public_notes]),
        created_at=case.created_at,
        status=case.status,
        owner_id=case.owner_id,
        team_id=case.team_id,
        organization_id=case.organization_id,
        is_public=True,
    )


def _internal_document(case: Case, internal_texts: Iterable[str]) -> Document:
    return Document(
        kind=CASE_INTERNAL,
        object_id=case.pk,
        parent_id=case.pk,
        title=case_title(case),
        body=_text(internal_texts),
        created_at=case.created_at,
        status=case.status,
        owner_id=case.owner_id,
        team_id=case.team_id,
        organization_id=case.organization_id,
        is_public=False,
    )


def remember_filters(case: Case) -> None:
    setattr(case, _INDEXED_FILTERS, _filters(case))


def case_index_opened(case: Case) -> None:
    """A new case: both documents in one statement (it has no notes or contacts yet)."""
    index_documents([_case_document(case, []), _internal_document(case, [])])
    remember_filters(case)


# (when, order, id, text): how pieces of text are put in the order they were written.
_Piece = tuple[dt.datetime, int, int, str]


def _gather(
    case: Case,
    notes: Iterable[Note],
    interactions: Iterable[Interaction],
    merged: Iterable[Case],
    *,
    public: bool = True,
    internal: bool = True,
) -> tuple[list[str], list[str]]:
    """The public texts (after the description) and the internal texts of a case's documents,
    in the order they were written: each case merged into it comes in as one block, at the
    time of the merge — just as the services appended them."""
    own_public: dict[int, list[_Piece]] = {}
    own_internal: dict[int, list[_Piece]] = {}
    for note in notes:
        pieces = own_public if note.visibility == NoteVisibility.PUBLIC else own_internal
        pieces.setdefault(note.case_id, []).append((note.created_at, 0, note.pk, note.body))
    for i in interactions:
        own_internal.setdefault(i.case_id, []).append((i.created_at, 1, i.pk, i.note))

    def texts(pieces: list[_Piece]) -> list[str]:
        return [p[3] for p in sorted(pieces, key=lambda p: p[:3])]

    public_pieces = list(own_public.get(case.pk, []))
    internal_pieces = list(own_internal.get(case.pk, []))
    for other in merged:
        at = other.closed_at or other.created_at
        heading = f"Merged from {case_title(other)}"
        block = _text([heading, other.description, *texts(own_public.get(other.pk, []))])
        public_pieces.append((at, 2, other.pk, block))
        other_internal = _text(texts(own_internal.get(other.pk, [])))
        if other_internal:
            internal_pieces.append((at, 2, other.pk, other_internal))
    return (texts(public_pieces) if public else [], texts(internal_pieces) if internal else [])


def _texts(
    case: Case, *, public: bool, internal: bool, with_merged: bool = True
) -> tuple[list[str], list[str]]:
    """_gather from the database: the cases merged into this one (unless not `with_merged`),
    their and its notes (public only unless `internal`), and contact notes when `internal`."""
    merged = (
        list(
            Case.objects.filter(merged_into=case)
            .only("id", "subject", "description", "created_at", "closed_at")
            .order_by("closed_at", "id")
        )
        if with_merged
        else []
    )
    ids = [case.pk, *(m.pk for m in merged)]
    notes = Note.objects.filter(case_id__in=ids).only("case_id", "visibility", "body", "created_at")
    if not internal:
        notes = notes.filter(visibility=NoteVisibility.PUBLIC)
    interactions: Iterable[Interaction] = (
        Interaction.objects.filter(case_id__in=ids).only("case_id", "note", "created_at")
        if internal
        else []
    )
    return _gather(case, notes, interactions, merged, public=public, internal=internal)


def case_index(case: Case, *, public: bool = True, internal: bool = True) -> None:
    """Write the case's documents afresh from its records (after its subject or description
    changed): the public one, the internal one, or both."""
    public_texts, internal_texts = _texts(case, public=public, internal=internal)
    documents = []
    if public:
        documents.append(_case_document(case, public_texts))
    if internal:
        documents.append(_internal_document(case, internal_texts))
    index_documents(documents)
    remember_filters(case)


def case_index_note(note: Note) -> None:
    """A new note: public text joins the case's document, internal text the internal one."""
    kind = CASE if note.visibility == NoteVisibility.PUBLIC else CASE_INTERNAL
    index_append(kind=kind, object_id=note.case_id, text=note.body)


def case_index_interaction(interaction: Interaction) -> None:
    index_append(kind=CASE_INTERNAL, object_id=interaction.case_id, text=interaction.note)


def case_index_filters(case: Case) -> None:
    """Status, owner, team or organisation changed: both documents follow (one statement,
    none when nothing changed since the case was locked or last saved)."""
    current = _filters(case)
    if getattr(case, _INDEXED_FILTERS, None) == current:
        return
    index_set_filters(kind=CASE_KINDS, object_id=case.pk, **current)
    setattr(case, _INDEXED_FILTERS, current)


def case_index_merge(source: Case, target: Case) -> None:
    """`source` was merged into `target`: the target's documents gain the source's text, so
    searching for what was said on the duplicate finds the case that carries on."""
    # The duplicate's own words (what was merged into it earlier stays with it).
    public_texts, internal_texts = _texts(source, public=True, internal=True, with_merged=False)
    index_append(
        kind=CASE,
        object_id=target.pk,
        text=_text([f"Merged from {case_title(source)}", source.description, *public_texts]),
    )
    if internal_texts:
        index_append(kind=CASE_INTERNAL, object_id=target.pk, text=_text(internal_texts))


def reindex_cases() -> int:
    """Every case's two documents, written afresh in batches; returns how many documents."""
    notes = Prefetch("notes", queryset=Note.objects.order_by("created_at", "id"))
    interactions = Prefetch("interactions", queryset=Interaction.objects.order_by("id"))
    cases = Case.objects.prefetch_related(
        notes,
        interactions,
        Prefetch(
            "merged_cases",
            queryset=Case.objects.order_by("closed_at", "id").prefetch_related(notes, interactions),
        ),
    )
    written = 0
    for batch in in_batches(cases):
        documents: list[Document] = []
        for case in batch:
            merged = list(case.merged_cases.all())
            public_texts, internal_texts = _gather(
                case,
                [n for c in (case, *merged) for n in c.notes.all()],
                [i for c in (case, *merged) for i in c.interactions.all()],
                merged,
            )
            documents.append(_case_document(case, public_texts))
            documents.append(_internal_document(case, internal_texts))
        with transaction.atomic():
            written += index_documents(documents)
    return written
