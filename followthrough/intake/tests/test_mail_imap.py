"""ImapSource against a real Dovecot: what waits, exact bytes, and marking mail done."""

from __future__ import annotations

import base64
import hashlib

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]  # imapclient ships no types

from followthrough.intake.mail.imap import (
    FLAG_KEYWORD,
    AfterFetch,
    ImapError,
    ImapProblem,
    ImapSecurity,
    ImapSource,
)
from followthrough.intake.tests.mailservers import ImapServer, free_port

SEEN = b"\\Seen"
KEYWORD = FLAG_KEYWORD.encode()


def message(n: int, body: str = "") -> bytes:
    return (
        f"From: Customer {n} <customer{n}@example.org>\r\n"
        f"To: support@example.test\r\n"
        f"Subject: Problem number {n}\r\n"
        f"Message-ID: <m{n}@example.org>\r\n"
        "\r\n"
        f"{body or f'Body of message {n}.'}\r\n"
    ).encode()


def test_move_fetches_exact_bytes_and_moves_to_a_created_folder(imap_account: ImapServer):
    raws = [message(1), message(2)]
    uids = imap_account.append_many(raws)
    assert "Processed" not in imap_account.folders()

    with ImapSource(imap_account.settings()) as source:
        assert source.pending() == uids
        fetched = [source.fetch(uid) for uid in uids]
        for uid in uids:
            source.done(uid)

    assert fetched == raws
    assert imap_account.uids("INBOX") == []
    assert "Processed" in imap_account.folders()
    assert imap_account.messages("Processed") == raws


def test_move_into_an_existing_nested_folder(imap_account: ImapServer):
    imap_account.create_folder("Support/Done")
    imap_account.append(message(9), folder="Support/Done")
    uid = imap_account.append(message(1))

    with ImapSource(imap_account.settings(move_to="Support/Done")) as source:
        source.done(uid)

    assert imap_account.uids("INBOX") == []
    assert imap_account.messages("Support/Done") == [message(9), message(1)]


@pytest.mark.parametrize("missing", [{"MOVE"}, {"MOVE", "UIDPLUS"}])
def test_move_without_the_move_extension_copies_and_expunges(
    imap_account: ImapServer, monkeypatch: pytest.MonkeyPatch, missing: set[str]
):
    real = IMAPClient.has_capability

    def lacking(self: IMAPClient, capability: str) -> bool:
        return capability.upper() not in missing and real(self, capability)

    monkeypatch.setattr(IMAPClient, "has_capability", lacking)
    kept, moved = imap_account.append_many([message(1), message(2)])

    with ImapSource(imap_account.settings()) as source:
        source.done(moved)

    assert imap_account.uids("INBOX") == [kept]
    assert imap_account.messages("Processed") == [message(2)]


def test_fetch_peeks_without_setting_seen(imap_account: ImapServer):
    uid = imap_account.append(message(1))

    with ImapSource(imap_account.settings()) as source:
        assert source.fetch(uid) == message(1)

    assert SEEN not in imap_account.flags()[uid]


def test_flag_marks_the_message_and_does_not_offer_it_again(imap_account: ImapServer):
    first, second = imap_account.append_many([message(1), message(2)])
    settings = imap_account.settings(after_fetch=AfterFetch.FLAG)

    with ImapSource(settings) as source:
        assert source.pending() == [first, second]
        assert source.fetch(first) == message(1)
        assert SEEN not in imap_account.flags()[first]
        source.done(first)

    with ImapSource(settings) as source:
        assert source.pending() == [second]

    flags = imap_account.flags()
    assert {KEYWORD, SEEN} <= flags[first]
    assert KEYWORD not in flags[second]
    assert SEEN not in flags[second]
    assert imap_account.uids("INBOX") == [first, second]
    assert "Processed" not in imap_account.folders()


@pytest.mark.parametrize("after_fetch", list(AfterFetch))
def test_deleted_messages_are_not_pending(imap_account: ImapServer, after_fetch: AfterFetch):
    imap_account.append(message(1), flags=[b"\\Deleted"])
    live = imap_account.append(message(2))

    with ImapSource(imap_account.settings(after_fetch=after_fetch)) as source:
        assert source.pending() == [live]


def test_pending_respects_the_limit_oldest_first(imap_account: ImapServer):
    uids = imap_account.append_many(message(n) for n in range(5))

    with ImapSource(imap_account.settings()) as source:
        assert source.pending(limit=3) == uids[:3]
        assert source.pending(limit=0) == []

    assert imap_account.uids() == uids


