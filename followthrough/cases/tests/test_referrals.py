"""Referrals: "not our product, call them" becomes a promise to check back (DESIGN.md §1, story 1).

The services, the follow-up reminder through the real deadline scan, the brief and the
timeline. The helpers here serve the other test_referrals_* files too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from followthrough.accounts.models import User
from followthrough.cases.access import access_referral
from followthrough.cases.errors import CaseError
from followthrough.cases.models import (
    Case,
    CaseEvent,
    Commitment,
    Interaction,
    Notification,
    Referral,
)
from followthrough.cases.selectors import case_brief
from followthrough.cases.services import (
    case_refer,
    case_set_next_step,
    case_set_status,
    commitment_break,
    commitment_keep,
    referral_record_outcome,
)
from followthrough.cases.services.deadlines import commitments_notice_due
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    Direction,
    Disposition,
    EventType,
    NotificationKind,
    ReferralOutcome,
)
from followthrough.cases.tests.factories import case_state, in_hours, log_call, open_case
from followthrough.cases.views.timeline import timeline_line
from followthrough.core.errors import CommonError, NotFound, ServiceError
from followthrough.knowledge.models import Vendor
from followthrough.knowledge.services.vendors import vendor_create, vendor_set_active

REASON = "Remove the Vireo AV remnants so ShieldGuard installs"
NEXT_STEP = "Run the removal tool with the customer"


def record_outcome(**kw: Any) -> Referral:
    """Record an outcome with the new next step it needs while the case waits on the check-back."""
    kw.setdefault("next_step", NEXT_STEP)
    kw.setdefault("next_step_due", in_hours(2))
    return referral_record_outcome(**kw)


@pytest.fixture(autouse=True)
def us_numbers(settings):
    settings.DEFAULT_PHONE_REGION = "US"


@pytest.fixture
def vendor(tier1_lead: User) -> Vendor:
    return make_vendor(tier1_lead)


def make_vendor(lead: User, name: str = "Brand X Corp", **kw: Any) -> Vendor:
    kw.setdefault("support_phone", "+1 212 555 0147")
    kw.setdefault("hours", "Mon-Fri 08:00-18:00")
    kw.setdefault("time_zone", "America/New_York")
    kw.setdefault("support_url", "https://support.brandx.example")
    return vendor_create(actor=lead, name=name, **kw)


def antivirus_case(agent: User, contact: Any = None) -> Case:
    kw: dict[str, Any] = {"subject": "ShieldGuard will not install"}
    if contact is not None:
        kw |= {"contact": contact}
    case = open_case(actor=agent, **kw)
    log_call(agent, case, note="ShieldGuard stops at 40%: a competitor's product left remnants.")
    case.refresh_from_db()
    return case


def refer(agent: User, case: Case, vendor: Vendor, **kw: Any) -> Referral:
    kw.setdefault("reason", REASON)
    kw.setdefault("follow_up_due", in_hours(3))
    return case_refer(actor=agent, case=case, vendor=vendor, **kw)


def refused(call: Any, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(**kwargs)
    return caught.value


# --- Referring -----------------------------------------------------------------------------


def test_refer_logs_the_contact_the_promise_the_referral_and_the_event(agent, vendor, contact):
    case = antivirus_case(agent, contact)
    due = in_hours(3)
    referral = refer(agent, case, vendor, follow_up_due=due)
    case.refresh_from_db()

    interaction = referral.interaction
    assert (interaction.direction, interaction.disposition, interaction.channel) == (
        Direction.OUTBOUND,
        Disposition.REFERRED,
        Channel.PHONE,
    )
    assert interaction.note.startswith(f"Referred to Brand X Corp: {REASON}")
    assert "+1 212-555-0147" in interaction.note
    assert "Mon-Fri 08:00-18:00 (America/New_York)" in interaction.note

    promise = referral.commitment
    assert (promise.kind, promise.owed_by, promise.status) == (
        CommitmentKind.REFERRAL_FOLLOW_UP,
        CommitmentParty.US,
        CommitmentStatus.OPEN,
    )
    assert promise.description == "Check back with the customer about Brand X Corp"
    assert (promise.due_at, promise.owner) == (due, agent)

    assert (referral.vendor, referral.reason, referral.outcome) == (
        vendor,
        REASON,
        ReferralOutcome.PENDING,
    )
    assert case.status == CaseStatus.PENDING_THIRD_PARTY
    assert case.next_step == "Check back with the customer about Brand X Corp"
    assert case.next_step_due == due
    assert case.open_commitment_count == 1
    assert case.interaction_count == 2

    event = CaseEvent.objects.get(case=case, type=EventType.REFERRED)
    assert (event.referral, event.commitment, event.interaction, event.actor) == (
        referral,
        promise,
        interaction,
        agent,
    )
    assert event.after["vendor"] == {"id": vendor.pk, "name": "Brand X Corp"}
    assert event.case_version < case.version
    types = list(
        CaseEvent.objects.filter(case=case, case_version__gte=event.case_version - 3)
        .order_by("case_version", "id")
        .values_list("type", flat=True)
    )
    assert types[-4:] == [
        EventType.NEXT_STEP_SET,
        EventType.COMMITMENT_ADDED,
        EventType.REFERRED,
        EventType.STATUS_CHANGED,
    ]


def test_refer_without_pending_keeps_the_status_and_on_a_queue_case_the_actor_owns_the_promise(
    agent, tier1, vendor
):
    case = open_case(actor=agent, owner=None, team=tier1)
    referral = refer(agent, case, vendor, set_pending=False, channel=Channel.EMAIL)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # the contact took it out of "new"
    assert referral.commitment.owner == agent
    assert referral.interaction.channel == Channel.EMAIL
    assert not CaseEvent.objects.filter(
        case=case, type=EventType.STATUS_CHANGED, after__status=CaseStatus.PENDING_THIRD_PARTY
    ).exists()


def test_the_promise_belongs_to_the_case_owner_when_someone_else_refers(agent, agent2, vendor):
    case = antivirus_case(agent)
    referral = refer(agent2, case, vendor)
    assert referral.commitment.owner == agent
    assert referral.created_by == agent2


def test_refer_is_one_transaction_with_the_interaction_and_promise(agent, vendor):
    case = antivirus_case(agent)
    refer(agent, case, vendor)
    assert Referral.objects.count() == 1
    assert Interaction.objects.filter(case=case, disposition=Disposition.REFERRED).count() == 1
    assert Commitment.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reason": "   "}, CaseError.REASON_REQUIRED),
        ({"reason": "x" * 100_001}, CaseError.TEXT_TOO_LONG),
        ({"follow_up_due": "past"}, CaseError.DUE_IN_PAST),
        ({"follow_up_due": None}, CaseError.DUE_IN_PAST),
        ({"follow_up_due": "naive"}, CaseError.DUE_IN_PAST),
        ({"channel": "pigeon"}, CommonError.INVALID),
        ({"expected_version": 1}, CommonError.STALE_VERSION),
    ],
)
def test_refer_refusals_change_nothing(agent, vendor, change, code):
    case = antivirus_case(agent)
    if change.get("follow_up_due") == "past":
        change = {"follow_up_due": timezone.now() - dt.timedelta(minutes=1)}
    elif change.get("follow_up_due") == "naive":
        change = {"follow_up_due": dt.datetime(2099, 1, 1, 9, 0)}  # noqa: DTZ001 - the point
    before = case_state(case)
    error = refused(refer, agent=agent, case=case, vendor=vendor, **change)
    assert error.code == code
    assert case_state(case) == before
    assert Referral.objects.count() == 0


def test_refer_to_an_inactive_vendor_is_refused_and_changes_nothing(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    vendor_set_active(actor=tier1_lead, vendor=vendor, active=False)
    before = case_state(case)
    error = refused(refer, agent=agent, case=case, vendor=vendor)
    assert error.code == CaseError.VENDOR_INACTIVE
    assert "no longer offered" in error.message
    assert case_state(case) == before
    assert Referral.objects.count() == 0


def test_refer_on_a_closed_case_is_refused_and_changes_nothing(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    case_set_status(actor=tier1_lead, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=tier1_lead, case=case, status=CaseStatus.CLOSED)
    case.refresh_from_db()
    before = case_state(case)
    error = refused(refer, agent=agent, case=case, vendor=vendor)
    assert error.code == CaseError.CASE_CLOSED
    assert case_state(case) == before


def test_refer_needs_the_rights_to_work_the_case(agent, vendor, customer_user, contact):
    case = antivirus_case(agent, contact)
    before = case_state(case)
    error = refused(refer, agent=customer_user, case=case, vendor=vendor)
    assert error.code == CommonError.FORBIDDEN
    assert case_state(case) == before


def test_a_refusal_late_in_the_transaction_rolls_back_the_contact_and_promise(
    agent, vendor, tier1_lead
):
    """The contact is logged before the promise is made; when the promise is refused (the
    case owner who would answer for it has left), the contact goes too."""
    case = antivirus_case(agent)
    User.objects.filter(pk=agent.pk).update(is_active=False)
    before = case_state(case)
    error = refused(refer, agent=tier1_lead, case=case, vendor=vendor)
    assert error.code == CaseError.OWNER_NOT_STAFF
    assert case_state(case) == before
    assert Referral.objects.count() == 0


# --- Outcomes ------------------------------------------------------------------------------


def test_outcome_keeps_the_open_follow_up_with_the_outcome_as_its_note(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    record_outcome(
        actor=agent, referral=referral, outcome=ReferralOutcome.NO_ANSWER, note="Rang 3 times"
    )
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_note, referral.outcome_by) == (
        ReferralOutcome.NO_ANSWER,
        "Rang 3 times",
        agent,
    )
    assert referral.outcome_at is not None
    promise = Commitment.objects.get(pk=referral.commitment_id)
    assert promise.status == CommitmentStatus.KEPT
    assert promise.reason == "The vendor did not answer. Rang 3 times"
    case.refresh_from_db()
    assert case.open_commitment_count == 0
    event = CaseEvent.objects.get(case=case, type=EventType.REFERRAL_OUTCOME)
    assert event.referral == referral
    assert event.after["outcome"] == ReferralOutcome.NO_ANSWER
    assert event.after["follow_up_kept"] is True
    assert event.reason == "Rang 3 times"
    # Then the next step the check-back made way for, and the case stops waiting on the vendor.
    after = list(CaseEvent.objects.filter(case=case, id__gt=event.pk).order_by("id"))
    assert [e.type for e in after] == [EventType.NEXT_STEP_SET, EventType.STATUS_CHANGED]
    assert after[-1].case_version == case.version
    assert (case.next_step, case.status) == (NEXT_STEP, CaseStatus.OPEN)


def test_outcome_needs_a_new_next_step_while_the_check_back_is_the_next_step(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    case.refresh_from_db()
    assert case.next_step == "Check back with the customer about Brand X Corp"
    before = case_state(case)
    error = refused(
        lambda: referral_record_outcome(
            actor=agent, referral=referral, outcome=ReferralOutcome.VENDOR_HELPED
        )
    )
    assert error.code == CaseError.NEXT_STEP_REQUIRED
    assert "say what happens next" in error.message
    error = refused(
        lambda: referral_record_outcome(
            actor=agent,
            referral=referral,
            outcome=ReferralOutcome.VENDOR_HELPED,
            next_step="Too late",
            next_step_due=timezone.now() - dt.timedelta(minutes=5),
        )
    )
    assert error.code == CaseError.NEXT_STEP_IN_PAST
    assert case_state(case) == before
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.PENDING
    assert Commitment.objects.get(pk=referral.commitment_id).status == CommitmentStatus.OPEN


def test_outcome_leaves_a_next_step_set_since_and_may_replace_it(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    case_set_next_step(
        actor=agent, case=case, next_step="Order a new licence key", next_step_due=in_hours(5)
    )
    referral_record_outcome(actor=agent, referral=referral, outcome=ReferralOutcome.WE_SOLVED)
    case.refresh_from_db()
    assert (case.next_step, case.status) == ("Order a new licence key", CaseStatus.OPEN)


def test_case_keeps_waiting_while_another_referral_is_pending(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    first = refer(agent, case, vendor)
    refer(agent, case, make_vendor(tier1_lead, "Vireo Software"))
    record_outcome(actor=agent, referral=first, outcome=ReferralOutcome.NO_ANSWER)
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_THIRD_PARTY


def test_outcome_after_the_promise_was_settled_leaves_the_promise_alone(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    commitment_break(actor=agent, commitment=referral.commitment, reason="Forgot to call")
    record_outcome(actor=agent, referral=referral, outcome=ReferralOutcome.WE_SOLVED)
    promise = Commitment.objects.get(pk=referral.commitment_id)
    assert (promise.status, promise.reason) == (CommitmentStatus.BROKEN, "Forgot to call")
    event = CaseEvent.objects.get(case=case, type=EventType.REFERRAL_OUTCOME)
    assert event.after["follow_up_kept"] is False


def test_an_outcome_is_recorded_once(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    record_outcome(actor=agent, referral=referral, outcome=ReferralOutcome.VENDOR_HELPED)
    before = case_state(case)
    error = refused(
        referral_record_outcome,
        actor=agent,
        referral=referral,
        outcome=ReferralOutcome.NO_ANSWER,
    )
    assert error.code == CaseError.REFERRAL_OUTCOME_RECORDED
    assert case_state(case) == before
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.VENDOR_HELPED


@pytest.mark.parametrize("outcome", ["pending", "maybe", ""])
def test_outcome_must_be_one_of_the_three(agent, vendor, outcome):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    before = case_state(case)
    error = refused(referral_record_outcome, actor=agent, referral=referral, outcome=outcome)
    assert error.code == CommonError.INVALID
    assert case_state(case) == before
    assert Referral.objects.get().outcome == ReferralOutcome.PENDING


def test_outcome_by_a_customer_is_refused(agent, vendor, customer_user, contact):
    case = antivirus_case(agent, contact)
    referral = refer(agent, case, vendor)
    before = case_state(case)
    error = refused(
        referral_record_outcome,
        actor=customer_user,
        referral=referral,
        outcome=ReferralOutcome.VENDOR_HELPED,
    )
    assert error.code == CommonError.FORBIDDEN
    assert case_state(case) == before


def test_a_resolved_case_cannot_hide_an_open_follow_up(agent, vendor):
    """Invariant 5: the referral's promise must be settled before the case resolves."""
    case = antivirus_case(agent)
    refer(agent, case, vendor)
    error = refused(case_set_status, actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert error.code == CaseError.OPEN_PROMISES


# --- The follow-up falls due ---------------------------------------------------------------


def test_the_deadline_scan_reminds_the_promise_owner_naming_the_vendor(agent, agent2, vendor):
    case = antivirus_case(agent)
    referral = refer(agent2, case, vendor, follow_up_due=in_hours(2))
    assert commitments_notice_due(at=timezone.now()) == 0
    assert commitments_notice_due(at=timezone.now() + dt.timedelta(hours=3)) == 1
    notice = Notification.objects.get(user=agent, kind=NotificationKind.PROMISE_DUE)
    assert "Brand X Corp" in notice.message
    assert notice.message.startswith(f"{case.number}: promise due - Check back with the customer")
    assert notice.event is not None
    assert notice.event.type == EventType.COMMITMENT_DUE
    assert notice.event.commitment_id == referral.commitment_id
    # The promise stays open, and the scan tells nobody twice.
    assert Commitment.objects.get(pk=referral.commitment_id).status == CommitmentStatus.OPEN
    assert commitments_notice_due(at=timezone.now() + dt.timedelta(hours=4)) == 0
    assert Notification.objects.filter(kind=NotificationKind.PROMISE_DUE).count() == 1


# --- Access --------------------------------------------------------------------------------


def test_access_referral_is_for_staff_and_missing_looks_like_forbidden(
    agent, vendor, customer_user, contact
):
    case = antivirus_case(agent, contact)
    referral = refer(agent, case, vendor)
    assert access_referral(agent, referral.pk) == referral
    for actor, pk in (
        (customer_user, referral.pk),
        (agent, referral.pk + 1000),
        (agent, "x"),
        (agent, 2**70),
    ):
        with pytest.raises(NotFound) as caught:
            access_referral(actor, pk)
        assert caught.value.message == "Referral not found."


# --- The brief and the timeline ------------------------------------------------------------


def test_brief_lists_referrals_with_vendor_and_promise(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    first = refer(agent, case, vendor)
    other = make_vendor(tier1_lead, "Other Co", support_phone="")
    second = refer(agent, case, other, set_pending=False)
    commitment_keep(actor=agent, commitment=first.commitment)
    brief = case_brief(case.pk)
    assert [r.pk for r in brief.referrals] == [second.pk, first.pk]
    assert brief.referrals[1].commitment.status == CommitmentStatus.KEPT
    assert brief.referrals[0].vendor.name == "Other Co"


# One more than before the referrals: the case, agents, promises, decisions, handoffs, recent
# contacts and the referrals with their vendor and promise.
BRIEF_QUERIES = 7


def test_brief_query_count_does_not_grow_with_referrals(
    agent, tier1_lead, vendor, django_assert_num_queries
):
    bare = antivirus_case(agent)
    busy = antivirus_case(agent)
    for i in range(4):
        refer(agent, busy, make_vendor(tier1_lead, f"Vendor {i}"), set_pending=False)
    for case, count in ((bare, 0), (busy, 4)):
        with django_assert_num_queries(BRIEF_QUERIES):
            brief = case_brief(case.pk)
            assert len(brief.referrals) == count
            assert all(r.commitment.owner.display_name for r in brief.referrals)
            assert all(r.vendor.name for r in brief.referrals)


def test_timeline_lines_read_well(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    record_outcome(
        actor=agent, referral=referral, outcome=ReferralOutcome.NO_ANSWER, note="Rang twice"
    )
    referred = timeline_line(CaseEvent.objects.get(case=case, type=EventType.REFERRED))
    assert referred.title == "Referred to Brand X Corp"
    assert referred.body == REASON
    facts = dict(referred.facts)
    assert set(facts) == {"Check back by", "Who checks back", "Their support"}
    assert facts["Who checks back"] == "Adam Agent"
    assert "+1 212-555-0147" in facts["Their support"]
    outcome = timeline_line(CaseEvent.objects.get(case=case, type=EventType.REFERRAL_OUTCOME))
    assert outcome.title == "Referral to Brand X Corp: the vendor did not answer"
    assert (outcome.reason_label, outcome.reason) == ("Note", "Rang twice")
    assert outcome.facts == [("Follow-up promise", "Kept: the customer was checked back with")]


def test_refer_on_a_resolved_case_reopens_it_like_any_contact(agent, vendor):
    case = antivirus_case(agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    refer(agent, case, vendor)
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_THIRD_PARTY
    assert case.resolved_at is None
    assert case.open_commitment_count == 1


def test_both_services_write_events_carrying_the_new_version(agent, vendor):
    """Invariant 6 for the referral services: every change writes its event, and the last
    event carries the case's new version."""
    case = antivirus_case(agent)
    for call in (
        lambda: refer(agent, case, vendor),
        lambda: record_outcome(
            actor=agent, referral=Referral.objects.get(), outcome=ReferralOutcome.WE_SOLVED
        ),
    ):
        version = Case.objects.get(pk=case.pk).version
        last_id = CaseEvent.objects.filter(case=case).latest("id").pk
        call()
        case.refresh_from_db()
        assert case.version > version
        versions = list(
            CaseEvent.objects.filter(case=case, id__gt=last_id)
            .order_by("id")
            .values_list("case_version", flat=True)
        )
        assert versions == sorted(versions)
        assert versions[-1] == case.version
