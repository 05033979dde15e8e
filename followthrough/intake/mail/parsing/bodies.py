"""A text part read as the body: transfer encoding undone, charset decoded, HTML cleaned and
laid out as text, quoted history split off."""

from __future__ import annotations

import binascii
import html as html_lib
import re
import unicodedata
from collections.abc import Iterator
from email.message import Message

import inscriptis  # type: ignore[import-untyped]  # ships no type hints
import nh3
import quotequail  # type: ignore[import-untyped]  # ships no type hints

from followthrough.intake.mail.parsing.decoding import (
    _attempts,
    _charset_defect,
    _decode_stream,
    _quoted_printable_chunks,
)
from followthrough.intake.mail.parsing.headers import _HeaderReader, _raw_items
from followthrough.intake.mail.parsing.limits import _CHUNK, MAX_TEXT
from followthrough.intake.mail.parsing.parts import _encoded_payload, _Item
from followthrough.intake.mail.parsing.text import _TEXT_CONTROLS, _failure, _one_line, _unfold

_QUOTE_SCAN_LINES = 400  # quoted history is looked for in this many first lines
_QUOTE_PROBE_WIDTH = 200  # characters of each line quotequail sees (its regexes backtrack)
_B64_JUNK = re.compile(r"[^A-Za-z0-9+/=]+")
_UUENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
_PLAIN_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})

