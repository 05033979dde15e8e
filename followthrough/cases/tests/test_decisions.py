"""Decisions: an exception names who approved it, or who was tried; its outcome comes later."""

from __future__ import annotations

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.errors import CaseError
from followthrough.cases.models import CaseEvent
from followthrough.cases.services import case_set_status, decision_record, decision_set_outcome
from followthrough.cases.states import CaseStatus, EventType
from followthrough.cases.tests.factories import case_state, open_case
from followthrough.core.errors import ServiceError


def decide(actor, case, **kw):
    kw.setdefault("policy", "No hardware replacement before troubleshooting")
    kw.setdefault("decision", "Ship an advance replacement switch")
    kw.setdefault("rationale", "Site is 2.5 hours away with no remote access")
    return decision_record(actor=actor, case=case, **kw)


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


def close(case, actor) -> None:
    case_set_status(actor=actor, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=actor, case=case, status=CaseStatus.CLOSED)


# --- decision_record ----------------------------------------------------------------------


def test_decision_approved_by_a_lead_is_recorded(agent, agent2, tier1_lead):
    case = open_case(actor=agent)

    decision = decide(agent2, case, approved_by=tier1_lead)

    assert decision.policy == "No hardware replacement before troubleshooting"
    assert decision.decision == "Ship an advance replacement switch"
    assert decision.rationale == "Site is 2.5 hours away with no remote access"
    assert (decision.decided_by, decision.approved_by) == (agent2, tier1_lead)
    assert decision.no_approver_reason == ""
    assert decision.outcome == ""
    case.refresh_from_db()
    # The agent who decided counts among those who worked the case; the approver does not.
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 2, 0)
    assert case.version == 2
    event = last_event(case)
    assert event.type == EventType.DECISION_RECORDED
    assert event.actor == agent2
    assert event.decision == decision
    assert event.case_version == 2
    assert event.after == {
        "policy": "No hardware replacement before troubleshooting",
        "approved_by": {"id": tier1_lead.pk, "name": tier1_lead.display_name},
        "no_approver_reason": "",
    }


def test_decision_with_no_approver_reachable_records_who_was_tried(agent):
    case = open_case(actor=agent)
    tried = "Lena on leave; Tomas did not answer twice"

    decision = decide(agent, case, no_approver_reason=f"  {tried}  ")

    assert decision.approved_by is None
    assert decision.no_approver_reason == tried
    case.refresh_from_db()
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    assert case.version == 2
    event = last_event(case)
    assert event.type == EventType.DECISION_RECORDED
    assert event.actor == agent
    assert event.decision == decision
    assert event.after == {
        "policy": "No hardware replacement before troubleshooting",
        "approved_by": None,
        "no_approver_reason": tried,
    }


def test_an_approver_makes_the_no_approver_reason_moot(agent, tier1_lead):
    case = open_case(actor=agent)

    decision = decide(agent, case, approved_by=tier1_lead, no_approver_reason="Nobody answered")

    assert decision.approved_by == tier1_lead
    assert decision.no_approver_reason == ""
    assert last_event(case).after["no_approver_reason"] == ""


def test_a_lead_may_approve_their_own_decision_on_a_resolved_case(agent, tier1_lead):
    case = open_case(actor=agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)

    decision = decide(tier1_lead, case, approved_by=tier1_lead)

    case.refresh_from_db()
    assert decision.approved_by == tier1_lead
    assert case.status == CaseStatus.RESOLVED
    assert case.agent_count == 2
    assert case.version == 3


def test_decision_refused_without_approver_or_reason(agent):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(agent, case, no_approver_reason="   ")
    assert exc.value.code == CaseError.APPROVAL_REQUIRED
    assert case_state(case) == before


