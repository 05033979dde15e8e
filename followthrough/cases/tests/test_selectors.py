"""Reads: the brief, the timeline, the queues and the customer 360, with pinned query counts."""

from __future__ import annotations

import pytest

from followthrough.accounts.models import Membership
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case
from followthrough.cases.selectors import (
    case_brief,
    case_timeline,
    commitments_due,
    customer_360,
    customer_360_for_match,
    handoffs_waiting_for,
    queue_mine,
    queue_team,
    queue_unassigned,
)
from followthrough.cases.services import case_add_note, case_merge, case_set_status, decision_record
from followthrough.cases.states import CaseStatus, EventType, HandoffKind
from followthrough.cases.tests.factories import hand_off, in_hours, log_call, open_case, promise
from followthrough.core.errors import ServiceError
from followthrough.customers.selectors import customer_lookup
from followthrough.customers.tests.factories import AssetFactory, ContactPhoneFactory


def _busy_case(agent, agents, tier2, lead):
    """A case with many contacts, agents, promises, decisions and a pending handoff."""
    case = open_case(actor=agent, owner=agent, team=agent.teams.get())
    for other in agents:
        log_call(other, case)
    for i in range(3):
        promise(agent, case, description=f"Promise {i}", due_at=in_hours(i + 1))
        decision_record(
            actor=agent,
            case=case,
            policy=f"Policy {i}",
            decision="Exception granted",
            rationale="Customer far from site",
            approved_by=lead,
        )
    hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2, tried="Reboot, cables")
    return case


def test_brief_says_how_often_and_who_before(agent, agent2, tier1):
    case = open_case(actor=agent, owner=agent, team=tier1)
    log_call(agent, case)
    third = UserFactory.create(first_name="Carl", last_name="Third")
    Membership.objects.create(user=third, team=tier1)
    log_call(agent2, case)
    log_call(third, case)
    brief = case_brief(case.pk)
    assert brief.contact_summary == "3rd contact, previously Bea Second and Carl Third"
    assert brief.owner_name == "Adam Agent"
    assert brief.reach_owner == agent.direct_line
    assert [i.agent for i in brief.recent_interactions] == [third, agent2, agent]


def test_brief_of_queue_case_points_at_the_team(tier1, agent):
    case = open_case(actor=agent, owner=None, team=tier1)
    brief = case_brief(case.pk)
    assert brief.owner_name == "Tier 1 queue"
    assert brief.reach_owner == tier1.direct_line
    assert brief.contact_summary == "No contact logged yet"


def test_brief_query_count_does_not_grow_with_the_case(
    agent, agent2, tier1_lead, tier2, django_assert_num_queries
):
    small = open_case(actor=agent, owner=agent, team=agent.teams.get())
    busy = _busy_case(agent, [agent, agent2, tier1_lead], tier2, tier1_lead)
    with django_assert_num_queries(7):
        brief = case_brief(small.pk)
        assert brief.open_commitments == []
    with django_assert_num_queries(7):
        brief = case_brief(busy.pk)
        assert len(brief.open_commitments) == 3
        assert len(brief.decisions) == 3
        assert brief.pending_handoff is not None
        assert brief.tried == ["Reboot, cables"]
        assert [a.display_name for a in brief.agents] == [
            "Adam Agent",
            "Bea Second",
            "Lena Lead",
        ]
        assert brief.contact_summary.startswith("3rd contact, previously")


def test_timeline_is_newest_first_filterable_and_paged(agent, django_assert_num_queries):
    case = open_case(actor=agent)
    for i in range(5):
        case_add_note(actor=agent, case=case, body=f"Note {i}")
    log_call(agent, case)
    # The merged cases, the events, then their handoffs, promises and decisions.
    with django_assert_num_queries(5):
        page = case_timeline(case, limit=4)
        types = [e.type for e in page.items]
        bodies = [e.note.body for e in page.items if e.note]
    assert types[:2] == [EventType.NEXT_STEP_CONFIRMED, EventType.INTERACTION_LOGGED]
    assert bodies == ["Note 4", "Note 3"]
    assert page.next_cursor
    rest = case_timeline(case, cursor=page.next_cursor, limit=50)
    assert [e.type for e in rest.items][-1] == EventType.OPENED
    assert rest.next_cursor is None
    assert len(page.items) + len(rest.items) == 8
    notes_only = case_timeline(case, only="notes")
    assert {e.type for e in notes_only.items} == {EventType.NOTE_ADDED}
    assert len(notes_only.items) == 5


def test_timeline_refuses_unknown_filter_and_forged_cursor(agent):
    case = open_case(actor=agent)
    with pytest.raises(ServiceError) as exc:
        case_timeline(case, only="everything")
    assert exc.value.code == "invalid"
    with pytest.raises(ServiceError) as exc:
        case_timeline(case, cursor="not-a-cursor!!")
    assert exc.value.code == "invalid"


def test_timeline_of_merge_target_shows_both_histories(agent, tier1_lead, contact):
    target = open_case(actor=agent, contact=contact, subject="Line down")
    source = open_case(actor=agent, contact=contact, subject="Line down again")
    case_add_note(actor=agent, case=source, body="From the duplicate")
    case_merge(actor=tier1_lead, source=source, target=target, reason="Same outage")
    events = case_timeline(target).items
    assert {e.case_id for e in events} == {target.pk, source.pk}
    assert any(e.note and e.note.body == "From the duplicate" for e in events)


