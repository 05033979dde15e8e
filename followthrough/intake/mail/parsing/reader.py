"""The walk through one message: its bytes read into a tree, the tree checked for depth and
size, each part taken as the body or an attachment, and the ParsedMail put together."""

from __future__ import annotations

import email.policy
import io
import traceback
from email import errors as email_errors
from email.message import Message
from email.parser import BytesParser
from typing import BinaryIO

from followthrough.intake.mail.parsing.attachments import _AttachmentReader
from followthrough.intake.mail.parsing.headers import _Headers
from followthrough.intake.mail.parsing.limits import (
    MAX_ADDRESSES,
    MAX_DEFECTS,
    MAX_DEPTH,
    MAX_HTML_SOURCE,
    MAX_PARTS,
    MAX_REFERENCES,
    MAX_TEXT,
)
from followthrough.intake.mail.parsing.parts import _children, _Item
from followthrough.intake.mail.parsing.results import (
    MailAttachment,
    MailParseError,
    ParsedMail,
    ParseProblem,
)
from followthrough.intake.mail.parsing.text import _failure

_REPORT_TYPES = frozenset({"delivery-status", "disposition-notification"})

# How parser complaints read to an agent.
_PARSER_DEFECTS: dict[type[email_errors.MessageDefect], str] = {
    email_errors.CloseBoundaryNotFoundDefect: (
        "A multipart part has no closing boundary; it was read to the end of the message."
    ),
    email_errors.StartBoundaryNotFoundDefect: (
        "A multipart part never starts its first boundary; its body was read as plain text."
    ),
    email_errors.NoBoundaryInMultipartDefect: (
        "A multipart part declares no boundary; its body was read as plain text."
    ),
    email_errors.MissingHeaderBodySeparatorDefect: (
        "A header block does not end with a blank line; the rest was read as the body."
    ),
    email_errors.FirstHeaderLineIsContinuationDefect: (
        "The first header line is a continuation line; it was ignored."
    ),
    email_errors.MisplacedEnvelopeHeaderDefect: (
        "An mbox 'From ' line appears among the headers; it was ignored."
    ),
    email_errors.MultipartInvariantViolationDefect: (
        "A part says it is multipart but holds no parts; it was read as a single part."
    ),
    email_errors.InvalidMultipartContentTransferEncodingDefect: (
        "A multipart part declares a transfer encoding, which multipart parts may not have."
    ),
}


def parse_message(
    source: bytes | BinaryIO, *, max_attachment_bytes: int = 50 * 1024 * 1024
) -> ParsedMail:
    """Parse one message. Raises MailParseError, and nothing else, when it cannot be taken in.

    `source` may be a binary file; it is then read in small pieces, never whole.
    """
    message = _read_message(source)
    try:
        return _Reader(message, max_attachment_bytes).parsed()
    except MailParseError:
        raise
    except RecursionError:
        raise MailParseError(
            ParseProblem.TOO_DEEP, "Its structure nests too deeply to read."
        ) from None
    except Exception as exc:
        raise MailParseError(
            ParseProblem.UNPARSEABLE, _failure("It could not be read", exc)
        ) from exc


def _read_message(source: bytes | BinaryIO) -> Message:
    stream: BinaryIO = (
        io.BytesIO(source) if isinstance(source, bytes | bytearray | memoryview) else source
    )
    try:
        # policy.default, but with its own header registry (see _Headers).
        policy = email.policy.default.clone(header_factory=_Headers())
        message = BytesParser(policy=policy).parse(stream)
    except MailParseError:
        raise
    except RecursionError as exc:
        if _nested_parts(exc):
            raise MailParseError(
                ParseProblem.TOO_DEEP,
                f"Its MIME parts nest far deeper than the {MAX_DEPTH} levels allowed.",
            ) from None
        raise MailParseError(
            ParseProblem.UNPARSEABLE, "A header nests comments or quotes too deeply to read."
        ) from None
    except Exception as exc:
        raise MailParseError(
            ParseProblem.UNPARSEABLE, _failure("The mail parser gave up", exc)
        ) from exc
    if not any(True for _ in message.raw_items()):
        raise MailParseError(
            ParseProblem.UNPARSEABLE, "It has no header lines, so it is not an email message."
        )
    return message


def _nested_parts(exc: BaseException) -> bool:
    """Whether a RecursionError came from parts nested in parts (the parser recurses once
    per level) rather than from one header (nested comments)."""
    levels = sum(
        frame.f_code.co_name == "_parsegen" for frame, _ in traceback.walk_tb(exc.__traceback__)
    )
    return levels > MAX_DEPTH