_HTML_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col"),
        *("colgroup", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5"),
        *("h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small"),
        *("span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th"),
        *("thead", "tr", "u", "ul"),
    }
)
# Removed together with everything inside them (other unknown tags keep their text).
_HTML_DROPPED = frozenset(
    {"script", "style", "title", "template", "noscript", "iframe", "object", "embed"}
    | {"svg", "math", "head"}
)
_HTML_ATTRIBUTES = {
    "*": {"title", "alt"},
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_SCHEMES = frozenset({"http", "https", "mailto"})


class _BodyReader(_HeaderReader):
    """Reading a part's bytes as the text or HTML body."""

    def _transfer_encoding(self, part: Message) -> str:
        for name, value in _raw_items(part):
            if name == "content-transfer-encoding":
                return _unfold(value).strip().lower().split(";")[0].strip()[:40]
        return ""

    def _payload_chunks(self, part: Message, what: str) -> Iterator[bytes]:
        """The part's decoded bytes, a piece at a time (one piece for 7bit/8bit bodies, which
        are already bytes in memory)."""
        encoding = self._transfer_encoding(part)
        if encoding in ("base64", "quoted-printable"):
            raw = _encoded_payload(part)
            if raw is not None:
                chunks = _quoted_printable_chunks(raw)
                yield from self._base64_chunks(raw, what) if encoding == "base64" else chunks
                return
        elif encoding not in _PLAIN_ENCODINGS and encoding not in _UUENCODINGS:
            self.defects.append(
                f'{what} has the unknown transfer encoding "{_one_line(encoding, 40)}"; '
                "its bytes were kept as sent."
            )
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            yield data

    def _base64_chunks(self, raw: str, what: str) -> Iterator[bytes]:
        pending = ""
        for start in range(0, len(raw), _CHUNK):
            piece = pending + _B64_JUNK.sub("", raw[start : start + _CHUNK])
            usable = len(piece) - len(piece) % 4
            pending = piece[usable:]
            if usable:
                yield self._base64(piece[:usable], what)
        pending = pending.rstrip("=")
        if len(pending) % 4 == 1:
            self.defects.append(f"{what} ends with a stray base64 character; it was dropped.")
            pending = pending[:-1]
        if pending:
            yield self._base64(pending + "=" * (-len(pending) % 4), what)

    def _base64(self, text: str, what: str) -> bytes:
        try:
            return binascii.a2b_base64(text)
        except binascii.Error:
            self.defects.append(f"{what} has broken base64 padding; it was decoded anyway.")
            text = text.replace("=", "")
            text = text[: len(text) - len(text) % 4 if len(text) % 4 == 1 else len(text)]
            return binascii.a2b_base64(text + "=" * (-len(text) % 4))

    def _body(self, item: _Item, window: int) -> tuple[str, int]:
        """The first `window` characters of a text part, newlines made "\\n" and controls
        removed, and how many characters it has in all."""
        what = "The HTML body" if item.content_type == "text/html" else "The text body"
        declared = self._charset(item.part)
        attempts, codec = _attempts(declared)
        for number, (codec_name, errors) in enumerate(attempts):
            try:
                text, total = _decode_stream(
                    self._payload_chunks(item.part, what), codec_name, errors, window
                )
            except (ValueError, LookupError, TypeError):  # UnicodeDecodeError is a ValueError
                continue
            if number or codec is None:
                self.defects.append(_charset_defect(what, declared, codec, codec_name, errors))
            return unicodedata.normalize("NFC", text), total
        self.defects.append(f"{what} could not be decoded at all; it is left out.")
        return "", 0

    def _charset(self, part: Message) -> str | None:
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = self._param(part, "charset") or None
        return charset[:80] if charset else None

    def _clean_html(self, source: str) -> str:
        if not source:
            return ""
        try:
            return nh3.clean(
                source,
                tags=set(_HTML_TAGS),
                clean_content_tags=set(_HTML_DROPPED),
                attributes={tag: set(names) for tag, names in _HTML_ATTRIBUTES.items()},
                url_schemes=set(_URL_SCHEMES),
                url_relative="deny",
                link_rel="noopener noreferrer nofollow",
                strip_comments=True,
            )
        except Exception as exc:
            self.defects.append(_failure("The HTML body could not be cleaned; it is left out", exc))
            return ""

    def _html_text(self, cleaned: str) -> str:
        if not cleaned:
            return ""
        try:
            text = inscriptis.get_text(cleaned)
        except Exception as exc:
            self.defects.append(
                _failure("The HTML body could not be laid out as text; its words were kept", exc)
            )
            text = html_lib.unescape(nh3.clean(cleaned, tags=set()))
        return _TEXT_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))

    def _split_history(self, window: str, total: int) -> tuple[str, str]:
        """The new text and the quoted history, each cut to MAX_TEXT characters."""
        start = _history_start(window)
        if start is None:
            new_total, text, quoted, quoted_total = total, window[:MAX_TEXT], "", 0
        else:
            new_total, quoted_total = start, total - start
            text = window[: min(start, MAX_TEXT)]
            quoted = window[start : start + MAX_TEXT]
        if new_total > MAX_TEXT:
            self.defects.append(
                f"The text is {new_total:,} characters long; the first {MAX_TEXT:,} were kept "
                f"and {new_total - MAX_TEXT:,} left out (the raw message is kept)."
            )
        if quoted_total > MAX_TEXT:
            self.defects.append(
                f"The quoted history is {quoted_total:,} characters long; the first "
                f"{MAX_TEXT:,} were kept (the raw message is kept)."
            )
        return text.strip("\n").rstrip(), quoted.strip("\n").rstrip()


def _history_start(text: str) -> int | None:
    """Where the quoted history starts in `text` (at its "On … wrote:" or "-----Original
    Message-----" line), or None. quotequail sees only the first lines, each shortened, so
    a hostile line cannot make its regexes backtrack for long."""
    lines = text.split("\n", _QUOTE_SCAN_LINES)[:_QUOTE_SCAN_LINES]
    probe = "\n".join(_probe_line(line) for line in lines)
    try:
        parts = quotequail.quote(probe, limit=len(lines) + 1, quote_intro_line=True)
    except Exception:
        return None
    if len(parts) < 2 or not parts[0][0] or not parts[0][1].strip():
        return None  # nothing quoted, or everything: keep it all as the text
    new_lines = parts[0][1].count("\n") + 1
    return sum(len(line) + 1 for line in lines[:new_lines])


def _probe_line(line: str) -> str:
    line = line[:_QUOTE_PROBE_WIDTH]
    if line.count("<") > 2 or line.count("@") > 2:
        line = line.replace("<", " ").replace("@", " ")  # no reply line holds so many
    return line
