"""What parsing gives back: the parsed message and its parts as plain values, or the error
that refuses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ParseProblem(StrEnum):
    UNPARSEABLE = "unparseable"  # not a message at all / parser blew up
    TOO_DEEP = "too_deep"  # multipart or message/rfc822 nesting deeper than MAX_DEPTH
    TOO_MANY_PARTS = "too_many_parts"  # more than MAX_PARTS MIME parts
    ATTACHMENT_TOO_LARGE = "attachment_too_large"  # one attachment over max_attachment_bytes


class MailParseError(Exception):
    """The message cannot be taken in; `code` says which rule it broke, `reason` says it in
    words an agent can act on."""

    def __init__(self, code: ParseProblem, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class MailAddress:
    address: str  # lower-cased addr-spec (local@domain); entries without a valid one are dropped
    name: str  # display name, control characters removed, at most 200 characters


@dataclass(frozen=True)
class MailAttachment:
    name: str  # clean_file_name(declared name, RFC 2231/2047 decoded); "attachment" if none
    declared_type: str  # the Content-Type the sender claimed, lower-case
    content_type: str  # judged from the bytes (see sniff_mail_type), never the claim
    data: bytes
    size: int
    sha256: str  # hex
    content_id: str  # without <>, "" if none
    inline: bool  # Content-Disposition inline (or no disposition) AND a Content-ID
    download_only: bool  # True unless content_type is image/png, image/jpeg or image/gif


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without <> and whitespace; "" when missing or unusable
    in_reply_to: tuple[str, ...]  # message ids, without <>
    references: tuple[str, ...]  # message ids, at most MAX_REFERENCES (the last ones)
    subject: str  # decoded, one line, controls removed, at most MAX_SUBJECT characters
    sender: MailAddress | None  # the first valid mailbox in From
    reply_to: tuple[MailAddress, ...]
    to: tuple[MailAddress, ...]  # at most MAX_ADDRESSES kept per header
    cc: tuple[MailAddress, ...]
    recipient_count: int  # every To + Cc address as sent, even beyond those kept
    date: datetime | None  # aware, from Date; None when missing or unparseable
    text: str  # the new text, quoted history removed, at most MAX_TEXT characters
    quoted: str  # the quoted history taken out of `text`, "" if none
    html: str  # the HTML body sanitised by nh3, or ""
    attachments: tuple[MailAttachment, ...]
    headers: dict[str, str]  # lower-case name -> decoded one-line value, loop headers only
    is_delivery_report: bool  # a multipart/report (delivery-status / disposition-notification)
    defects: tuple[str, ...]  # sentences for an agent: what was odd and how it was handled
