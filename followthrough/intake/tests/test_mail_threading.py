"""Which case a message lands on: hijack attempts that must not attach (BAD_INPUTS.md items
19-21), the replies that must (item 24), replies to resolved, closed and merged cases, and
another help desk that answers every message without starting a loop (items 22-23).

Each refusal also checks that the case it aimed at did not change (cases' `case_state`).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, Interaction
from followthrough.cases.services import case_add_note, case_merge, case_set_status
from followthrough.cases.states import CaseStatus, NoteVisibility
from followthrough.cases.tests.factories import case_state
from followthrough.customers.tests.factories import ContactEmailFactory, ContactFactory
from followthrough.intake.errors import IntakeError
from followthrough.intake.mail.tokens import case_token, reply_address, subject_tag
from followthrough.intake.models import (
    CaseMailParticipant,
    InboundMessage,
    InboundSource,
    InboundState,
    OutboundKind,
    OutboundMessage,
)
from followthrough.intake.services.mail_inbound import ANSWER_STEP, inbound_message_process
from followthrough.intake.services.mail_store import inbound_mail_deliver
from followthrough.intake.tests.mail_corpus import (
    AGENT_EMAIL,
    COLLEAGUE,
    OUTSIDER,
    PARTICIPANT,
    SALES,
    SUPPORT,
    Context,
    corpus_context,
    deliver,
    message,
)

pytestmark = pytest.mark.django_db

OTHER_CUSTOMER = "lee@othercorp.test"
OTHER_DESK = "support@otherdesk.example"


@pytest.fixture
def desk(media) -> Context:
    """A support mailbox and a case opened by mail from PARTICIPANT, COLLEAGUE copied."""
    return corpus_context()


def other_customers_case(desk: Context) -> tuple[InboundMessage, Case]:
    """A case of another customer, opened by their mail: (its first message, the case)."""
    contact = ContactFactory.create(name="Lee Other")
    ContactEmailFactory.create(contact=contact, address=OTHER_CUSTOMER)
    first = deliver(
        desk.mailbox,
        message(
            sender=f"Lee Other <{OTHER_CUSTOMER}>",
            subject="Invoice question",
            message_id="<other.first@othercorp.test>",
        ),
    )
    assert first.opened_case and first.case is not None
    return first, first.case


def tag_of(desk: Context, case: Case) -> str:
    return subject_tag(settings.CASE_NUMBER_PREFIX, case.pk, desk.key)


def acks_to(address: str) -> int:
    return OutboundMessage.objects.filter(
        kind=OutboundKind.ACKNOWLEDGEMENT, rate_key=address
    ).count()


def assert_new_case(received: InboundMessage, desk: Context, code: str = "") -> Case:
    assert received.state == InboundState.PROCESSED
    assert received.opened_case
    assert received.case is not None
    assert received.case != desk.case
    assert received.reason_code == code
    return received.case


def assert_attached(received: InboundMessage, case: Case) -> None:
    assert received.state == InboundState.PROCESSED, received.reason
    assert received.case == case
    assert not received.opened_case
    assert received.reason_code == ""


# --- Hijack attempts ---------------------------------------------------------------------------


def test_forged_in_reply_to_another_customers_case_opens_a_new_case(desk):
    other, other_case = other_customers_case(desk)
    before = case_state(other_case)
    setup_before = case_state(desk.case)

    received = deliver(
        desk.mailbox,
        message(
            sender=f"Pat Customer <{PARTICIPANT}>",
            subject="Re: Invoice question",
            headers=[
                ("In-Reply-To", f"<{other.message_id}>"),
                ("References", f"<{other.message_id}>"),
            ],
        ),
    )

    case = assert_new_case(received, desk, IntakeError.MAIL_REFERENCE_REFUSED)
    assert other_case.number in received.reason
    assert case.contact_id == desk.case.contact_id  # the sender's own customer
    assert case_state(other_case) == before
    assert case_state(desk.case) == setup_before
    assert not CaseMailParticipant.objects.filter(case=other_case, address=PARTICIPANT).exists()


@pytest.mark.parametrize("sender", [PARTICIPANT, OUTSIDER])
def test_a_guessed_tag_with_a_wrong_token_is_not_attached(desk, sender):
    before = case_state(desk.case)
    prefix = settings.CASE_NUMBER_PREFIX

    received = deliver(
        desk.mailbox,
        message(sender=sender, subject=f"Re: printer [{prefix}-{desk.case.pk}:abcdefghij]"),
    )

    assert_new_case(received, desk, IntakeError.MAIL_REFERENCE_REFUSED)
    assert desk.case.number in received.reason
    assert case_state(desk.case) == before


def test_another_cases_token_under_this_cases_number_is_not_attached(desk):
    _, other_case = other_customers_case(desk)
    before = case_state(desk.case)
    token = case_token(other_case.pk, desk.key)
    prefix = settings.CASE_NUMBER_PREFIX

    received = deliver(
        desk.mailbox,
        message(sender=PARTICIPANT, subject=f"Re: [{prefix}-{desk.case.pk}:{token}]"),
    )

    assert_new_case(received, desk, IntakeError.MAIL_REFERENCE_REFUSED)
    assert case_state(desk.case) == before


def test_a_case_number_alone_never_attaches_even_from_a_participant(desk):
    before = case_state(desk.case)

    received = deliver(
        desk.mailbox, message(sender=PARTICIPANT, subject=f"About {desk.case.number}")
    )

    assert_new_case(received, desk, IntakeError.MAIL_REFERENCE_REFUSED)
    assert desk.case.number in received.reason
    assert case_state(desk.case) == before


def test_a_valid_tag_copied_by_an_outsider_is_not_attached(desk):
    before = case_state(desk.case)

    received = deliver(
        desk.mailbox,
        message(
            sender=f"Robin <{OUTSIDER}>",
            to=desk.reply_address,
            subject=desk.ack.subject,
            headers=[("In-Reply-To", f"<{desk.ack.message_id}>")],
        ),
    )

    case = assert_new_case(received, desk, IntakeError.MAIL_REFERENCE_REFUSED)
    assert desk.case.number in received.reason
    assert case_state(desk.case) == before
    # The outsider got a case of their own (and its acknowledgement), not a seat on this one.
    assert acks_to(OUTSIDER) == 1
    assert not CaseMailParticipant.objects.filter(case=desk.case, address=OUTSIDER).exists()
    assert CaseMailParticipant.objects.filter(case=case, address=OUTSIDER).exists()


def test_our_message_id_format_forged_with_a_spoofed_agent_from_is_not_attached(desk):
    before = case_state(desk.case)
    forged = f"ft.reply.{'0' * 24}@{settings.FOLLOWTHROUGH_MAIL_DOMAIN}"

    received = deliver(
        desk.mailbox,
        message(
            sender=f"Sam Agent <{AGENT_EMAIL}>",
            subject="Re: VPN drops every hour",
            message_id=f"<ft.acknowledgement.{'1' * 24}@{settings.FOLLOWTHROUGH_MAIL_DOMAIN}>",
            headers=[("In-Reply-To", f"<{forged}>"), ("References", f"<{forged}>")],
        ),
    )

    # Nothing we sent has that id: it is a stranger's new mail, not ours come back.
    assert_new_case(received, desk)
    assert case_state(desk.case) == before


def test_a_real_reply_id_with_a_spoofed_agent_from_is_not_attached(desk):
    note = case_add_note(
        actor=desk.agent,
        case=desk.case,
        body="Please restart the VPN client.",
        visibility=NoteVisibility.PUBLIC,
    )
    reply = OutboundMessage.objects.get(note=note, kind=OutboundKind.REPLY)
    before = case_state(desk.case)

    received = deliver(
        desk.mailbox,
        message(
            sender=f"Sam Agent <{AGENT_EMAIL}>",
            subject=reply.subject,
            headers=[("In-Reply-To", f"<{reply.message_id}>")],
        ),
    )

    assert_new_case(received, desk, IntakeError.MAIL_REFERENCE_REFUSED)
    assert case_state(desk.case) == before


def test_followthrough_control_headers_from_outside_have_no_effect(desk):
    before = case_state(desk.case)
    plain = deliver(desk.mailbox, message(subject="Printer offline"))
    control = [
        ("X-Followthrough-Case", str(desk.case.pk)),
        ("X-Followthrough-Kind", "acknowledgement"),
        ("X-Followthrough-Participant", OUTSIDER),
        ("X-Followthrough-Auto-Submitted", "no"),
        ("X-Followthrough-Signature", "v1=00"),
    ]

    received = deliver(desk.mailbox, message(subject="Printer offline", headers=control))

    # The same outcome as the message without them: a new case, acknowledged, nothing else.
    assert_new_case(received, desk)
    assert plain.opened_case and plain.reason_code == ""
    assert acks_to(OUTSIDER) == 2
    assert case_state(desk.case) == before
    assert not CaseMailParticipant.objects.filter(case=desk.case, address=OUTSIDER).exists()


def test_control_headers_do_not_attach_a_participants_mail_either(desk):
    before = case_state(desk.case)

    received = deliver(
        desk.mailbox,
        message(
            sender=PARTICIPANT,
            subject="A different question",
            headers=[("X-Followthrough-Case", str(desk.case.pk))],
        ),
    )

    assert_new_case(received, desk)
    assert case_state(desk.case) == before


# --- Replies that belong on the case ----------------------------------------------------------


def test_a_participants_reply_with_only_the_subject_tag_is_attached(desk):
    count = desk.case.interaction_count
    outbound = OutboundMessage.objects.count()

    received = deliver(
        desk.mailbox,
        message(sender=PARTICIPANT, subject=f"Re: whatever they typed {desk.tag}"),
    )

    assert_attached(received, desk.case)
    desk.case.refresh_from_db()
    assert desk.case.interaction_count == count + 1
    assert OutboundMessage.objects.count() == outbound  # no acknowledgement for a reply


def test_a_copied_colleague_may_reply_by_the_reply_address(desk):
    received = deliver(
        desk.mailbox,
        message(sender=f"Chris <{COLLEAGUE}>", to=desk.reply_address, subject="Same here"),
    )

    assert_attached(received, desk.case)


def test_reply_all_with_the_support_address_in_cc_is_attached_once(desk):
    count = desk.case.interaction_count
    raw = message(
        sender=f"Pat Customer <{PARTICIPANT}>",
        to=f"Chris <{COLLEAGUE}>",
        cc=f"Support <{SUPPORT}>, Support <{desk.reply_address}>",
        subject=f"Re: {desk.ack.subject}",
        headers=[("In-Reply-To", f"<{desk.ack.message_id}>")],
    )

    # The server hands it over once per envelope recipient of ours: one mailbox, one row.
    stored = inbound_mail_deliver(
        recipients=[SUPPORT, desk.reply_address], raw=raw, source=InboundSource.SMTP
    )
    again = inbound_mail_deliver(recipients=[SUPPORT], raw=raw, source=InboundSource.IMAP)
    for row in [*stored, *again]:
        inbound_message_process(row.pk)

    assert len(stored) == 1
    assert again == stored
    received = InboundMessage.objects.get(pk=stored[0].pk)
    assert_attached(received, desk.case)
    desk.case.refresh_from_db()
    assert desk.case.interaction_count == count + 1
    assert Interaction.objects.filter(case=desk.case).count() == count + 1


def test_the_same_message_to_two_mailboxes_lands_on_one_case(desk):
    raw = message(to=f"{SUPPORT}, {SALES}", subject="Quote and support")
    cases = Case.objects.count()

    rows = inbound_mail_deliver(recipients=[SUPPORT, SALES], raw=raw, source=InboundSource.SMTP)
    for row in rows:
        inbound_message_process(row.pk)

    first, second = (InboundMessage.objects.get(pk=row.pk) for row in rows)
    assert first.state == InboundState.PROCESSED and first.opened_case
    assert second.state == InboundState.IGNORED
    assert second.reason_code == IntakeError.MAIL_DUPLICATE
    assert second.duplicate_of == first
    assert Case.objects.count() == cases + 1
    assert acks_to(OUTSIDER) == 1


# --- Resolved, closed and merged cases ------------------------------------------------------


def resolve(desk: Context) -> None:
    case_set_status(actor=desk.agent, case=desk.case, status=CaseStatus.RESOLVED)
    desk.case.refresh_from_db()


def test_a_reply_to_a_resolved_case_reopens_it(desk):
    resolve(desk)
    outbound = OutboundMessage.objects.count()

    received = deliver(desk.mailbox, message(sender=PARTICIPANT, subject=f"Re: {desk.tag}"))

    assert_attached(received, desk.case)
    desk.case.refresh_from_db()
    assert desk.case.status == CaseStatus.OPEN
    assert desk.case.next_step == ANSWER_STEP
    assert desk.case.next_step_due is not None
    assert desk.case.next_step_due > timezone.now()
    assert OutboundMessage.objects.count() == outbound


def test_an_automatic_reply_to_a_resolved_case_does_not_reopen_it(desk):
    resolve(desk)
    before = case_state(desk.case)

    received = deliver(
        desk.mailbox,
        message(
            sender=PARTICIPANT,
            subject=f"Out of office: {desk.ack.subject}",
            headers=[
                ("Auto-Submitted", "auto-replied"),
                ("In-Reply-To", f"<{desk.ack.message_id}>"),
            ],
        ),
    )

    assert received.state == InboundState.IGNORED
    assert received.reason_code == IntakeError.MAIL_AUTOMATIC
    assert case_state(desk.case) == before


def test_a_reply_to_a_closed_case_opens_a_new_case_naming_the_old(desk):
    resolve(desk)
    case_set_status(actor=desk.agent, case=desk.case, status=CaseStatus.CLOSED)
    before = case_state(desk.case)

    received = deliver(
        desk.mailbox,
        message(
            sender=PARTICIPANT,
            subject=f"Re: {desk.ack.subject}",
            headers=[("In-Reply-To", f"<{desk.ack.message_id}>")],
        ),
    )

    # Not a refusal: the sender takes part; the closed case just takes no more mail.
    case = assert_new_case(received, desk)
    assert desk.case.number in received.reason
    assert desk.case.number in case.description
    assert received.interaction is not None
    assert desk.case.number in received.interaction.note
    assert case.contact_id == desk.case.contact_id
    assert case_state(desk.case) == before
    assert acks_to(PARTICIPANT) == 2  # the first case's, and the new one's


def test_a_reply_to_a_merged_case_lands_on_the_surviving_case(desk):
    lead = UserFactory.create(role=Role.LEAD)
    # A second case of the same customer, opened by the same person.
    target = deliver(
        desk.mailbox, message(sender=PARTICIPANT, subject="VPN again (second report)")
    ).case
    assert target is not None
    case_merge(actor=lead, source=desk.case, target=target, reason="Same VPN problem.")
    count = Case.objects.get(pk=target.pk).interaction_count

    received = deliver(desk.mailbox, message(sender=PARTICIPANT, subject=f"Re: {desk.tag}"))

    assert_attached(received, target)
    assert Case.objects.get(pk=target.pk).interaction_count == count + 1


def test_a_copied_colleagues_reply_to_a_merged_case_lands_on_the_surviving_case(desk):
    lead = UserFactory.create(role=Role.LEAD)
    target = deliver(
        desk.mailbox, message(sender=PARTICIPANT, subject="VPN again (second report)")
    ).case
    assert target is not None
    case_merge(actor=lead, source=desk.case, target=target, reason="Same VPN problem.")

    # Chris was copied on the merged case's first message, and on nothing of the target's.
    received = deliver(
        desk.mailbox,
        message(sender=COLLEAGUE, to=desk.reply_address, subject="Still broken here too"),
    )

    assert_attached(received, target)


# --- Another help desk ------------------------------------------------------------------------


def test_another_help_desk_acknowledging_our_acknowledgement_does_not_loop(desk):
    first = deliver(
        desk.mailbox, message(sender=f"Other Desk <{OTHER_DESK}>", subject="Order 7781")
    )
    case = first.case
    assert case is not None
    # Their system answers each of our messages with a new ticket number, and no
    # Auto-Submitted; it replies to our acknowledgement, so it threads onto our case.
    for number in range(1, 2 * settings.FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT + 1):
        ours = OutboundMessage.objects.filter(case=case).order_by("-id").first()
        assert ours is not None
        received = deliver(
            desk.mailbox,
            message(
                sender=f"Other Desk <{OTHER_DESK}>",
                subject=f"[Ticket #{9000 + number}] Re: {ours.subject}",
                headers=[("In-Reply-To", f"<{ours.message_id}>")],
                body=f"We received your request. Your ticket number is #{9000 + number}.",
            ),
        )
        assert_attached(received, case)

    assert acks_to(OTHER_DESK) == 1
    assert Case.objects.filter(inbound_messages__from_address=OTHER_DESK).distinct().count() == 1


def test_a_help_desk_that_opens_a_new_thread_each_time_gets_at_most_the_limit(desk, settings):
    settings.FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT = 3
    limit = settings.FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT
    rounds = 3 * limit
    # Their answers quote nothing of ours: no In-Reply-To, no tag, a new subject each time.
    for number in range(rounds):
        received = deliver(
            desk.mailbox,
            message(
                sender=f"Other Desk <{OTHER_DESK}>",
                subject=f"[Ticket #{9000 + number}] We received your request",
                body="Thank you for contacting us.",
            ),
        )
        assert received.state == InboundState.PROCESSED  # every message is kept on a case

    assert acks_to(OTHER_DESK) == limit


def test_the_acknowledgement_limit_is_per_hour(desk, settings):
    settings.FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT = 1
    deliver(desk.mailbox, message(sender=OTHER_DESK, subject="First"))
    OutboundMessage.objects.filter(rate_key=OTHER_DESK).update(
        created_at=timezone.now() - dt.timedelta(hours=2)
    )

    deliver(desk.mailbox, message(sender=OTHER_DESK, subject="Second, two hours later"))
    deliver(desk.mailbox, message(sender=OTHER_DESK, subject="Third, at once"))

    assert acks_to(OTHER_DESK) == 2


def test_our_acknowledgement_carries_the_tag_and_reply_address_that_thread_back(desk):
    assert desk.tag in desk.ack.subject
    assert desk.ack.reply_to == reply_address(
        SUPPORT, settings.CASE_NUMBER_PREFIX, desk.case.pk, desk.key
    )
    assert desk.ack.in_reply_to == desk.first.message_id
    assert desk.ack.auto_submitted
    assert tag_of(desk, desk.case) == desk.tag
