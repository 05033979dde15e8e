"""The hot reads stay index range scans (PostgreSQL): the case page's timeline, my cases,
caller lookup by phone and search.

As in test_sla_scan_indexes, the queries the code really runs are captured and explained with
sequential scans switched off, and each must name the index it was built for: a query that
stopped matching its index would fall back to scanning a whole table or a whole other index
(as the timeline once did, planning a scan of every event through a join to cases).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from followthrough.cases.selectors import case_timeline, queue_mine
from followthrough.cases.selectors.search import search_for
from followthrough.cases.services import case_add_note, case_merge
from followthrough.cases.tests.factories import open_case
from followthrough.cases.tests.query_plans import plans
from followthrough.customers.selectors import customer_lookup
from followthrough.customers.services import contact_create

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL"
    ),
    pytest.mark.django_db,
]


def test_the_timeline_reads_one_range_of_the_case_event_index(agent, contact):
    case = open_case(actor=agent, contact=contact)
    case_add_note(actor=agent, case=case, body="Checked the port lights")

    [text] = plans(lambda: case_timeline(case), "cases_caseevent")

    # The (case, time) index read backwards, or the case's own index then a sort of its few
    # events: either is a range of one case, whichever the planner's statistics favour.
    assert re.search(r"Index Cond: \((cases_caseevent\.)?case_id = ", text), text
    assert "Seq Scan" not in text


def test_the_timeline_of_a_merged_case_reads_events_by_case(agent, tier1_lead, contact):
    case = open_case(actor=agent, contact=contact)
    merged = open_case(actor=agent, contact=contact)
    case_merge(actor=tier1_lead, source=merged, target=case, reason="Same switch")

    [text] = plans(lambda: case_timeline(case), "cases_caseevent")

    assert re.search(r"Index Cond: \((cases_caseevent\.)?case_id = ANY", text), text
    assert "Seq Scan" not in text


def test_my_cases_are_read_from_the_open_case_owner_index(agent):
    open_case(actor=agent)

    [text] = plans(lambda: queue_mine(agent), "cases_case")

    assert "case_open_owner_due" in text
    assert "Seq Scan" not in text


def test_a_phone_number_is_looked_up_in_its_index(organization):
    contact_create(actor=None, organization=organization, name="Ada", phones=["+14155550134"])
    number = "+14155550134"

    texts = plans(lambda: customer_lookup(number), "customers_contact")

    assert any("contact_phone_number" in t for t in texts), texts
    assert not any("Seq Scan" in t for t in texts)


def test_search_reads_the_text_index(agent):
    open_case(actor=agent, subject="Router firmware fails to update")

    [text] = plans(lambda: search_for(agent, "firmware"), "core_searchdocument")

    # The text index, the newest documents backwards up to the ranking window, or (in a table
    # this small, whatever the statistics favour) the documents of the kinds searched.
    indexes = ("core_searchdocument_vector_gin", "search_document_recent", "search_document_kind")
    assert any(name in text for name in indexes), text
    assert "Seq Scan on core_searchdocument" not in text


def test_the_start_of_a_name_is_looked_up_in_the_prefix_indexes(organization):
    contact_create(actor=None, organization=organization, name="Ada Lovelace")

    texts = plans(lambda: customer_lookup("Ada"), "customers_contact")

    assert any("contact_name_prefix" in t for t in texts), texts
    assert any("organization_name_prefix" in t for t in texts), texts
    assert not any("Seq Scan" in t for t in texts), texts
