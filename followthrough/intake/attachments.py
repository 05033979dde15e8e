"""What an attached file is, judged by its bytes, and a client's file name made safe to show.

Pure functions, no ORM: the client's name and Content-Type are never trusted; the name is
kept only as a label and never becomes a path.
"""

from __future__ import annotations

import json
import re
import unicodedata

# The types an error report may carry, each with the extension its stored file gets.
ALLOWED_TYPES: dict[str, str] = {
    "text/plain": ".txt",
    "text/x-log": ".log",
    "application/json": ".json",
    "application/zip": ".zip",
    "application/gzip": ".gz",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),  # an empty archive
    (b"\x1f\x8b", "application/gzip"),
)

# Control characters other than those a log may hold (tab, newline, form feed, return, escape).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
MAX_NAME = 200
FALLBACK_NAME = "attachment"


class Refused(ValueError):
    """The bytes are not one of the allowed types; the message says what they look like."""


def sniff_content_type(data: bytes, name: str = "") -> str:
    """The type of `data` from its own bytes. Raises Refused for anything not allowed,
    including markup (HTML, SVG, XML) whatever the file is called.

    `name` only chooses between two text types: a `.log` file is text/x-log.
    """
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused("it is neither UTF-8 text nor a PNG, JPEG, ZIP or gzip file") from None
    if _BINARY_CONTROLS.search(text):
        raise Refused("it holds binary control characters, so it is not plain text")
    head = text.lstrip()
    if head.startswith("<"):
        # Browsers sniff markup from the first tag; HTML and SVG can run script.
        raise Refused("it is markup (HTML, SVG or XML); send logs as text, or zip them")
    if head[:1] in ("{", "["):
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            return "application/json"
    if name.lower().endswith(".log"):
        return "text/x-log"
    return "text/plain"


def clean_file_name(name: str | None) -> str:
    """The client's file name as a label: its last path part, without control, format or
    separator characters, at most MAX_NAME characters. Never used as a path."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: NUL and other controls; Cf: zero-width spaces, right-to-left overrides; Z[lp]: breaks.
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    text = text.strip().lstrip(".").strip()
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            text = stem[: MAX_NAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_NAME]
    return text or FALLBACK_NAME
