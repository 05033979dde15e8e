"""Fetching a mailbox over IMAP: each message is stored (and committed) before the server is
told it may move or flag it, so a crash between the two only means it is fetched again — and
the second store finds the first by its Message-ID or hash."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from followthrough.intake.mail.imap import (
    AfterFetch,
    ImapError,
    ImapSecurity,
    ImapSettings,
    ImapSource,
)
from followthrough.intake.models import InboundSource, Mailbox
from followthrough.intake.services.mail_inbound import (
    inbound_message_process,
    inbound_messages_waiting,
)
from followthrough.intake.services.mail_outbound import (
    outbound_message_send,
    outbound_messages_due,
)
from followthrough.intake.services.mail_store import inbound_mail_store

logger = logging.getLogger(__name__)

POLL_BATCH = 100
# A stored message whose task has not run after this long is processed by the sweep.
WAITING_GRACE = dt.timedelta(minutes=2)


@dataclass
class PollResult:
    stored: int = 0
    repeats: int = 0
    error: str = ""
    more: bool = False


def imap_settings(mailbox: Mailbox) -> ImapSettings:
    return ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=ImapSecurity(mailbox.imap_security),
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder or "INBOX",
        after_fetch=AfterFetch(mailbox.after_fetch),
        move_to=mailbox.move_to_folder or "Processed",
    )


def mailbox_poll(mailbox: Mailbox, *, limit: int = POLL_BATCH) -> PollResult:
    """Store up to `limit` waiting messages of one mailbox. Connection and server errors are
    recorded on the mailbox (shown to administrators), not raised."""
    result = PollResult()
    try:
        with ImapSource(imap_settings(mailbox)) as source:
            uids = source.pending(limit=limit + 1)
            result.more = len(uids) > limit
            for uid in uids[:limit]:
                raw = source.fetch(uid)
                if raw is None:  # removed by someone else meanwhile
                    continue
                _message, created = inbound_mail_store(
                    mailbox=mailbox, raw=raw, source=InboundSource.IMAP
                )
                if created:
                    result.stored += 1
                else:
                    result.repeats += 1
                # Only now, with the message committed, may it leave the folder.
                source.done(uid)
    except ImapError as exc:
        result.error = str(exc)
        logger.warning("Polling %s failed: %s", mailbox.address, exc)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=timezone.now(), last_poll_error=result.error[:2000]
    )
    return result


def mail_sweep() -> tuple[int, int]:
    """Pick up what a stopped worker left: stored messages never processed, and queued mail
    never sent (or due for a retry). Returns (processed, sends tried)."""
    processed = 0
    for message_id in inbound_messages_waiting(older_than=WAITING_GRACE):
        inbound_message_process(message_id)
        processed += 1
    sent = 0
    for message_id in outbound_messages_due():
        outbound_message_send(message_id)
        sent += 1
    if processed or sent:
        logger.info("Mail sweep: %d messages processed, %d sends tried", processed, sent)
    return processed, sent
