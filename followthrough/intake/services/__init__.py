"""Every write of intake: error reports, and the email channel in and out."""

from followthrough.intake.services.error_reports import (
    MAX_ATTACHMENTS,
    MAX_MESSAGE,
    TRIAGE_STEP,
    error_report_receive,
    error_report_retry,
)
from followthrough.intake.services.mail_inbound import (
    inbound_message_discard,
    inbound_message_process,
    inbound_message_release,
    inbound_message_retry,
)
from followthrough.intake.services.mail_store import inbound_mail_deliver, inbound_mail_store
from followthrough.intake.services.mailboxes import mail_sweep, mailbox_poll

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_MESSAGE",
    "TRIAGE_STEP",
    "error_report_receive",
    "error_report_retry",
    "inbound_mail_deliver",
    "inbound_mail_store",
    "inbound_message_discard",
    "inbound_message_process",
    "inbound_message_release",
    "inbound_message_retry",
    "mail_sweep",
    "mailbox_poll",
]
