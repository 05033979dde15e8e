"""DESIGN.md §2, invariants 1-6: each one attacked through the services, and at the database
underneath them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from followthrough.cases import services
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseEvent, Interaction
from followthrough.cases.services import (
    case_add_note,
    case_assign,
    case_log_interaction,
    case_open,
    case_set_next_step,
    case_set_status,
    handoff_accept,
    handoff_escalate_unaccepted,
)
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    CommitmentParty,
    Direction,
    Disposition,
    EventType,
    HandoffKind,
    HandoffStatus,
)
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise
from followthrough.core.errors import ServiceError


def _call(**kw: Any) -> dict[str, Any]:
    return {
        "channel": Channel.PHONE,
        "direction": Direction.INBOUND,
        "disposition": Disposition.NEXT_STEP_SET,
        "note": "Customer reports the line is down again.",
        "started_at": timezone.now(),
        **kw,
    }


# 1. An open case has an owner, or sits in a team queue. It is never nobody's.


def test_invariant_1_case_cannot_open_without_owner_or_team(agent):
    with pytest.raises(ServiceError) as exc:
        case_open(
            actor=agent,
            subject="Nobody's case",
            channel=Channel.PHONE,
            next_step="Call back",
            next_step_due=in_hours(1),
        )
    assert exc.value.code == CaseError.OWNER_OR_TEAM_REQUIRED
    assert Case.objects.count() == 0


def test_invariant_1_assignment_cannot_leave_case_nobodys(agent, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_assign(actor=tier1_lead, case=case, owner=None, team=None)
    assert exc.value.code == CaseError.OWNER_OR_TEAM_REQUIRED
    assert case_state(case) == before


def test_invariant_1_database_refuses_open_case_with_no_owner_or_team(agent):
    case = open_case(actor=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(owner=None, team=None)
    case.refresh_from_db()
    assert case.owner == agent


# 2. An open case has a next step (what, and by when), confirmed at every contact and handoff.


def test_invariant_2_case_cannot_open_without_next_step(agent):
    with pytest.raises(ServiceError) as exc:
        case_open(
            actor=agent,
            owner=agent,
            subject="No plan",
            channel=Channel.PHONE,
            next_step="   ",
            next_step_due=in_hours(1),
        )
    assert exc.value.code == CaseError.NEXT_STEP_REQUIRED
    assert Case.objects.count() == 0


def test_invariant_2_contact_without_next_step_or_resolution_is_refused(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_log_interaction(actor=agent, case=case, **_call())
    assert exc.value.code == CaseError.NEXT_STEP_REQUIRED
    assert case_state(case) == before


def test_invariant_2_reopening_a_resolved_case_needs_a_next_step(agent):
    case = open_case(actor=agent)
    case = case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_set_status(actor=agent, case=case, status=CaseStatus.OPEN)
    assert exc.value.code == CaseError.NEXT_STEP_REQUIRED
    assert case_state(case) == before


def test_invariant_2_database_refuses_open_case_without_next_step(agent):
    case = open_case(actor=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(next_step="", next_step_due=None)
    case.refresh_from_db()
    assert case.next_step


# 3. Every interaction ends with a note and a disposition.


@pytest.mark.parametrize("note", ["", "   \n\t "])
def test_invariant_3_contact_without_note_is_refused(agent, note):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_log_interaction(actor=agent, case=case, confirm_next_step=True, **_call(note=note))
    assert exc.value.code == CaseError.NOTE_REQUIRED
    assert case_state(case) == before


def test_invariant_3_contact_without_valid_disposition_is_refused(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_log_interaction(
            actor=agent, case=case, confirm_next_step=True, **_call(disposition="whatever")
        )
    assert exc.value.code == "invalid"
    assert case_state(case) == before


def test_invariant_3_database_refuses_interaction_without_note(agent):
    case = open_case(actor=agent)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(
            case=case,
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
            agent=agent,
            started_at=now,
            ended_at=now,
            disposition=Disposition.NEXT_STEP_SET,
            note="",
        )
    assert Interaction.objects.count() == 0


# 4. A handoff carries summary, tried, promised and next step; the sender owns the case until
#    the receiver accepts; an unaccepted handoff escalates to the team lead.


@pytest.mark.parametrize("missing", ["summary", "tried", "promised", "next_step"])
def test_invariant_4_handoff_without_its_summary_is_refused(agent, tier2, missing):
    case = open_case(actor=agent, owner=agent, team=agent.teams.get())
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2, **{missing: ""})
    assert exc.value.code == CaseError.HANDOFF_INCOMPLETE
    assert exc.value.details["missing"] == [missing]
    assert case_state(case) == before


def test_invariant_4_sender_owns_until_accepted_then_receiver(agent, tier1, tier2, tier2_agent):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(
        agent,
        case,
        kind=HandoffKind.TIER_ESCALATION,
        to_team=tier2,
        next_step="Tier 2 to review the switch logs",
    )
    case.refresh_from_db()
    assert (case.owner, case.team) == (agent, tier1)
    case = handoff_accept(actor=tier2_agent, handoff=handoff)
    assert (case.owner, case.team) == (tier2_agent, tier2)
    assert case.next_step == "Tier 2 to review the switch logs"


def test_invariant_4_unaccepted_handoff_escalates_to_the_lead(agent, tier1, tier2, tier2_lead):
    case = open_case(actor=agent, owner=agent, team=tier1)
    handoff = hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2)
    escalation = handoff_escalate_unaccepted(
        actor=None, handoff=handoff, reason="Not accepted within 30 minutes"
    )
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ESCALATED
    assert escalation.kind == HandoffKind.LEAD_ESCALATION
    assert escalation.to_user == tier2_lead
    assert escalation.tried == handoff.tried
    case.refresh_from_db()
    assert case.owner == agent  # still the sender's until the lead accepts
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.type, event.actor, event.handoff) == (
        EventType.HANDOFF_ESCALATED,
        None,
        escalation,
    )


# 5. A case cannot be resolved while promises are open.


def test_invariant_5_resolve_refused_while_promise_open(agent):
    case = open_case(actor=agent)
    promise(agent, case, owed_by=CommitmentParty.CUSTOMER, description="Return the faulty switch")
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert exc.value.code == CaseError.OPEN_PROMISES
    assert exc.value.details["open_promises"] == 1
    assert "1 promise is still open" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        case_log_interaction(
            actor=agent, case=case, resolve=True, **_call(disposition=Disposition.RESOLVED)
        )
    assert exc.value.code == CaseError.OPEN_PROMISES
    assert case_state(case) == before


# 6. Every change writes a case event in the same transaction. Events are never changed.


def _every_service(agent, agent2, lead, tier1, tier2, tier2_agent, contact) -> list[tuple]:
    """One call of every case service, in an order that makes each valid, with its case."""
    from followthrough.cases.models import CaseArticle, Commitment, Decision, Handoff, Referral
    from followthrough.knowledge.services.vendors import vendor_create
    from followthrough.knowledge.tests.factories import published_article

    vendor = vendor_create(actor=lead, name="Vireo Software")
    article = published_article(agent, lead, title="Products incompatible with ShieldGuard")

    case = open_case(actor=agent, owner=agent, team=tier1, contact=contact)
    other = open_case(actor=agent, owner=agent, team=tier1, contact=contact, subject="Same outage")
    queued = open_case(actor=agent, owner=None, team=tier1, subject="In the queue")
    queued2 = open_case(actor=agent, owner=None, team=tier1, subject="Also in the queue")

    def last(model):
        return lambda: model.objects.latest("id")

    return [
        (case, lambda: services.case_update(actor=agent, case=case, priority="P2")),
        (
            case,
            lambda: services.case_log_interaction(
                actor=agent, case=case, confirm_next_step=True, **_call()
            ),
        ),
        (case, lambda: services.case_add_note(actor=agent, case=case, body="Checked logs")),
        (
            case,
            lambda: services.case_set_next_step(
                actor=agent, case=case, next_step="Call back", next_step_due=in_hours(2)
            ),
        ),
        (case, lambda: services.case_set_status(actor=agent, case=case, status="pending_customer")),
        (queued, lambda: services.case_claim(actor=agent2, case=queued)),
        (queued2, lambda: services.case_claim_next(actor=agent2, team=tier1)),
        (queued, lambda: services.case_assign(actor=lead, case=queued, owner=agent, team=tier1)),
        (
            case,
            lambda: services.commitment_add(
                actor=agent,
                case=case,
                owed_by="us",
                description="Call back",
                due_at=in_hours(3),
                owner=agent,
            ),
        ),
        (case, lambda: services.commitment_keep(actor=agent, commitment=last(Commitment)())),
        (
            case,
            lambda: services.commitment_break(
                actor=agent,
                commitment=services.commitment_add(
                    actor=agent,
                    case=case,
                    owed_by="us",
                    description="Visit",
                    due_at=in_hours(3),
                    owner=agent,
                ),
                reason="Technician ill",
            ),
        ),
        (
            case,
            lambda: services.commitment_cancel(
                actor=agent,
                commitment=services.commitment_add(
                    actor=agent,
                    case=case,
                    owed_by="customer",
                    description="Send photos",
                    due_at=in_hours(3),
                    owner=agent,
                ),
                reason="No longer needed",
            ),
        ),
        (
            case,
            lambda: services.decision_record(
                actor=agent,
                case=case,
                policy="No replacement before troubleshooting",
                decision="Ship an advance replacement",
                rationale="Customer is 2.5 hours from the device",
                approved_by=lead,
            ),
        ),
        (
            case,
            lambda: services.decision_set_outcome(
                actor=agent, decision=last(Decision)(), outcome="Old switch returned"
            ),
        ),
        (
            case,
            lambda: hand_off(
                agent,
                case,
                kind=HandoffKind.TIER_ESCALATION,
                to_team=tier2,
                next_step="Review",
                next_step_due=in_hours(1),
            ),
        ),
        (
            case,
            lambda: services.handoff_decline(
                actor=tier2_agent, handoff=last(Handoff)(), reason="Needs Tier 1 logs first"
            ),
        ),
        (
            case,
            lambda: hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2),
        ),
        (
            case,
            lambda: services.handoff_cancel(
                actor=agent, handoff=last(Handoff)(), reason="Solved it myself"
            ),
        ),
        (
            case,
            lambda: hand_off(agent, case, kind=HandoffKind.TIER_ESCALATION, to_team=tier2),
        ),
        (
            case,
            lambda: services.handoff_escalate_unaccepted(
                actor=None, handoff=last(Handoff)(), reason="Nobody took it"
            ),
        ),
        (
            case,
            lambda: services.handoff_accept(actor=last(Handoff)().to_user, handoff=last(Handoff)()),
        ),
        (case, lambda: services.case_link(actor=agent, case=case, other=queued, kind="related")),
        (
            queued,
            lambda: services.case_refer(
                actor=agent,
                case=queued,
                vendor=vendor,
                reason="Their removal tool",
                follow_up_due=in_hours(4),
            ),
        ),
        (
            queued,
            lambda: services.referral_record_outcome(
                actor=agent,
                referral=Referral.objects.latest("id"),
                outcome="no_answer",
                next_step="Run their removal tool with the customer",
                next_step_due=in_hours(2),
            ),
        ),
        (
            queued,
            lambda: services.case_mark_solution(actor=agent, case=queued, article=article),
        ),
        (
            queued,
            lambda: services.case_unmark_solution(
                actor=agent, case_article=CaseArticle.objects.latest("id")
            ),
        ),
        (other, lambda: services.case_merge(actor=lead, source=other, target=case, reason="Dup")),
    ]


def test_invariant_6_every_service_writes_an_event_with_the_new_version(
    agent, agent2, tier1_lead, tier1, tier2, tier2_agent, contact
):
    calls = _every_service(agent, agent2, tier1_lead, tier1, tier2, tier2_agent, contact)
    exercised = set()
    for case, call in calls:
        version = Case.objects.get(pk=case.pk).version
        last_event = CaseEvent.objects.filter(case=case).order_by("-id").first()
        call()
        case.refresh_from_db()
        assert case.version > version, call
        new_events = CaseEvent.objects.filter(case=case, id__gt=last_event.pk if last_event else 0)
        assert new_events.exists(), call
        assert new_events.order_by("-id")[0].case_version == case.version
        exercised.add(call.__code__.co_names)
    # Every public service appeared in the scenario (case_open through open_case).
    names = {name for names in exercised for name in names}
    missing = set(services.__all__) - names - {"case_open", "case_open_from_call", "case_hand_off"}
    assert missing == set()


def test_invariant_6_change_rolls_back_when_its_event_cannot_be_written(agent, monkeypatch):
    case = open_case(actor=agent)
    before = case_state(case)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(CaseEvent.objects, "create", fail)
    with pytest.raises(RuntimeError):
        case_set_next_step(
            actor=agent, case=case, next_step="Never saved", next_step_due=in_hours(3)
        )
    monkeypatch.undo()
    assert case_state(case) == before


def test_invariant_6_events_cannot_be_updated_or_deleted(agent):
    case = open_case(actor=agent)
    case_add_note(actor=agent, case=case, body="First look")
    event = CaseEvent.objects.filter(case=case).latest("id")
    operations: list[Callable[[], object]] = [
        lambda: event.save(),
        lambda: event.delete(),
        lambda: CaseEvent.objects.filter(pk=event.pk).update(reason="rewritten"),
        lambda: CaseEvent.objects.filter(pk=event.pk).delete(),
    ]
    for operation in operations:
        with pytest.raises(TypeError):
            operation()
    # Below the ORM, the database itself refuses to rewrite history.
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE cases_caseevent SET reason = 'rewritten' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.reason == ""
