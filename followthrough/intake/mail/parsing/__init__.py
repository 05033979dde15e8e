"""One email's bytes turned into plain values: who sent it, what it says, what it carries.

Pure (standard library `email`, nh3, quotequail, inscriptis; no ORM, no settings). Nothing in
a message is trusted: names, types, charsets and structure are checked; whatever was odd is
repaired and described in `defects`, or the message is refused with a MailParseError.

The package splits that work by job; this module keeps the names the rest of the code
imports from `followthrough.intake.mail.parsing`.
"""

from followthrough.intake.mail.parsing.limits import (
    MAX_ADDRESSES,
    MAX_DEFECTS,
    MAX_DEPTH,
    MAX_DISPLAY_NAME,
    MAX_HEADER_VALUE,
    MAX_HTML_SOURCE,
    MAX_PARTS,
    MAX_REFERENCES,
    MAX_SUBJECT,
    MAX_TEXT,
)
from followthrough.intake.mail.parsing.reader import parse_message
from followthrough.intake.mail.parsing.results import (
    MailAddress,
    MailAttachment,
    MailParseError,
    ParsedMail,
    ParseProblem,
)
from followthrough.intake.mail.parsing.sniffing import sniff_mail_type

__all__ = [
    "MAX_ADDRESSES",
    "MAX_DEFECTS",
    "MAX_DEPTH",
    "MAX_DISPLAY_NAME",
    "MAX_HEADER_VALUE",
    "MAX_HTML_SOURCE",
    "MAX_PARTS",
    "MAX_REFERENCES",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "MailAddress",
    "MailAttachment",
    "MailParseError",
    "ParseProblem",
    "ParsedMail",
    "parse_message",
    "sniff_mail_type",
]
