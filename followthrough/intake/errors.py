"""Why intake refused or quarantined something: stable codes that the API and tests share."""

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