def test_queues_sort_by_next_step_due_and_page(agent, agent2, tier1, django_assert_num_queries):
    mine = [
        open_case(actor=agent, owner=agent, team=tier1, next_step_due=in_hours(h))
        for h in (5, 1, 3)
    ]
    queued = [
        open_case(actor=agent, owner=None, team=tier1, next_step_due=in_hours(h)) for h in (4, 2)
    ]
    done = open_case(actor=agent, owner=agent, team=tier1, next_step_due=in_hours(0.5))
    case_set_status(actor=agent, case=done, status=CaseStatus.RESOLVED)
    open_case(actor=agent2, owner=agent2)  # someone else's

    with django_assert_num_queries(1):
        page = queue_mine(agent, limit=2)
    assert [c.pk for c in page.items] == [mine[1].pk, mine[2].pk]
    rest = queue_mine(agent, cursor=page.next_cursor, limit=2)
    assert [c.pk for c in rest.items] == [mine[0].pk]
    assert rest.next_cursor is None

    with django_assert_num_queries(1):
        team = queue_team(tier1)
        assert [c.pk for c in team.items] == [
            mine[1].pk,
            queued[1].pk,
            mine[2].pk,
            queued[0].pk,
            mine[0].pk,
        ]
        assert all(c.owner is None or c.owner.display_name for c in team.items)

    with django_assert_num_queries(1):
        unassigned = queue_unassigned(agent2)
        assert [c.pk for c in unassigned.items] == [queued[1].pk, queued[0].pk]


def test_queue_query_count_is_the_same_for_fifty_cases(agent, tier1, django_assert_num_queries):
    for _ in range(50):
        open_case(actor=agent, owner=agent, team=tier1, contact=None)
    with django_assert_num_queries(1):
        page = queue_mine(agent, limit=50)
        assert [c.team.name for c in page.items if c.team] == ["Tier 1"] * 50


def test_handoffs_waiting_for_named_person_and_their_teams(
    agent, tier1, tier2, tier2_agent, tier2_lead, django_assert_num_queries
):
    to_team = open_case(actor=agent, owner=agent, team=tier1, subject="For the team")
    to_person = open_case(actor=agent, owner=agent, team=tier1, subject="For the lead")
    team_handoff = hand_off(agent, to_team, to_team=tier2)
    lead_handoff = hand_off(agent, to_person, to_user=tier2_lead)
    with django_assert_num_queries(1):
        waiting = [h.pk for h in handoffs_waiting_for(tier2_agent).items]
    assert waiting == [team_handoff.pk]
    assert [h.pk for h in handoffs_waiting_for(tier2_lead).items] == [
        team_handoff.pk,
        lead_handoff.pk,
    ]
    assert handoffs_waiting_for(agent).items == []


def test_commitments_due_lists_open_promises_up_to_a_time(agent, agent2, django_assert_num_queries):
    case = open_case(actor=agent)
    soon = promise(agent, case, description="Call back", due_at=in_hours(1))
    promise(agent, case, description="Next week", due_at=in_hours(24 * 7))
    promise(agent, case, description="Someone else's", due_at=in_hours(1), owner=agent2)
    with django_assert_num_queries(1):
        due = commitments_due(agent, until=in_hours(12))
        assert [(c.pk, c.case.number) for c in due.items] == [(soon.pk, case.number)]


def test_customer_360_puts_open_cases_first_with_owners(
    agent, contact, organization, django_assert_num_queries
):
    closed = open_case(actor=agent, contact=contact, subject="Old problem")
    case_set_status(actor=agent, case=closed, status=CaseStatus.RESOLVED)
    later = open_case(actor=agent, contact=contact, subject="Later", next_step_due=in_hours(9))
    sooner = open_case(actor=agent, contact=contact, subject="Sooner", next_step_due=in_hours(1))
    AssetFactory.create(organization=organization)
    with django_assert_num_queries(5):
        view = customer_360(organization=organization, contact=contact)
        assert [c.pk for c in view.open_cases] == [sooner.pk, later.pk]
        assert [c.owner.display_name for c in view.open_cases if c.owner] == ["Adam Agent"] * 2
        assert [c.pk for c in view.history] == [closed.pk]
        assert len(view.assets) == 1
    assert view.returning_case == sooner


def test_customer_found_by_phone_gets_their_open_case_offered_first(agent, contact):
    ContactPhoneFactory.create(contact=contact, number="+14155550134", raw="415 555 0134")
    colleague_case = open_case(
        actor=agent, organization=contact.organization, subject="Colleague's case"
    )
    theirs = open_case(
        actor=agent, contact=contact, subject="Their case", next_step_due=in_hours(30)
    )
    [match] = customer_lookup("(415) 555-0134")
    view = customer_360_for_match(match)
    assert view.returning_case == theirs
    assert [c.pk for c in view.open_cases] == [theirs.pk, colleague_case.pk]


def test_customer_found_by_serial_gets_the_asset_case_first(agent, organization):
    asset = AssetFactory.create(organization=organization, serial_number="SW-48-0001")
    open_case(actor=agent, organization=organization, subject="Unrelated")
    about_asset = open_case(
        actor=agent, asset=asset, subject="Switch faulty", next_step_due=in_hours(40)
    )
    [match] = customer_lookup("SW-48-0001")
    view = customer_360_for_match(match)
    assert view.returning_case == about_asset
    assert Case.objects.count() == 2
