"""Linking cases, and merging a duplicate into the case that carries on."""

from __future__ import annotations

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import CaseEvent, CaseLink, Commitment, Handoff
from followthrough.cases.selectors import case_timeline
from followthrough.cases.services import (
    case_add_note,
    case_link,
    case_merge,
    case_set_status,
    commitment_keep,
)
from followthrough.cases.states import CaseStatus, EventType, HandoffStatus, LinkKind
from followthrough.cases.tests.factories import case_state, hand_off, log_call, open_case, promise
from followthrough.core.errors import ServiceError


def events(case, type):
    return list(CaseEvent.objects.filter(case=case, type=type).order_by("id"))


# --- case_link ----------------------------------------------------------------------------


def test_link_is_recorded_on_both_cases(agent, agent2):
    case = open_case(actor=agent)
    other = open_case(actor=agent2, subject="Same printer, second site")

    link = case_link(actor=agent, case=case, other=other, kind=LinkKind.RELATED)

    assert (link.from_case, link.to_case, link.kind, link.created_by) == (
        case,
        other,
        LinkKind.RELATED,
        agent,
    )
    for this, that, side in ((case, other, "to"), (other, case, "from")):
        this.refresh_from_db()
        assert this.version == 2
        assert (this.interaction_count, this.agent_count, this.open_commitment_count) == (0, 1, 0)
        [event] = events(this, EventType.LINKED)
        assert event.actor == agent
        assert event.related_case == that
        assert event.case_version == 2
        assert event.after == {"kind": LinkKind.RELATED, "side": side, "case": that.number}


def test_a_closed_case_may_be_linked_to_its_follow_up(agent):
    old = open_case(actor=agent)
    case_set_status(actor=agent, case=old, status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=old, status=CaseStatus.CLOSED)
    new = open_case(actor=agent, subject="Printer offline again")

    case_link(actor=agent, case=new, other=old, kind=LinkKind.RELATED)

    assert len(events(old, EventType.LINKED)) == 1
    assert len(events(new, EventType.LINKED)) == 1


@pytest.mark.parametrize("reverse", [False, True])
def test_linking_twice_is_refused_in_either_direction(agent, reverse):
    case = open_case(actor=agent)
    other = open_case(actor=agent, subject="Second report")
    case_link(actor=agent, case=case, other=other, kind=LinkKind.RELATED)
    first, second = (other, case) if reverse else (case, other)
    before = case_state(case), case_state(other)
    with pytest.raises(ServiceError) as exc:
        case_link(actor=agent, case=first, other=second, kind=LinkKind.DUPLICATE)
    assert exc.value.code == CaseError.LINK_EXISTS
    assert (case_state(case), case_state(other)) == before


