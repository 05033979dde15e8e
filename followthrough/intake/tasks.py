"""Background tasks of intake (run by `followthrough worker`): each takes ids, loads, and
calls one idempotent service."""

from __future__ import annotations

import logging

from django_tasks import task

from followthrough.intake.models import Mailbox
from followthrough.intake.services.mail_inbound import inbound_message_process
from followthrough.intake.services.mail_outbound import outbound_message_send
from followthrough.intake.services.mailboxes import mail_sweep, mailbox_poll

logger = logging.getLogger(__name__)

MAX_POLL_ROUNDS = 10


@task()
def inbound_message_process_task(message_id: int) -> None:
    inbound_message_process(message_id)


@task()
def outbound_message_send_task(message_id: int) -> None:
    outbound_message_send(message_id)


@task()
def mail_poll_task() -> None:
    """Fetch every active IMAP mailbox, then pick up mail a stopped worker left behind:
    stored messages never processed, and queued mail never sent."""
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host=""):
        for _ in range(MAX_POLL_ROUNDS):
            result = mailbox_poll(mailbox)
            if result.error or not result.more:
                break
    mail_sweep()
