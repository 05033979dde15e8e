"""Storing a received message before anything else (DESIGN.md §2, invariant 9).

The raw bytes go to storage and a row records them (mailbox, Message-ID, hash, size) in one
short transaction; only then may the IMAP message be moved or the SMTP client be told 250.
Processing is a separate, idempotent task. The same bytes delivered again to the same mailbox
are the same row. Copies that differ (another mailbox, a resend with other headers) are kept
as rows of their own, and processing puts only the first copy of a Message-ID on a case: the
others are shown as duplicates, so a forged Message-ID cannot make a real message vanish.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import BinaryIO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from followthrough.intake.mail.tokens import base_address
from followthrough.intake.models import InboundMessage, InboundSource, Mailbox
from followthrough.intake.models.mail import raw_message_path

MAX_MESSAGE_ID = 250
_CHUNK = 1024 * 1024
# Headers are read from the first bytes only: a Message-ID lives there.
_HEADER_BYTES = 256 * 1024


def usable_message_id(value: str | None) -> str:
    """A Message-ID without <> and whitespace, or "" when it cannot serve as a key."""
    text = (value or "").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text or len(text) > MAX_MESSAGE_ID or any(c.isspace() or ord(c) < 32 for c in text):
        return ""
    return text


def _header_message_id(head: bytes) -> str:
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head)
        return usable_message_id(str(headers.get("Message-ID", "") or ""))
    except Exception:  # a message with unreadable headers is keyed by its hash
        return ""


def dedupe_key(sha256: str) -> str:
    return "sha:" + sha256


def inbound_mail_store(
    *, mailbox: Mailbox, raw: bytes | BinaryIO, source: InboundSource | str
) -> tuple[InboundMessage, bool]:
    """Store one message for `mailbox`; returns (the record, whether it is new).

    Call it outside a transaction (or know that the caller's commit is what makes it safe):
    when it returns, the message is committed and its processing is enqueued.
    """
    with tempfile.SpooledTemporaryFile(max_size=8 * _CHUNK) as spool:
        digest = hashlib.sha256()
        size = 0
        head = b""
        for chunk in _chunks(raw):
            digest.update(chunk)
            size += len(chunk)
            if len(head) < _HEADER_BYTES:
                head += chunk[: _HEADER_BYTES - len(head)]
            spool.write(chunk)
        sha256 = digest.hexdigest()
        message_id = _header_message_id(_header_section(head))
        key = dedupe_key(sha256)
        existing = InboundMessage.objects.filter(mailbox=mailbox, dedupe_key=key).first()
        if existing is not None:
            return existing, False
        spool.seek(0)
        message = InboundMessage(
            mailbox=mailbox,
            source=source,
            dedupe_key=key,
            message_id=message_id,
            size=size,
            sha256=sha256,
            received_at=timezone.now(),
        )
        # The file first: a row never points at bytes that are not there.
        message.raw.save(raw_message_path(message, ""), File(spool), save=False)
    try:
        with transaction.atomic():
            message.save()
            transaction.on_commit(lambda: _enqueue_processing(message.pk))
    except IntegrityError:
        # Another delivery of the same message won the race: keep its row, drop our copy.
        message.raw.delete(save=False)
        return InboundMessage.objects.get(mailbox=mailbox, dedupe_key=key), False
    return message, True


def _enqueue_processing(message_pk: int) -> None:
    from followthrough.intake.tasks import inbound_message_process_task

    inbound_message_process_task.enqueue(message_pk)


def _chunks(raw: bytes | BinaryIO) -> Iterator[bytes]:
    """The message in pieces, without a second copy of a large one in memory."""
    if isinstance(raw, bytes | bytearray | memoryview):
        view = memoryview(raw)
        for start in range(0, len(view), _CHUNK):
            yield bytes(view[start : start + _CHUNK])
        return
    while chunk := raw.read(_CHUNK):
        yield chunk


def _header_section(head: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = head.find(separator)
        if end != -1:
            return head[: end + len(separator)]
    return head


def mailboxes_for(addresses: list[str]) -> list[Mailbox]:
    """The active mailboxes these recipient addresses reach (their own address, or a +tag of
    it), each once."""
    wanted = sorted({base_address(address) for address in addresses})
    return list(Mailbox.objects.filter(is_active=True, address__in=wanted).order_by("id"))


def inbound_mail_deliver(
    *, recipients: list[str], raw: bytes, source: InboundSource | str
) -> list[InboundMessage]:
    """One message handed to us for these recipients: stored once per mailbox they reach.
    Raises ValueError when none of them is ours (the listener refuses those at RCPT)."""
    boxes = mailboxes_for(recipients)
    if not boxes:
        raise ValueError("None of the recipients is an active mailbox here.")
    return [inbound_mail_store(mailbox=box, raw=raw, source=source)[0] for box in boxes]