def test_linking_a_case_to_itself_is_refused(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_link(actor=agent, case=case, other=case, kind=LinkKind.RELATED)
    assert exc.value.code == CaseError.LINK_TO_SELF
    assert case_state(case) == before


def test_link_refused_for_an_unknown_kind(agent):
    case = open_case(actor=agent)
    other = open_case(actor=agent, subject="Second report")
    before = case_state(case), case_state(other)
    with pytest.raises(ServiceError) as exc:
        case_link(actor=agent, case=case, other=other, kind="cousin")
    assert exc.value.code == "invalid"
    assert (case_state(case), case_state(other)) == before


def test_link_refused_without_the_capability(agent):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    case = open_case(actor=agent)
    other = open_case(actor=agent, subject="Second report")
    before = case_state(case), case_state(other)
    with pytest.raises(ServiceError) as exc:
        case_link(actor=technician, case=case, other=other, kind=LinkKind.RELATED)
    assert exc.value.code == "forbidden"
    assert (case_state(case), case_state(other)) == before


# --- case_merge ---------------------------------------------------------------------------


def test_merge_moves_promises_agents_and_history_and_closes_the_source(
    agent, agent2, tier1_lead, contact
):
    target = open_case(actor=agent, contact=contact)
    target_promise = promise(agent, target, description="Send the driver link")
    source = open_case(actor=agent, contact=contact, subject="Printer still offline")
    log_call(agent, source)
    log_call(agent2, source)
    kept = promise(agent, source, description="Email the log collector")
    commitment_keep(actor=agent, commitment=kept)
    moved = [promise(agent, source, description=f"Promise {i}") for i in range(2)]
    handoff = hand_off(agent, source, to_user=agent2)
    target.refresh_from_db()
    source.refresh_from_db()
    assert (source.interaction_count, source.agent_count, source.open_commitment_count) == (2, 2, 2)
    target_version, source_version = target.version, source.version

    result = case_merge(actor=tier1_lead, source=source, target=target, reason="Same printer")

    assert result.pk == target.pk
    target.refresh_from_db()
    source.refresh_from_db()
    # Promises: the open ones move over, the settled one stays where it was kept.
    assert set(Commitment.objects.filter(case=target).values_list("pk", flat=True)) == {
        target_promise.pk,
        *(c.pk for c in moved),
    }
    assert Commitment.objects.get(pk=kept.pk).case_id == source.pk
    assert (target.open_commitment_count, source.open_commitment_count) == (3, 0)
    # agent worked both cases and counts once; agent2 only worked the source.
    assert target.agent_count == 2
    assert target.interaction_count == 2
    assert target.version == target_version + 1
    assert target.status == CaseStatus.OPEN
    # The source closes as a duplicate pointing at the target.
    assert source.status == CaseStatus.CLOSED
    assert source.merged_into == target
    assert source.closed_at is not None
    assert (source.next_step, source.next_step_due) == ("", None)
    assert source.version == source_version + 1
    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case, link.kind) == (source, target, LinkKind.DUPLICATE)
    # The source's pending handoff is withdrawn.
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CANCELLED
    assert handoff.responded_by == tier1_lead
    [cancelled] = events(source, EventType.HANDOFF_CANCELLED)
    assert (cancelled.actor, cancelled.handoff) == (tier1_lead, handoff)
    # Events on both sides.
    [merged_from] = events(target, EventType.MERGED_FROM)
    assert merged_from.actor == tier1_lead
    assert merged_from.related_case == source
    assert merged_from.reason == "Same printer"
    assert merged_from.after == {"case": source.number, "promises_moved": 2}
    moved_events = events(target, EventType.COMMITMENT_MOVED)
    assert [e.commitment_id for e in moved_events] == [c.pk for c in moved]
    assert {e.related_case_id for e in moved_events} == {source.pk}
    [merged_into] = events(source, EventType.MERGED_INTO)
    assert merged_into.actor == tier1_lead
    assert merged_into.related_case == target
    assert merged_into.reason == "Same printer"
    assert merged_into.before["status"] == CaseStatus.OPEN
    assert merged_into.after == {"status": CaseStatus.CLOSED, "case": target.number}


def test_target_timeline_shows_the_source_history_after_a_merge(agent, tier1_lead, contact):
    target = open_case(actor=agent, contact=contact)
    source = open_case(actor=agent, contact=contact, subject="Duplicate")
    case_add_note(actor=agent, case=source, body="Customer sent a photo of the panel")

    case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")

    timeline = {e.pk for e in case_timeline(target, limit=200).items}
    source_events = set(CaseEvent.objects.filter(case=source).values_list("pk", flat=True))
    target_events = set(CaseEvent.objects.filter(case=target).values_list("pk", flat=True))
    assert source_events
    assert timeline == source_events | target_events
    notes = case_timeline(target, only="notes").items
    assert [e.case_id for e in notes] == [source.pk]


def test_merge_keeps_an_existing_link_instead_of_adding_one(agent, tier1_lead):
    target = open_case(actor=agent)
    source = open_case(actor=agent, subject="Duplicate")
    case_link(actor=agent, case=target, other=source, kind=LinkKind.RELATED)

    case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")

    assert list(CaseLink.objects.values_list("from_case", "to_case", "kind")) == [
        (target.pk, source.pk, LinkKind.RELATED)
    ]


def test_promise_moved_by_a_merge_is_settled_on_the_target(agent, tier1_lead):
    target = open_case(actor=agent)
    source = open_case(actor=agent, subject="Duplicate")
    commitment = promise(agent, source)
    case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")

    # The commitment object still says it belongs to the source, as a page loaded before the
    # merge would.
    commitment_keep(actor=agent, commitment=commitment)

    target.refresh_from_db()
    source.refresh_from_db()
    assert (target.open_commitment_count, source.open_commitment_count) == (0, 0)
    [kept] = events(target, EventType.COMMITMENT_KEPT)
    assert kept.commitment_id == commitment.pk
    assert events(source, EventType.COMMITMENT_KEPT) == []