def test_decision_refused_when_the_approver_lacks_the_right(agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(agent, case, approved_by=agent2)
    assert exc.value.code == CaseError.APPROVER_LACKS_RIGHT
    assert case_state(case) == before


def test_decision_refused_when_the_approving_lead_is_inactive(agent):
    former_lead = UserFactory.create(role=Role.LEAD, is_active=False)
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(agent, case, approved_by=former_lead)
    assert exc.value.code == CaseError.APPROVER_LACKS_RIGHT
    assert case_state(case) == before


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("policy", " ", CaseError.NOTE_REQUIRED),
        ("decision", "", CaseError.NOTE_REQUIRED),
        ("rationale", "\n", CaseError.NOTE_REQUIRED),
        ("policy", "p" * 251, CaseError.TEXT_TOO_LONG),
    ],
)
def test_decision_refused_without_policy_decision_or_rationale(
    agent, tier1_lead, field, value, code
):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(agent, case, approved_by=tier1_lead, **{field: value})
    assert exc.value.code == code
    assert case_state(case) == before


def test_decision_refused_without_the_capability(agent, customer_user, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(customer_user, case, approved_by=tier1_lead)
    assert exc.value.code == "forbidden"
    assert case_state(case) == before


def test_decision_refused_on_a_stale_version(agent, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(agent, case, approved_by=tier1_lead, expected_version=case.version + 1)
    assert exc.value.code == "stale_version"
    assert case_state(case) == before


def test_decision_refused_on_a_closed_case(agent, tier1_lead):
    case = open_case(actor=agent)
    close(case, agent)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decide(agent, case, approved_by=tier1_lead)
    assert exc.value.code == CaseError.CASE_CLOSED
    assert case_state(case) == before


# --- decision_set_outcome -----------------------------------------------------------------


def test_outcome_recorded_later_writes_before_and_after(agent, agent2, tier1_lead):
    case = open_case(actor=agent)
    decision = decide(agent, case, approved_by=tier1_lead)

    decision_set_outcome(actor=agent2, decision=decision, outcome="  Old switch came back  ")

    decision.refresh_from_db()
    assert decision.outcome == "Old switch came back"
    assert decision.outcome_by == agent2
    assert decision.outcome_at is not None
    case.refresh_from_db()
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (0, 1, 0)
    assert case.version == 3
    event = last_event(case)
    assert event.type == EventType.DECISION_OUTCOME
    assert event.actor == agent2
    assert event.decision == decision
    assert event.before == {"outcome": ""}
    assert event.after == {"outcome": "Old switch came back"}


def test_a_revised_outcome_keeps_the_old_one_in_the_event(agent, tier1_lead):
    case = open_case(actor=agent)
    decision = decide(agent, case, approved_by=tier1_lead)
    decision_set_outcome(actor=agent, decision=decision, outcome="Part is on its way back")

    decision_set_outcome(actor=agent, decision=decision, outcome="Part arrived, faulty")

    event = last_event(case)
    assert event.before == {"outcome": "Part is on its way back"}
    assert event.after == {"outcome": "Part arrived, faulty"}
    case.refresh_from_db()
    assert case.version == 4


def test_outcome_may_be_recorded_after_the_case_is_closed(agent, tier1_lead):
    case = open_case(actor=agent)
    decision = decide(agent, case, approved_by=tier1_lead)
    close(case, agent)
    case.refresh_from_db()
    version = case.version

    decision_set_outcome(actor=agent, decision=decision, outcome="Customer renewed")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.version == version + 1
    assert last_event(case).type == EventType.DECISION_OUTCOME


def test_outcome_refused_when_blank(agent, tier1_lead):
    case = open_case(actor=agent)
    decision = decide(agent, case, approved_by=tier1_lead)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decision_set_outcome(actor=agent, decision=decision, outcome="   ")
    assert exc.value.code == CaseError.NOTE_REQUIRED
    assert case_state(case) == before


def test_outcome_refused_without_the_capability(agent, customer_user, tier1_lead):
    case = open_case(actor=agent)
    decision = decide(agent, case, approved_by=tier1_lead)
    before = case_state(case)
    with pytest.raises(ServiceError) as exc:
        decision_set_outcome(actor=customer_user, decision=decision, outcome="Fine")
    assert exc.value.code == "forbidden"
    assert case_state(case) == before