class _Reader(_AttachmentReader):
    def __init__(self, message: Message, max_attachment_bytes: int) -> None:
        self.message = message
        self.max_attachment_bytes = max_attachment_bytes
        self.defects: list[str] = []
        self.is_delivery_report = False

    def parsed(self) -> ParsedMail:
        items = self._items()
        headers = self._headers(self.message)
        text_item: _Item | None = None
        html_item: _Item | None = None
        attachments: list[MailAttachment] = []
        for item in items:
            kind = self._body_kind(item)
            if kind == "text/plain" and text_item is None:
                text_item = item
            elif kind == "text/html" and html_item is None:
                html_item = item
            else:
                if kind:
                    self.defects.append(
                        f"An extra {kind} part was kept as an attachment, not shown as the body."
                    )
                attachments.append(self._attachment(item))
        window, total = ("", 0) if text_item is None else self._body(text_item, 2 * MAX_TEXT)
        html = ""
        if html_item is not None:
            source, source_total = self._body(html_item, MAX_HTML_SOURCE)
            if source_total > len(source):
                self.defects.append(
                    f"The HTML body is {source_total:,} characters long; only the first "
                    f"{MAX_HTML_SOURCE:,} were read."
                )
            html = self._clean_html(source)
            if not window.strip():  # no text part, or an empty one beside the HTML
                window = self._html_text(html)
                total = len(window)
        text, quoted = self._split_history(window, total)
        to, to_count = self._addresses(headers, "to", MAX_ADDRESSES)
        cc, cc_count = self._addresses(headers, "cc", MAX_ADDRESSES)
        senders, _ = self._addresses(headers, "from", 1)
        if not senders:
            self.defects.append("The From header holds no usable address.")
        reply_to, _ = self._addresses(headers, "reply-to", MAX_ADDRESSES)
        references = self._ids(headers, "references")
        return ParsedMail(
            message_id=self._message_id(headers),
            in_reply_to=self._ids(headers, "in-reply-to")[:MAX_REFERENCES],
            references=references[-MAX_REFERENCES:],
            subject=self._subject(headers),
            sender=senders[0] if senders else None,
            reply_to=tuple(reply_to),
            to=tuple(to),
            cc=tuple(cc),
            recipient_count=to_count + cc_count,
            date=self._date(headers),
            text=text,
            quoted=quoted,
            html=html,
            attachments=tuple(attachments),
            headers=self._kept_headers(headers),
            is_delivery_report=self.is_delivery_report,
            defects=self._final_defects(),
        )

    # Structure ---------------------------------------------------------------------------

    def _items(self) -> list[_Item]:
        """Every leaf and attached message of the message proper, in document order; raises
        when the tree is too deep or too big. Attached messages are walked (to count their
        parts and depth) but their parts are not items: each is one attachment.

        Depth counts a level for each multipart inside another part and one for each
        attached message (an attached message and its own top multipart are one level).
        """
        items: list[_Item] = []
        # (part, depth, is the top of a message, inside an attached message)
        stack: list[tuple[Message, int, bool, bool]] = [(self.message, 0, True, False)]
        seen = 0
        while stack:
            part, depth, is_top, inside = stack.pop()
            seen += 1
            if seen > MAX_PARTS:
                raise MailParseError(
                    ParseProblem.TOO_MANY_PARTS,
                    f"It has more than {MAX_PARTS} MIME parts, which no real message needs.",
                )
            if depth > MAX_DEPTH:
                raise MailParseError(
                    ParseProblem.TOO_DEEP,
                    f"Its parts nest more than {MAX_DEPTH} levels deep "
                    "(multipart parts or attached messages inside each other).",
                )
            self._note_parser_defects(part)
            content_type = self._content_type(part)
            if not part.is_multipart():
                if not inside:
                    items.append(_Item(part, content_type, attached_message=False))
                continue
            children = _children(part)
            if content_type.startswith("message/"):
                if not inside:
                    items.append(_Item(part, content_type, attached_message=True))
                    if content_type == "message/delivery-status":
                        self.is_delivery_report = True
                if content_type == "message/delivery-status":
                    continue  # blocks of fields, not messages
                stack.extend((child, depth + 1, True, True) for child in reversed(children))
                continue
            if (
                content_type == "multipart/report"
                and not inside
                and self._param(part, "report-type").lower() in _REPORT_TYPES
            ):
                self.is_delivery_report = True
            step = 0 if is_top else 1
            stack.extend((child, depth + step, False, inside) for child in reversed(children))
        return items

    def _body_kind(self, item: _Item) -> str:
        """The body kind ("text/plain" or "text/html") of a part that may be the body, or ""."""
        if item.attached_message:
            return ""
        content_type = item.content_type
        if content_type.startswith("multipart/"):
            content_type = "text/plain"  # a multipart without parts: its body is text
        if content_type not in ("text/plain", "text/html"):
            return ""
        if self._disposition(item.part) == "attachment" or self._declared_name(item.part):
            return ""
        return content_type

    def _note_parser_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", ()):
            sentence = _PARSER_DEFECTS.get(type(defect))
            if sentence:
                self.defects.append(sentence)
            elif isinstance(defect, email_errors.HeaderDefect):
                continue  # header problems are reported where the header is read
            else:
                self.defects.append(f"The mail parser noted: {type(defect).__name__}.")

    def _final_defects(self) -> tuple[str, ...]:
        factory = getattr(self.message.policy, "header_factory", None)
        unique = list(dict.fromkeys([*getattr(factory, "repaired", ()), *self.defects]))
        if len(unique) > MAX_DEFECTS:
            left = len(unique) - MAX_DEFECTS + 1
            unique = [*unique[: MAX_DEFECTS - 1], f"... and {left} more problems."]
        return tuple(unique)