def test_merge_refused_for_an_agent_without_the_right(agent):
    target = open_case(actor=agent)
    source = open_case(actor=agent, subject="Duplicate")
    before = case_state(source), case_state(target)
    with pytest.raises(ServiceError) as exc:
        case_merge(actor=agent, source=source, target=target, reason="Duplicate")
    assert exc.value.code == "forbidden"
    assert (case_state(source), case_state(target)) == before


def test_merge_refused_without_a_reason(agent, tier1_lead):
    target = open_case(actor=agent)
    source = open_case(actor=agent, subject="Duplicate")
    before = case_state(source), case_state(target)
    with pytest.raises(ServiceError) as exc:
        case_merge(actor=tier1_lead, source=source, target=target, reason="  ")
    assert exc.value.code == CaseError.REASON_REQUIRED
    assert (case_state(source), case_state(target)) == before


def test_merging_a_case_into_itself_is_refused(agent, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_merge(actor=tier1_lead, source=case, target=case, reason="Duplicate")
    assert exc.value.code == CaseError.MERGE_INTO_SELF
    assert case_state(case) == before


def test_merge_across_organisations_is_refused(agent, tier1_lead, contact, other_organization):
    target = open_case(actor=agent, contact=contact)
    source = open_case(actor=agent, organization=other_organization, subject="Duplicate")
    promise(agent, source)
    before = case_state(source), case_state(target)
    with pytest.raises(ServiceError) as exc:
        case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")
    assert exc.value.code == CaseError.CUSTOMER_MISMATCH
    assert (case_state(source), case_state(target)) == before


@pytest.mark.parametrize("closed", ["source", "target"])
def test_merge_refused_when_either_case_is_closed(agent, tier1_lead, closed):
    cases = {"target": open_case(actor=agent), "source": open_case(actor=agent, subject="Dup")}
    case_set_status(actor=agent, case=cases[closed], status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=cases[closed], status=CaseStatus.CLOSED)
    before = case_state(cases["source"]), case_state(cases["target"])
    with pytest.raises(ServiceError) as exc:
        case_merge(
            actor=tier1_lead, source=cases["source"], target=cases["target"], reason="Duplicate"
        )
    assert exc.value.code == CaseError.CASE_CLOSED
    assert (case_state(cases["source"]), case_state(cases["target"])) == before


def test_merge_refused_onto_a_resolved_case_while_promises_would_move(agent, tier1_lead):
    target = open_case(actor=agent)
    case_set_status(actor=agent, case=target, status=CaseStatus.RESOLVED)
    source = open_case(actor=agent, subject="Duplicate")
    promise(agent, source)
    before = case_state(source), case_state(target)
    with pytest.raises(ServiceError) as exc:
        case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")
    assert exc.value.code == CaseError.CASE_NOT_OPEN
    assert (case_state(source), case_state(target)) == before


def test_merge_onto_a_resolved_case_without_open_promises_keeps_it_resolved(agent, tier1_lead):
    target = open_case(actor=agent)
    case_set_status(actor=agent, case=target, status=CaseStatus.RESOLVED)
    source = open_case(actor=agent, subject="Duplicate")

    case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")

    target.refresh_from_db()
    source.refresh_from_db()
    assert target.status == CaseStatus.RESOLVED
    assert source.merged_into == target
    assert Handoff.objects.count() == 0


def test_merge_cancelling_a_handoff_records_it_at_the_merges_version(
    agent, tier1, tier1_lead, tier2
):
    target = open_case(actor=agent)
    source = open_case(actor=agent, owner=agent, team=tier1)
    hand_off(agent, source, to_team=tier2)
    case_merge(actor=tier1_lead, source=source, target=target, reason="Duplicate")
    versions = list(
        CaseEvent.objects.filter(case=source).order_by("id").values_list("type", "case_version")
    )
    assert versions[-2:] == [
        (EventType.HANDOFF_CANCELLED, 3),
        (EventType.MERGED_INTO, 3),
    ]
    source.refresh_from_db()
    assert source.version == 3