def test_fetch_of_a_message_gone_meanwhile_returns_none(imap_account: ImapServer):
    uid = imap_account.append(message(1))

    with ImapSource(imap_account.settings()) as source:
        assert source.pending() == [uid]
        with ImapSource(imap_account.settings()) as other_worker:
            other_worker.done(uid)
        assert source.fetch(uid) is None
        assert source.fetch(uid + 1000) is None

    assert imap_account.messages("Processed") == [message(1)]


def test_a_five_megabyte_message_round_trips_byte_equal(imap_account: ImapServer):
    payload = hashlib.shake_256(b"followthrough").digest(3_800_000)
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = (
        b"From: big@example.org\r\nTo: support@example.test\r\nSubject: Logs\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded
    )
    assert len(raw) > 5_000_000
    uid = imap_account.append(raw)

    with ImapSource(imap_account.settings()) as source:
        fetched = source.fetch(uid)
        source.done(uid)

    assert fetched == raw
    assert imap_account.messages("Processed") == [raw]


def test_wrong_password_is_refused_with_words(imap_account: ImapServer):
    with pytest.raises(ImapError) as refused, ImapSource(imap_account.settings(password="nope")):
        pass

    assert refused.value.code == ImapProblem.LOGIN_REFUSED
    assert f"refused the login for {imap_account.user}" in refused.value.message
    assert f"{imap_account.host}:{imap_account.port}" in refused.value.message
    assert "nope" not in refused.value.message


def test_closed_port_cannot_connect(imap_account: ImapServer):
    port = free_port()

    with pytest.raises(ImapError) as refused, ImapSource(imap_account.settings(port=port)):
        pass

    assert refused.value.code == ImapProblem.UNREACHABLE
    assert refused.value.message.startswith(f"Could not connect to 127.0.0.1:{port}: ")
    assert "refused" in refused.value.message


def test_unknown_host_cannot_connect(imap_account: ImapServer):
    settings = imap_account.settings(host="imap.invalid", timeout=5.0)

    with pytest.raises(ImapError) as refused, ImapSource(settings):
        pass

    assert refused.value.code == ImapProblem.UNREACHABLE
    assert refused.value.message.startswith(f"Could not connect to imap.invalid:{settings.port}")


def test_missing_folder_is_named(imap_account: ImapServer):
    with (
        pytest.raises(ImapError) as refused,
        ImapSource(imap_account.settings(folder="Support/Nowhere")),
    ):
        pass

    assert refused.value.code == ImapProblem.FOLDER_MISSING
    assert "'Support/Nowhere' does not exist" in refused.value.message
    assert imap_account.user in refused.value.message


def test_moving_into_the_fetched_folder_is_refused_before_connecting(imap_account: ImapServer):
    settings = imap_account.settings(port=free_port(), folder="INBOX", move_to="inbox")

    with pytest.raises(ImapError) as refused, ImapSource(settings):
        pass

    assert refused.value.code == ImapProblem.MISCONFIGURED


@pytest.mark.parametrize("security", [ImapSecurity.SSL, ImapSecurity.STARTTLS])
def test_tls_connections_fetch(imap_account: ImapServer, security: ImapSecurity):
    if not imap_account.tls_port:
        pytest.skip("openssl was missing, so the test Dovecot has no TLS")
    port = imap_account.tls_port if security == ImapSecurity.SSL else imap_account.port
    uid = imap_account.append(message(1))
    settings = imap_account.settings(security=security, port=port, verify_tls=False)

    with ImapSource(settings) as source:
        assert source.fetch(uid) == message(1)


@pytest.mark.parametrize("security", [ImapSecurity.SSL, ImapSecurity.STARTTLS])
def test_untrusted_certificate_is_refused_with_words(
    imap_account: ImapServer, security: ImapSecurity
):
    if not imap_account.tls_port:
        pytest.skip("openssl was missing, so the test Dovecot has no TLS")
    port = imap_account.tls_port if security == ImapSecurity.SSL else imap_account.port
    settings = imap_account.settings(security=security, port=port)

    with pytest.raises(ImapError) as refused, ImapSource(settings):
        pass

    assert refused.value.code == ImapProblem.TLS
    assert f"Could not connect to 127.0.0.1:{port}" in refused.value.message
    assert "certificate is not trusted" in refused.value.message


def test_source_is_only_usable_inside_its_with_block(imap_account: ImapServer):
    source = ImapSource(imap_account.settings())

    with pytest.raises(RuntimeError):
        source.pending()


def test_each_test_gets_an_empty_mailbox_and_helpers_reset_it(
    dovecot: ImapServer, imap_account: ImapServer
):
    assert imap_account.user != dovecot.user
    assert imap_account.uids() == []
    imap_account.append_many([message(1), message(2)])
    imap_account.clear()
    assert imap_account.uids() == []
    assert imap_account.messages() == []
