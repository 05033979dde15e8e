"""A case's two search documents follow every change, in the same transaction: opening, notes,
contacts, subject and description edits, status, owner and team, merges."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followthrough.cases.services import (
    case_add_note,
    case_assign,
    case_claim,
    case_merge,
    case_set_status,
    case_update,
    handoff_accept,
)
from followthrough.cases.services.search_index import CASE, CASE_INTERNAL, reindex_cases
from followthrough.cases.states import CaseStatus, NoteVisibility
from followthrough.cases.tests.factories import hand_off, log_call, open_case
from followthrough.core.errors import ServiceError
from followthrough.core.models import SearchDocument
from followthrough.core.search import Scope, search

STAFF = [Scope(kind=CASE), Scope(kind=CASE_INTERNAL, collapse_into=CASE)]


def documents(case) -> dict[str, SearchDocument]:
    return {
        d.kind: d
        for d in SearchDocument.objects.filter(object_id=case.pk, kind__in=[CASE, CASE_INTERNAL])
    }


def found(text: str, scopes=STAFF) -> list[int]:
    return [h.parent_id or h.object_id for h in search(text, scopes=scopes).hits]


def index_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "core_searchdocument" in q["sql"]]


def test_opening_a_case_writes_its_public_and_internal_documents(agent, tier1, contact):
    case = open_case(
        actor=agent,
        owner=agent,
        team=tier1,
        contact=contact,
        subject="VPN drops hourly",
        description="Since the router swap the tunnel drops every hour.",
    )
    docs = documents(case)
    public, internal = docs[CASE], docs[CASE_INTERNAL]
    assert public.title == internal.title == f"{case.number} VPN drops hourly"
    assert "tunnel drops every hour" in public.body
    assert internal.body == ""
    for d in (public, internal):
        assert (d.status, d.owner_id, d.team_id, d.organization_id) == (
            CaseStatus.OPEN,
            agent.pk,
            tier1.pk,
            contact.organization_id,
        )
        assert d.created_at == case.created_at
    assert (public.is_public, internal.is_public, internal.parent_id) == (True, False, case.pk)
    assert found("tunnel") == [case.pk]
    assert found(case.number) == [case.pk]


def test_public_notes_join_the_case_document_and_internal_ones_the_internal(agent, contact):
    case = open_case(actor=agent, contact=contact)
    case_add_note(actor=agent, case=case, body="We shipped a new fuser", visibility="public")
    case_add_note(actor=agent, case=case, body="Customer was rude about the toner")
    portal = [Scope(kind=CASE, organization_id=contact.organization_id)]
    assert found("fuser") == [case.pk]
    assert found("fuser", portal) == [case.pk]
    assert found("rude") == [case.pk]
    assert found("rude", portal) == []
    (hit,) = search("rude", scopes=STAFF).hits
    assert hit.kind == CASE_INTERNAL and "<mark>rude</mark>" in hit.snippet_html


def test_contact_notes_are_internal_text(agent, contact):
    case = open_case(actor=agent, contact=contact)
    log_call(agent, case, note="Walked her through the removal tool")
    assert found("removal tool") == [case.pk]
    assert found("removal", [Scope(kind=CASE)]) == []


def test_editing_the_subject_or_description_rewrites_the_documents(agent, contact):
    case = open_case(actor=agent, contact=contact, subject="Printer offline")
    case_add_note(actor=agent, case=case, body="Toner replaced", visibility="public")
    log_call(agent, case, note="Asked for the model number")
    case_update(actor=agent, case=case, subject="Plotter offline", description="Big plotter")
    docs = documents(case)
    assert docs[CASE].title == docs[CASE_INTERNAL].title == f"{case.number} Plotter offline"
    assert found("printer") == []
    assert found("plotter") == [case.pk]
    # What the notes said is still there after the rewrite.
    assert found("toner") == [case.pk]
    assert found("model number") == [case.pk]


def test_status_changes_reach_both_documents(agent, contact):
    case = open_case(actor=agent, contact=contact)
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    assert {d.status for d in documents(case).values()} == {CaseStatus.PENDING_CUSTOMER}
    log_call(agent, case, resolve=True, note="Fixed by the update")
    assert {d.status for d in documents(case).values()} == {CaseStatus.RESOLVED}


def test_assigning_claiming_and_handing_off_move_owner_and_team(
    agent, agent2, tier1, tier1_lead, tier2, tier2_agent
):
    case = open_case(actor=agent, owner=None, team=tier1)
    assert {(d.owner_id, d.team_id) for d in documents(case).values()} == {(None, tier1.pk)}
    case_claim(actor=agent2, case=case)
    assert {(d.owner_id, d.team_id) for d in documents(case).values()} == {(agent2.pk, tier1.pk)}
    case_assign(actor=tier1_lead, case=case, owner=agent, team=tier1, reason="Knows the site")
    assert {d.owner_id for d in documents(case).values()} == {agent.pk}
    handoff = hand_off(agent, case, to_user=tier2_agent, to_team=tier2)
    handoff_accept(actor=tier2_agent, handoff=handoff)
    assert {(d.owner_id, d.team_id) for d in documents(case).values()} == {
        (tier2_agent.pk, tier2.pk)
    }


def test_merging_gives_the_surviving_case_the_duplicates_text(agent, tier1_lead, contact):
    target = open_case(actor=agent, contact=contact, subject="Switch dead")
    source = open_case(actor=agent, contact=contact, subject="Switch again", description="Port 7")
    case_add_note(actor=agent, case=source, body="Fan noise reported", visibility="public")
    log_call(agent, source, note="Serial read out over the phone")
    case_merge(actor=tier1_lead, source=source, target=target, reason="Same switch")

    portal = [Scope(kind=CASE, organization_id=contact.organization_id)]
    assert sorted(found("fan noise")) == sorted([target.pk, source.pk])
    assert target.pk in found("serial read")
    assert target.pk in found("port 7", portal)
    assert {d.status for d in documents(source).values()} == {CaseStatus.CLOSED}
    assert {d.status for d in documents(target).values()} == {CaseStatus.OPEN}


def test_a_refused_change_leaves_the_documents_alone(agent, contact):
    case = open_case(actor=agent, contact=contact)
    log_call(agent, case, resolve=True, note="Fixed")
    case_set_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    before = {k: (d.body, d.status, d.updated_at) for k, d in documents(case).items()}
    with pytest.raises(ServiceError):
        log_call(agent, case, note="Secret words")
    with pytest.raises(ServiceError):
        case_update(actor=agent, case=case, subject="Renamed")
    assert {k: (d.body, d.status, d.updated_at) for k, d in documents(case).items()} == before
    assert found("secret") == []


def test_a_note_costs_one_index_write_and_an_unchanged_owner_none(agent, contact):
    case = open_case(actor=agent, contact=contact)
    with CaptureQueriesContext(connection) as queries:
        case_add_note(actor=agent, case=case, body="One more internal note")
    writes = index_writes(queries.captured_queries)
    assert len(writes) == 1 and writes[0].startswith("UPDATE")
    with CaptureQueriesContext(connection) as queries:
        case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    assert len(index_writes(queries.captured_queries)) == 1
    with CaptureQueriesContext(connection) as queries:
        open_case(actor=agent, contact=contact)
    assert len(index_writes(queries.captured_queries)) == 1


def test_reindexing_writes_what_the_services_wrote(agent, tier1_lead, contact):
    target = open_case(actor=agent, contact=contact, description="Original words")
    source = open_case(actor=agent, contact=contact)
    for case in (target, source):
        case_add_note(actor=agent, case=case, body=f"Public {case.pk}", visibility="public")
        case_add_note(actor=agent, case=case, body=f"Internal {case.pk}")
        log_call(agent, case, note=f"Call {case.pk}")
    case_add_note(actor=agent, case=target, body="Last word", visibility=NoteVisibility.INTERNAL)
    case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")
    written = {
        (d.kind, d.object_id): (d.title, d.body, d.status, d.owner_id, d.team_id, d.is_public)
        for d in SearchDocument.objects.all()
    }
    SearchDocument.objects.all().delete()
    assert reindex_cases() == 4
    again = {
        (d.kind, d.object_id): (d.title, d.body, d.status, d.owner_id, d.team_id, d.is_public)
        for d in SearchDocument.objects.all()
    }
    assert again == written
