"""Automatic mail (RFC 3834) and senders that must never get automatic mail (BAD_INPUTS 22)."""

from __future__ import annotations

import pytest

from followthrough.intake.mail.loops import AutoKind, automatic, suppresses_replies
from followthrough.intake.mail.parsing import ParsedMail, parse_message


def parsed(*headers: str, sender: str = "Carol <carol@example.com>", body: str = "") -> ParsedMail:
    lines = [f"From: {sender}", "To: support@desk.example", "Subject: hi", *headers]
    return parse_message(("\r\n".join(lines) + "\r\n\r\n" + (body or "Hello.\r\n")).encode())


def delivery_report() -> ParsedMail:
    body = (
        "--R\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--R--\r\n"
    )
    return parsed(
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
        sender="Mail Delivery <delivery@mx.example>",
        body=body,
    )


def test_person_written_message_is_not_automatic():
    message = parsed()
    assert automatic(message) is None
    assert not suppresses_replies(message)


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated", "auto-notified; owner=x"])
def test_auto_submitted_is_automatic(value):
    found = automatic(parsed(f"Auto-Submitted: {value}"))
    assert found is not None
    assert found.kind == AutoKind.AUTO_SUBMITTED
    assert value in found.reason


@pytest.mark.parametrize("value", ["no", "No", " no (a person wrote this)"])
def test_auto_submitted_no_is_not_automatic(value):
    assert automatic(parsed(f"Auto-Submitted: {value}")) is None


def test_empty_auto_submitted_counts_as_automatic():
    found = automatic(parsed("Auto-Submitted:"))
    assert found is not None
    assert found.kind == AutoKind.AUTO_SUBMITTED


@pytest.mark.parametrize("header", ["X-Autoreply: yes", "X-Autorespond: Out of office"])
def test_autoreply_headers_are_auto_replies(header):
    found = automatic(parsed(header))
    assert found is not None
    assert found.kind == AutoKind.AUTO_REPLY


def test_delivery_report_is_a_bounce():
    found = automatic(delivery_report())
    assert found is not None
    assert found.kind == AutoKind.BOUNCE
    assert "delivery report" in found.reason


@pytest.mark.parametrize("value", ["<>", "< >", " <>"])
def test_empty_return_path_is_a_bounce(value):
    found = automatic(parsed(f"Return-Path: {value}"))
    assert found is not None
    assert found.kind == AutoKind.BOUNCE


def test_real_return_path_is_not_a_bounce():
    assert automatic(parsed("Return-Path: <carol@example.com>")) is None


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example", "postmaster@example.com", "Mailer-Daemon+x@mx.example"]
)
def test_mail_system_sender_is_a_bounce(sender):
    found = automatic(parsed(sender=sender))
    assert found is not None
    assert found.kind == AutoKind.BOUNCE


@pytest.mark.parametrize("value", ["bulk", "junk", "list", "auto_reply", "Bulk"])
def test_bulk_precedence_is_bulk(value):
    found = automatic(parsed(f"Precedence: {value}"))
    assert found is not None
    assert found.kind == AutoKind.BULK


def test_other_precedence_is_not_automatic():
    assert automatic(parsed("Precedence: first-class")) is None


def test_list_id_is_a_mailing_list():
    found = automatic(parsed("List-Id: Users <users.lists.example>"))
    assert found is not None
    assert found.kind == AutoKind.MAILING_LIST


def test_list_unsubscribe_alone_is_not_a_mailing_list():
    assert automatic(parsed("List-Unsubscribe: <mailto:leave@lists.example>")) is None


def test_the_first_sign_in_order_wins():
    found = automatic(
        parsed("Precedence: bulk", "List-Id: <l.example>", "X-Autoreply: yes", "Return-Path: <>")
    )
    assert found is not None
    assert found.kind == AutoKind.AUTO_REPLY


def test_auto_response_suppress_suppresses_replies_to_a_real_message():
    message = parsed("X-Auto-Response-Suppress: OOF, AutoReply")
    assert automatic(message) is None
    assert suppresses_replies(message)


def test_auto_response_suppress_with_any_value_suppresses_replies():
    assert suppresses_replies(parsed("X-Auto-Response-Suppress:"))


@pytest.mark.parametrize(
    "sender",
    [
        "noreply@example.com",
        "No-Reply <no-reply@example.com>",
        "no_reply@example.com",
        "DoNotReply@example.com",
        "do-not-reply@example.com",
        "do_not_reply@example.com",
        "bounce@example.com",
        "bounces+1234-carol=example.com@lists.example",
        "noreply+tag@example.com",
        "postmaster@example.com",
    ],
)
def test_no_reply_senders_suppress_replies(sender):
    assert suppresses_replies(parsed(sender=sender))


@pytest.mark.parametrize(
    "sender", ["replyto@example.com", "noreplyx@example.com", "bob@noreply.io"]
)
def test_ordinary_senders_do_not_suppress_replies(sender):
    assert not suppresses_replies(parsed(sender=sender))


def test_message_without_a_usable_sender_suppresses_replies():
    assert suppresses_replies(parsed(sender="not an address"))
