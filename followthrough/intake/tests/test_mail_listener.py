"""The SMTP listener with a real smtplib client, and the SMTP sink the other mail tests use."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.smtp import Envelope, Session
from django.core.mail import send_mail

from followthrough.intake.mail.listener import (
    REPLY_NO_RECIPIENTS,
    REPLY_NO_SUCH_MAILBOX,
    REPLY_NOT_STORED,
    REPLY_STORED,
    IntakeController,
    IntakeHandler,
    make_controller,
)
from followthrough.intake.tests.mailservers import HOST, SmtpSink

MAILBOXES = {"support@example.test", "billing@example.test"}
SIZE_LIMIT = 64 * 1024
SENDER = "customer@example.org"


def raw_message(body: bytes = b"Hello, my VPN drops every hour.\r\n") -> bytes:
    return (
        b"From: Customer <customer@example.org>\r\n"
        b"To: support@example.test\r\n"
        b"Subject: VPN drops\r\n"
        b"Message-ID: <abc@example.org>\r\n"
        b"\r\n" + body
    )


@dataclass
class Mailroom:
    """What the listener handed over, and a switch to make storing fail."""

    delivered: list[tuple[list[str], bytes]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    fail_delivery: bool = False
    fail_check: bool = False
    had_event_loop: list[bool] = field(default_factory=list)

    def accepts(self, address: str) -> bool:
        self.checked.append(address)
        if self.fail_check:
            raise RuntimeError("database is down")
        return address in MAILBOXES

    def deliver(self, recipients: list[str], raw: bytes) -> None:
        try:
            asyncio.get_running_loop()
            self.had_event_loop.append(True)
        except RuntimeError:
            self.had_event_loop.append(False)
        if self.fail_delivery:
            raise RuntimeError("disk full")
        self.delivered.append((recipients, raw))


@pytest.fixture
def mailroom() -> Mailroom:
    return Mailroom()


@pytest.fixture
def listener(mailroom: Mailroom) -> Iterator[IntakeController]:
    controller = make_controller(
        host=HOST,
        port=0,
        accepts=mailroom.accepts,
        deliver=mailroom.deliver,
        size_limit=SIZE_LIMIT,
        server_hostname="mx.example.test",
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def client(listener: IntakeController) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP(HOST, listener.port, local_hostname="client.example.org", timeout=10) as smtp:
        yield smtp


def test_accepted_recipient_gets_the_exact_bytes(client: smtplib.SMTP, mailroom: Mailroom):
    # A line starting with a dot is dot-stuffed on the wire and must arrive as sent.
    raw = raw_message(b"Line one\r\n.hidden dot line\r\n..two dots\r\n")

    refused = client.sendmail(SENDER, ["Support@Example.TEST"], raw)

    assert refused == {}
    assert mailroom.delivered == [(["support@example.test"], raw)]
    assert mailroom.checked == ["support@example.test"]


def test_deliver_gets_every_accepted_recipient_once(client: smtplib.SMTP, mailroom: Mailroom):
    recipients = [
        "support@example.test",
        "nobody@example.test",
        "billing@example.test",
        "SUPPORT@example.test",
    ]

    refused = client.sendmail(SENDER, recipients, raw_message())

    assert refused == {"nobody@example.test": (550, REPLY_NO_SUCH_MAILBOX[4:].encode())}
    assert mailroom.delivered == [(["support@example.test", "billing@example.test"], raw_message())]


def test_unknown_recipient_is_refused_and_nothing_delivered(
    client: smtplib.SMTP, mailroom: Mailroom
):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(SENDER, ["nobody@example.test"], raw_message())

    code, text = refused.value.recipients["nobody@example.test"]
    assert code == 550
    assert text == b"5.1.1 No such mailbox here"
    assert mailroom.delivered == []


def test_failed_delivery_is_a_temporary_failure(
    client: smtplib.SMTP, mailroom: Mailroom, caplog: pytest.LogCaptureFixture
):
    mailroom.fail_delivery = True

    with (
        caplog.at_level(logging.ERROR, logger="followthrough.intake.mail.listener"),
        pytest.raises(smtplib.SMTPDataError) as failed,
    ):
        client.sendmail(SENDER, ["support@example.test"], raw_message())

    assert failed.value.smtp_code == 451
    assert 400 <= failed.value.smtp_code < 500  # the sending server keeps it and retries
    assert failed.value.smtp_error == REPLY_NOT_STORED[4:].encode()
    assert mailroom.delivered == []
    assert "Could not store a message from customer@example.org" in caplog.text
    assert "disk full" in caplog.text


def test_failed_mailbox_check_is_a_temporary_failure(client: smtplib.SMTP, mailroom: Mailroom):
    mailroom.fail_check = True

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(SENDER, ["support@example.test"], raw_message())

    assert refused.value.recipients["support@example.test"][0] == 451
    assert mailroom.delivered == []


def test_size_is_announced(client: smtplib.SMTP):
    client.ehlo()

    assert client.has_extn("size")
    assert client.esmtp_features["size"] == str(SIZE_LIMIT)


def test_message_over_the_size_limit_is_refused_when_announced(
    client: smtplib.SMTP, mailroom: Mailroom
):
    raw = raw_message(b"x" * 900 + b"\r\n") * 80

    # smtplib declares SIZE= on MAIL FROM because the server announced SIZE.
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail(SENDER, ["support@example.test"], raw)

    assert refused.value.smtp_code == 552
    assert mailroom.delivered == []


def test_message_over_the_size_limit_is_refused_after_data(
    client: smtplib.SMTP, mailroom: Mailroom
):
    raw = raw_message(b"x" * 900 + b"\r\n") * 80
    client.ehlo()
    assert client.mail(SENDER)[0] == 250  # no SIZE= declared
    assert client.rcpt("support@example.test")[0] == 250

    code, _text = client.data(raw)

    assert code == 552
    assert mailroom.delivered == []


def test_eight_bit_and_binary_bytes_are_preserved(client: smtplib.SMTP, mailroom: Mailroom):
    every_byte = bytes(b for b in range(256) if b not in b"\r\n")
    body = (
        "Grüße aus Köln, 日本語\r\n".encode()
        + "Latin-1: Gr\xfc\xdfe\r\n".encode("latin-1")
        + b"invalid utf-8: \xc3\x28 \xff\xfe\r\n"
        + every_byte[:127]
        + b"\r\n"
        + every_byte[127:]
        + b"\r\n"
    )
    raw = raw_message(body).replace(
        b"\r\n\r\n", b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", 1
    )

    client.sendmail(SENDER, ["support@example.test"], raw, mail_options=["BODY=8BITMIME"])

    assert mailroom.delivered == [(["support@example.test"], raw)]


def test_deliver_runs_outside_the_event_loop(client: smtplib.SMTP, mailroom: Mailroom):
    # Django's ORM refuses to run inside an event loop; deliver and accepts may use it.
    client.sendmail(SENDER, ["support@example.test"], raw_message())

    assert mailroom.had_event_loop == [False]


def test_several_messages_over_one_connection(client: smtplib.SMTP, mailroom: Mailroom):
    first, second = raw_message(b"first\r\n"), raw_message(b"second\r\n")

    client.sendmail(SENDER, ["support@example.test"], first)
    client.sendmail(SENDER, ["billing@example.test"], second)

    assert mailroom.delivered == [
        (["support@example.test"], first),
        (["billing@example.test"], second),
    ]


def run_coroutine(coroutine: Any) -> Any:
    """Run a handler coroutine on a loop of its own thread: an earlier test in the session
    (Playwright's sync API) may have left an event loop running on this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)


def test_data_without_accepted_recipients_is_refused(mailroom: Mailroom):
    handler = IntakeHandler(accepts=mailroom.accepts, deliver=mailroom.deliver)
    envelope = Envelope()
    envelope.content = envelope.original_content = raw_message()

    reply = run_coroutine(handler.handle_DATA(None, Session(None), envelope))  # type: ignore[arg-type]

    assert reply == REPLY_NO_RECIPIENTS
    assert mailroom.delivered == []


def test_handler_replies(mailroom: Mailroom):
    handler = IntakeHandler(accepts=mailroom.accepts, deliver=mailroom.deliver)
    envelope = Envelope()

    rcpt = handler.handle_RCPT(None, Session(None), envelope, "Billing@Example.test", [])  # type: ignore[arg-type]
    assert run_coroutine(rcpt).startswith("250 ")
    envelope.original_content = raw_message()
    reply = run_coroutine(handler.handle_DATA(None, Session(None), envelope))  # type: ignore[arg-type]

    assert reply == REPLY_STORED
    assert mailroom.delivered == [(["billing@example.test"], raw_message())]


# The SMTP sink that tests of outgoing mail use.


def test_smtp_sink_receives_django_mail_with_headers_intact(smtp_sink: SmtpSink):
    sent = send_mail(
        "Your case #42: Grüße",
        "We are on it.\n\nAda",
        "Followthrough <desk@example.test>",
        ["customer@example.org"],
    )

    assert sent == 1
    (received,) = smtp_sink.wait_for(1)
    assert received.mail_from == "desk@example.test"
    assert received.rcpt_tos == ["customer@example.org"]
    assert received.message["Subject"] == "Your case #42: Grüße"
    assert received.message["From"] == "Followthrough <desk@example.test>"
    assert received.message["To"] == "customer@example.org"
    assert received.message["Message-ID"]
    assert received.message["Date"]
    assert b"Subject: =?utf-8?" in received.raw  # encoded on the wire, decoded by the parser
    assert received.message.get_content().splitlines() == ["We are on it.", "", "Ada"]


def test_smtp_sink_fails_on_demand(smtp_sink: SmtpSink):
    smtp_sink.fail_next(1, code="451 4.3.0 try later")

    with pytest.raises(smtplib.SMTPDataError) as failed:
        send_mail("First", "Body", "desk@example.test", ["customer@example.org"])
    send_mail("Second", "Body", "desk@example.test", ["customer@example.org"])

    assert failed.value.smtp_code == 451
    (received,) = smtp_sink.wait_for(1)
    assert received.message["Subject"] == "Second"
    assert [refused.message["Subject"] for refused in smtp_sink.refused] == ["First"]


def test_smtp_sink_wait_for_gives_up(smtp_sink: SmtpSink):
    with pytest.raises(AssertionError, match="expected 1 message"):
        smtp_sink.wait_for(1, timeout=0.1)


def test_listener_threads_end_when_stopped(mailroom: Mailroom):
    before = threading.active_count()
    controller = make_controller(
        host=HOST,
        port=0,
        accepts=mailroom.accepts,
        deliver=mailroom.deliver,
        size_limit=SIZE_LIMIT,
        server_hostname="mx.example.test",
    )
    controller.start()
    port = controller.port
    assert port != 0
    controller.stop()

    assert threading.active_count() == before
    with pytest.raises(OSError):
        smtplib.SMTP(HOST, port, timeout=2)
