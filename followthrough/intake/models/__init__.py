"""Intake's tables: in-product error reports, and the email channel's mailboxes and messages."""

from followthrough.intake.models.error_reports import (
    DEFAULT_FIRST_RESPONSE_MINUTES,
    ErrorReport,
    ErrorReportAttachment,
    ProductRoute,
    error_report_attachment_path,
)
from followthrough.intake.models.mail import (
    CaseMailParticipant,
    InboundAttachment,
    InboundMessage,
    InboundSource,
    InboundState,
    Mailbox,
    MailboxAfterFetch,
    MailboxSecurity,
    MailPreference,
    OutboundKind,
    OutboundMessage,
    OutboundState,
)

__all__ = [
    "DEFAULT_FIRST_RESPONSE_MINUTES",
    "CaseMailParticipant",
    "ErrorReport",
    "ErrorReportAttachment",
    "InboundAttachment",
    "InboundMessage",
    "InboundSource",
    "InboundState",
    "MailPreference",
    "Mailbox",
    "MailboxAfterFetch",
    "MailboxSecurity",
    "OutboundKind",
    "OutboundMessage",
    "OutboundState",
    "ProductRoute",
    "error_report_attachment_path",
]
