"""Highlighted text from the index, made safe: the databases wrap matches in private-use
marker characters (which indexed text never contains); everything is escaped first and only
then do the markers become <mark> elements. Nothing from the text itself can become markup."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

START = "\ue000"
STOP = "\ue001"
_MARKER = re.compile(f"([{START}{STOP}])")


def strip_markers(text: str) -> str:
    return text.replace(START, "").replace(STOP, "")


def marked_to_html(text: str) -> SafeString:
    """Escape `text` and turn its markers into balanced <mark>…</mark>."""
    out: list[str] = []
    open_mark = False
    for piece in _split(text or ""):
        if piece == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == STOP:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(escape(piece))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _split(text: str) -> list[str]:
    return [piece for piece in _MARKER.split(text) if piece]
