"""Mail we send: replies for public notes, notifications by preference, retries and the sent
log, headers that cannot be injected, and the limit on automatic mail."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
import time_machine
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import TeamFactory, UserFactory
from followthrough.cases.services import case_add_note, case_assign
from followthrough.cases.tests.factories import open_case
from followthrough.customers.tests.factories import ContactEmailFactory, ContactFactory
from followthrough.intake.models import (
    Mailbox,
    MailPreference,
    OutboundKind,
    OutboundMessage,
    OutboundState,
)
from followthrough.intake.services.mail_inbound import inbound_message_process
from followthrough.intake.services.mail_outbound import MAX_ATTEMPTS, outbound_message_send
from followthrough.intake.services.mail_store import inbound_mail_store

SUPPORT = "support@example.test"


@pytest.fixture
def team(db):
    return TeamFactory.create(name="Tier 1")


@pytest.fixture
def mailbox(team):
    return Mailbox.objects.create(name="Example Support", address=SUPPORT, team=team)


@pytest.fixture
def agent(team):
    return UserFactory.create(role=Role.AGENT, email="sam@example.test", first_name="Sam")


@pytest.fixture
def lead(team):
    return UserFactory.create(role=Role.LEAD, email="lena@example.test", first_name="Lena")


def mail_from(sender: str, subject: str = "Printer offline", body: str = "It is offline.") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '.')}.{sender.count('a')}@customer.test>"
    message.set_content(body)
    return bytes(message)


def case_from_mail(mailbox, sender="Alice <alice@customer.test>", **kw):
    message, _ = inbound_mail_store(mailbox=mailbox, raw=mail_from(sender, **kw), source="import")
    message = inbound_message_process(message.pk)
    assert message.case is not None
    return message.case


def test_a_public_note_is_emailed_in_the_thread_and_an_internal_one_is_not(mailbox, agent):
    case = case_from_mail(mailbox)
    case_add_note(actor=agent, case=case, body="Internal: checked the logs.")
    assert not OutboundMessage.objects.filter(kind=OutboundKind.REPLY).exists()
    note = case_add_note(actor=agent, case=case, body="Please restart it.", visibility="public")
    reply = OutboundMessage.objects.get(kind=OutboundKind.REPLY)
    assert reply.note == note
    assert reply.to == ["alice@customer.test"]
    assert reply.from_address == f"Example Support <{SUPPORT}>"
    assert reply.reply_to.startswith("support+ft-")
    assert f"[FT-{case.pk}:" in reply.subject
    assert reply.in_reply_to == case.inbound_messages.get().message_id
    assert not reply.auto_submitted


def test_a_phone_case_with_a_contact_address_gets_public_notes_by_mail(mailbox, agent, team):
    contact = ContactFactory.create()
    ContactEmailFactory.create(contact=contact, address="bob@customer.test", is_primary=True)
    case = open_case(actor=agent, team=team, contact=contact)
    case_add_note(actor=agent, case=case, body="We ordered the part.", visibility="public")
    reply = OutboundMessage.objects.get(kind=OutboundKind.REPLY)
    assert reply.to == ["bob@customer.test"]
    assert reply.in_reply_to == ""


def test_no_mail_when_the_case_has_no_address_or_no_mailbox(agent, team, db):
    case = open_case(actor=agent)  # no contact, no mail, no team mailbox
    case_add_note(actor=agent, case=case, body="Called back, no answer.", visibility="public")
    assert not OutboundMessage.objects.exists()


def test_a_new_case_by_mail_is_acknowledged_once_and_a_reply_is_not(mailbox):
    case = case_from_mail(mailbox)
    ack = OutboundMessage.objects.get(kind=OutboundKind.ACKNOWLEDGEMENT)
    assert ack.case == case
    assert ack.auto_submitted
    assert ack.rate_key == "alice@customer.test"
    case_from_mail(mailbox, subject="Scanner offline")
    assert OutboundMessage.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 2


def test_automatic_mail_to_one_address_stops_at_the_hourly_limit(mailbox, settings):
    settings.FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT = 3
    for n in range(5):
        case_from_mail(mailbox, subject=f"Ticket {n} opened")
    assert OutboundMessage.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 3
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        case_from_mail(mailbox, subject="Ticket 6 opened")
    assert OutboundMessage.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 4


def test_an_assignment_is_emailed_unless_the_person_turned_it_off(team, agent, lead):
    case = open_case(actor=lead, team=team, owner=None)
    case_assign(actor=lead, case=case, owner=agent, team=team)
    mail = OutboundMessage.objects.get(kind=OutboundKind.NOTIFICATION)
    assert mail.user == agent
    assert mail.to == ["Sam <sam@example.test>"] or mail.to[0].endswith("<sam@example.test>")
    assert mail.auto_submitted
    assert case.number in mail.subject
    MailPreference.objects.create(user=agent, assigned=False)
    other = open_case(actor=lead, team=team, owner=None)
    case_assign(actor=lead, case=other, owner=agent, team=team)
    assert OutboundMessage.objects.filter(kind=OutboundKind.NOTIFICATION).count() == 1


def test_no_notification_mail_for_your_own_assignment(team, lead):
    case = open_case(actor=lead, team=team, owner=None)
    case_assign(actor=lead, case=case, owner=lead, team=team)
    assert not OutboundMessage.objects.exists()


def test_a_send_that_fails_is_retried_later_then_given_up(mailbox, agent, smtp_sink):
    case = case_from_mail(mailbox)
    OutboundMessage.objects.all().delete()
    case_add_note(actor=agent, case=case, body="Please restart it.", visibility="public")
    reply = OutboundMessage.objects.get()
    smtp_sink.fail_next(MAX_ATTEMPTS, code="451 4.3.0 try later")
    reply = outbound_message_send(reply.pk)
    assert reply.state == OutboundState.QUEUED
    assert reply.attempts == 1
    assert "451" in reply.last_error
    assert reply.next_attempt_at is not None and reply.next_attempt_at > timezone.now()
    # Not due yet: calling again sends nothing.
    assert outbound_message_send(reply.pk).attempts == 1
    for _ in range(MAX_ATTEMPTS - 1):
        OutboundMessage.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
        reply = outbound_message_send(reply.pk)
    assert reply.state == OutboundState.FAILED
    assert reply.attempts == MAX_ATTEMPTS
    assert smtp_sink.messages == []


def test_a_sent_message_is_not_sent_twice(mailbox, agent, smtp_sink):
    case = case_from_mail(mailbox)
    ack = OutboundMessage.objects.get()
    assert outbound_message_send(ack.pk).state == OutboundState.SENT
    assert outbound_message_send(ack.pk).state == OutboundState.SENT
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0].message["Message-ID"].strip() == f"<{ack.message_id}>"
    assert case.number in smtp_sink.messages[0].message["Subject"]


def test_a_display_name_with_a_line_break_cannot_add_a_recipient(mailbox, smtp_sink):
    # An encoded word hides the line break from the header syntax, not from the decoder.
    raw = (
        b"From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40example=2Eorg?= <eve@customer.test>\r\n"
        b"To: support@example.test\r\nSubject: Hello\r\nMessage-ID: <eve.1@customer.test>\r\n"
        b"\r\nHello there.\r\n"
    )
    message, _ = inbound_mail_store(mailbox=mailbox, raw=raw, source="import")
    assert inbound_message_process(message.pk).case is not None
    ack = OutboundMessage.objects.get()
    outbound_message_send(ack.pk)
    sent = smtp_sink.wait_for(1)[0]
    assert sent.rcpt_tos == ["eve@customer.test"]
    assert sent.message["Bcc"] is None
    assert "victim@example.org" not in sent.message["To"] or "\n" not in sent.message["To"]
