"""Decoded text made safe to keep and show: raw bytes repaired, lines unfolded, controls
removed, and failures described in one line."""

from __future__ import annotations

import re
import unicodedata

_FOLD = re.compile(r"\r\n|\r|\n")
_SURROGATE_RUN = re.compile(r"[\udc80-\udcff]+")
_SURROGATE_SPLIT = re.compile(r"([\udc80-\udcff]+)")
_ANY_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]")
# C0 and C1 controls, bidirectional overrides and isolates, byte-order marks.
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _unfold(value: str) -> str:
    return _FOLD.sub("", value)


def _repair_text(value: str) -> str:
    """`value` without lone surrogates (raw bytes the parser could not decode), which no
    database or browser can take: runs of raw bytes are read as UTF-8 or windows-1252."""
    if not _ANY_SURROGATE.search(value):
        return value
    value = _SURROGATE_RUN.sub(lambda run: _bytes_text(run.group()), value)
    return value.encode("utf-8", "replace").decode("utf-8")


def _bytes_text(run: str) -> str:
    data = run.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _one_line(value: str, limit: int) -> str:
    """One line of at most `limit` characters: breaks and tabs become spaces, controls go,
    runs of whitespace become one space."""
    value = _LINE_CONTROLS.sub("", _BREAKS.sub(" ", _repair_text(value)))
    return unicodedata.normalize("NFC", " ".join(value.split()))[:limit]


def _failure(what: str, exc: BaseException) -> str:
    detail = _one_line(str(exc), 200)
    return f"{what} ({type(exc).__name__}{': ' + detail if detail else ''})."
