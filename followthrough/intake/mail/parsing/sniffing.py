"""A file's type judged from its own bytes, never from what the sender claimed."""

from __future__ import annotations

import codecs
import re

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"PK\x07\x08", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\x78\x9f\x3e\x22", "application/ms-tnef"),
)
_SNIFF_BYTES = 65_536
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
# The tags a browser takes as HTML when they open a document (the WHATWG sniffing list) ...
_HTML_OPENING = re.compile(
    r"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)"
    r"[\s>/]|<!--",
    re.I,
)
# ... and the ones that make any markup a page, wherever they appear.
_HTML_ANYWHERE = re.compile(r"<(?:html|head|body|script|iframe)[\s>/]", re.I)


def sniff_mail_type(data: bytes) -> str:
    """The type of `data` from its own bytes: a few binary formats by their magic bytes, then
    markup or plain text if the bytes are text, else application/octet-stream."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    text = _sniffed_text(data[:_SNIFF_BYTES])
    if text is None:
        return "application/octet-stream"
    head = text.lstrip()
    if not head.startswith("<"):
        return "text/plain"
    if _HTML_OPENING.match(head):
        return "text/html"
    lowered = head.lower()
    if "<svg" in lowered:
        return "image/svg+xml"
    if _HTML_ANYWHERE.search(lowered):
        return "text/html"
    return "application/xml"


def _sniffed_text(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    else:
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        except UnicodeDecodeError:
            text = head.decode("cp1252", "replace")  # legacy 8-bit text is text too
    return None if _BINARY_CONTROLS.search(text) else text
