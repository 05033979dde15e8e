"""The MIME tree as the reader walks it: the items of the message proper, a part's children,
and a leaf's still encoded payload."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from followthrough.intake.mail.parsing.text import _ANY_SURROGATE


@dataclass(frozen=True)
class _Item:
    """A part of the message proper, in document order: a leaf, or an attached message."""

    part: Message
    content_type: str
    attached_message: bool


def _children(part: Message) -> list[Message]:
    payload = part.get_payload() if part.is_multipart() else None
    return [child for child in payload if isinstance(child, Message)] if payload else []


def _encoded_payload(part: Message) -> str | None:
    """The still encoded (base64 or quoted-printable) payload of a leaf part, or None when it
    holds raw 8-bit bytes, which get_payload() would first decode with a hostile charset."""
    try:
        payload = part.get_payload()
    except Exception:
        return None
    return payload if isinstance(payload, str) and not _ANY_SURROGATE.search(payload) else None
