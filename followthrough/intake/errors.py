"""Why intake refused, quarantined or ignored something: codes the API, pages and tests share."""

from enum import StrEnum


class IntakeError(StrEnum):
    # The report was stored and quarantined: it opened no case.
    PRODUCT_MISMATCH = "product_mismatch"
    PRODUCT_NOT_ROUTED = "product_not_routed"
    # The report was refused before anything was stored.
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE_REFUSED = "attachment_type_refused"
    # Stored, but processing failed unexpectedly (a bug or a database error).
    PROCESSING_FAILED = "processing_failed"
    # A retry of a report that already has its case.
    REPORT_ALREADY_PROCESSED = "report_already_processed"

    # Mail: why a message was quarantined (stored, opened no case, waits for an agent).
    MAIL_OVERSIZED = "mail_oversized"
    MAIL_UNPARSEABLE = "mail_unparseable"
    MAIL_TOO_DEEP = "mail_too_deep"
    MAIL_TOO_MANY_PARTS = "mail_too_many_parts"
    MAIL_ATTACHMENT_TOO_LARGE = "mail_attachment_too_large"
    MAIL_NO_SENDER = "mail_no_sender"
    MAIL_REFUSED_BY_CASE = "mail_refused_by_case"
    # Mail: why a message was ignored (stored and visible, but no case and no reply).
    MAIL_AUTOMATIC = "mail_automatic"
    MAIL_OWN_MESSAGE = "mail_own_message"
    MAIL_DUPLICATE = "mail_duplicate"
    # Mail: what was refused on the way (the message still opened a case).
    MAIL_REFERENCE_REFUSED = "mail_reference_refused"
    # Mail: an agent's action that does not fit the message's state.
    MAIL_NOT_WAITING = "mail_not_waiting"
    MAIL_REASON_REQUIRED = "mail_reason_required"
