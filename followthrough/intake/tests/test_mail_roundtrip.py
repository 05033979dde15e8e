"""Mail round trips with real servers: a customer writes (IMAP, dovecot), a case opens and is
acknowledged (SMTP, aiosmtpd), the agent replies from the case page, and the customer's reply
threads back onto the case. The worker and the commands run as they do in production."""

from __future__ import annotations

import signal
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.management import call_command

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, Interaction
from followthrough.cases.states import Channel, Direction
from followthrough.intake.mail.listener import make_controller
from followthrough.intake.models import (
    InboundMessage,
    InboundSource,
    InboundState,
    Mailbox,
    OutboundKind,
    OutboundMessage,
    OutboundState,
)
from followthrough.intake.services.mail_store import inbound_mail_deliver, mailboxes_for

SUPPORT = "support@example.test"
CUSTOMER = "alice@customer.test"


@pytest.fixture
def team(db):
    return Team.objects.create(name="Tier 1")


@pytest.fixture
def agent(team):
    user = UserFactory.create(role=Role.AGENT, first_name="Sam", last_name="Agent")
    user.email = "sam@example.test"
    user.save()
    team.members.add(user)
    return user


@pytest.fixture
def mailbox(team, imap_account):
    return Mailbox.objects.create(
        name="Example Support",
        address=SUPPORT,
        team=team,
        imap_host=imap_account.host,
        imap_port=imap_account.port,
        imap_security="none",
        imap_username=imap_account.user,
        imap_password=imap_account.password,
    )


def run_worker() -> None:
    """Run every task that is due, as `followthrough worker --batch` does, then return."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def customer_mail(subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Alice Example <{CUSTOMER}>"
    message["To"] = headers.pop("To", SUPPORT)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.test")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


@pytest.mark.django_db(transaction=True)
def test_a_customer_writes_the_agent_replies_and_the_answer_threads_back(
    mailbox, agent, imap_account, smtp_sink, client
):
    # 1. The customer writes; the poll stores it, the worker opens a case and acknowledges.
    first = customer_mail("Printer offline", "Our printer in room 4 shows error E-17.")
    imap_account.append(first)
    call_command("mail", "poll", verbosity=0)
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Processed")) == 1
    run_worker()
    message = InboundMessage.objects.get()
    assert message.state == InboundState.PROCESSED
    assert message.opened_case
    case = message.case
    assert case is not None
    assert message.interaction is not None
    assert case.channel == Channel.EMAIL
    assert case.team == mailbox.team
    assert case.subject == "Printer offline"
    assert "error E-17" in message.interaction.note
    ack = smtp_sink.wait_for(1)[0]
    assert ack.rcpt_tos == [CUSTOMER]
    assert ack.message["Auto-Submitted"] == "auto-replied"
    assert f"[{case.number}:" in ack.message["Subject"]
    assert ack.message["In-Reply-To"] == f"<{message.message_id}>"

    # 2. The agent answers with a public note on the case page; it goes out in the thread.
    client.force_login(agent)
    response = client.post(
        f"/cases/{case.pk}/notes/",
        {"body": "Please switch it off and on.", "visibility": "public"},
    )
    assert response.status_code in (200, 302)
    run_worker()
    reply = smtp_sink.wait_for(2)[1]
    assert reply.rcpt_tos == [CUSTOMER]
    assert "Please switch it off and on." in reply.message.get_content()
    assert reply.message["In-Reply-To"] == f"<{message.message_id}>"
    assert f"<{message.message_id}>" in reply.message["References"]
    assert reply.message["Auto-Submitted"] is None
    reply_to = reply.message["Reply-To"]
    assert reply_to.startswith("support+") and reply_to.endswith("@example.test")
    sent = OutboundMessage.objects.get(kind=OutboundKind.REPLY)
    assert sent.state == OutboundState.SENT

    # 3. The customer answers the reply; it lands on the same case, quoted history left out.
    answer = customer_mail(
        reply.message["Subject"],
        "It works again, thank you!\n\nOn Monday Sam wrote:\n> Please switch it off and on.\n",
        To=reply_to,
        In_Reply_To=reply.message["Message-ID"],
        References=f"{reply.message['References']} {reply.message['Message-ID']}",
    )
    imap_account.append(answer)
    call_command("mail", "poll", verbosity=0)
    run_worker()
    second = InboundMessage.objects.exclude(pk=message.pk).get()
    assert second.state == InboundState.PROCESSED
    assert second.case_id == case.pk
    assert not second.opened_case
    assert second.interaction is not None
    assert "It works again" in second.interaction.note
    assert "> Please switch it off" not in second.interaction.note
    assert Case.objects.count() == 1
    inbound = Interaction.objects.filter(case=case, direction=Direction.INBOUND)
    assert inbound.count() == 2
    # No acknowledgement for a reply on an existing case.
    assert OutboundMessage.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 1
    assert len(smtp_sink.messages) == 2


def deliver(recipients: list[str], raw: bytes) -> None:
    inbound_mail_deliver(recipients=recipients, raw=raw, source=InboundSource.SMTP)


@pytest.mark.django_db(transaction=True)
def test_mail_routed_to_the_smtp_listener_opens_a_case(mailbox, smtp_sink):
    controller = make_controller(
        host="127.0.0.1",
        port=0,
        accepts=lambda address: bool(mailboxes_for([address])),
        deliver=deliver,
        size_limit=1024 * 1024,
    )
    controller.start()
    try:
        raw = customer_mail("VPN drops every hour", "Since Monday the VPN drops hourly.")
        with smtplib.SMTP("127.0.0.1", controller.port, timeout=10) as client:
            refused = client.sendmail(CUSTOMER, [SUPPORT], raw)
            assert refused == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail(CUSTOMER, ["nobody@example.test"], raw)
    finally:
        controller.stop()
    stored = InboundMessage.objects.get()
    assert stored.source == InboundSource.SMTP
    with stored.raw.open("rb") as handle:
        # As it crossed the wire: SMTP turns line ends into CRLF; nothing else changes.
        assert handle.read().replace(b"\r\n", b"\n").rstrip(b"\n") == raw.rstrip(b"\n")
    run_worker()
    stored.refresh_from_db()
    assert stored.state == InboundState.PROCESSED
    assert stored.case is not None
    assert stored.case.subject == "VPN drops every hour"
