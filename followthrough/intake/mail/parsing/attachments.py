"""Every part that is not the body kept as an attachment: its bytes, name and Content-ID, its
type judged from the bytes, its size checked."""

from __future__ import annotations

import email.policy
import hashlib
from email.message import Message

from followthrough.intake.attachments import FALLBACK_NAME, clean_file_name
from followthrough.intake.mail.parsing.bodies import _BodyReader
from followthrough.intake.mail.parsing.headers import _header_values, _raw_items
from followthrough.intake.mail.parsing.limits import _MAX_REFERENCE_ID
from followthrough.intake.mail.parsing.parts import _children, _Item
from followthrough.intake.mail.parsing.results import MailAttachment, MailParseError, ParseProblem
from followthrough.intake.mail.parsing.sniffing import sniff_mail_type
from followthrough.intake.mail.parsing.text import _failure, _one_line, _repair_text

_SHOWN_INLINE = frozenset({"image/png", "image/jpeg", "image/gif"})
# Attached messages are written back with their headers as they came, never refolded.
_REGENERATE = email.policy.default.clone(refold_source="none", linesep="\r\n")


class _AttachmentReader(_BodyReader):
    """Reading a part that is not the body as one attachment."""

    max_attachment_bytes: int

    def _attachment(self, item: _Item) -> MailAttachment:
        part = item.part
        name = self._declared_name(part)
        if item.attached_message:
            name = name or self._message_file_name(part)
            data = self._message_data(part, name)
        else:
            name = name or FALLBACK_NAME
            data = self._data(part, name)
        content_type = sniff_mail_type(data)
        content_id = self._content_id(part)
        disposition = self._disposition(part)
        return MailAttachment(
            name=name,
            declared_type=item.content_type,
            content_type=content_type,
            data=data,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_id=content_id,
            inline=disposition in (None, "inline") and bool(content_id),
            download_only=item.attached_message or content_type not in _SHOWN_INLINE,
        )

    def _data(self, part: Message, name: str) -> bytes:
        what = f'The attachment "{name}"'
        pieces: list[bytes] = []
        total = 0
        for chunk in self._payload_chunks(part, what):
            total += len(chunk)
            if total <= self.max_attachment_bytes:
                pieces.append(chunk)
            else:
                pieces.clear()  # keep counting to report the size, without keeping the bytes
        self._check_size(name, total)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _check_size(self, name: str, size: int) -> None:
        if size > self.max_attachment_bytes:
            raise MailParseError(
                ParseProblem.ATTACHMENT_TOO_LARGE,
                f'The attachment "{name}" is {size:,} bytes; the limit is '
                f"{self.max_attachment_bytes:,} bytes.",
            )

    def _message_data(self, part: Message, name: str) -> bytes:
        """The attached message(s) as bytes, headers as they were sent."""
        try:
            data = b"\r\n".join(_message_bytes(block) for block in _children(part))
        except Exception as exc:
            self.defects.append(
                _failure(f'The attached message "{name}" could not be put back together', exc)
            )
            data = b""
        self._check_size(name, len(data))
        return data

    def _message_file_name(self, part: Message) -> str:
        subject = ""
        for inner in _children(part)[:1]:
            subject = self._decoded(
                _header_values(_raw_items(inner), "subject")[:1], "An attached Subject", 150
            )
        subject = subject.replace("/", "-").replace("\\", "-")
        return clean_file_name(subject + ".eml") if subject else "message.eml"

    def _content_id(self, part: Message) -> str:
        values = _header_values(_raw_items(part), "content-id")
        if not values:
            return ""
        value = _one_line(_repair_text(values[0]), _MAX_REFERENCE_ID + 2).strip()
        if value.startswith("<") and value.endswith(">"):
            value = value[1:-1].strip()
        return value[:_MAX_REFERENCE_ID]


def _message_bytes(message: Message) -> bytes:
    return message.as_bytes(policy=_REGENERATE)
