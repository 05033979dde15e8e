"""Header values read without trusting them: a header registry that bounds MIME header
parsing, encoded words, message ids, dates, addresses and each part's MIME headers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import Message
from email.utils import parsedate_to_datetime

from followthrough.intake.attachments import clean_file_name
from followthrough.intake.mail.parsing.addresses import _addr_spec, _mailboxes
from followthrough.intake.mail.parsing.decoding import (
    _attempts,
    _charset_defect,
    _codec_label,
    _word_bytes,
)
from followthrough.intake.mail.parsing.limits import (
    _MAX_REFERENCE_ID,
    MAX_DISPLAY_NAME,
    MAX_HEADER_VALUE,
    MAX_SUBJECT,
)
from followthrough.intake.mail.parsing.results import MailAddress, MailParseError, ParseProblem
from followthrough.intake.mail.parsing.text import (
    _SURROGATE_RUN,
    _SURROGATE_SPLIT,
    _failure,
    _one_line,
    _repair_text,
    _unfold,
)

_MAX_ID = 998  # RFC 5322 line length: longer is not a real Message-ID
_RAW_HEADER_LIMIT = 16_000  # raw characters of a header decoded; the rest cannot be shown anyway
# The MIME headers the parser itself reads, how much of each, and how much reading one message
# may cost: the standard header parser takes time quadratic in a header's length.
_STRUCTURE_HEADERS = frozenset({"content-type", "content-disposition", "content-transfer-encoding"})
_MAX_STRUCTURE_HEADER = 2000
_STRUCTURE_BUDGET = 100_000_000  # sum of squared lengths: about a second in the worst case

_REPLY_TOKEN = re.compile(r"<([^<>\s]{1,998})>")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=")

_HEADERS_KEPT = frozenset(
    {
        *("auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply"),
        *("x-autorespond", "x-auto-response-suppress", "return-path"),
    }
)
_OUR_HEADERS = "x-followthrough-"


class _Headers(HeaderRegistry):
    """The standard header classes, except that each distinct MIME structure header of one
    message is parsed once, and only its first _MAX_STRUCTURE_HEADER characters; a message
    whose structure headers would take too long to parse is refused."""

    def __init__(self) -> None:
        super().__init__()
        self._parsed: dict[tuple[str, str], BaseHeader] = {}
        self._cost = 0
        self.repaired: list[str] = []  # sentences for the reader's defects

    def __call__(self, name: str, value: str) -> BaseHeader:
        if name.lower() not in _STRUCTURE_HEADERS:
            return super().__call__(name, value)
        value = value[:_MAX_STRUCTURE_HEADER]
        header = self._parsed.get((name, value))
        if header is None:
            self._cost += len(value) ** 2
            if self._cost > _STRUCTURE_BUDGET:
                raise MailParseError(
                    ParseProblem.UNPARSEABLE,
                    "Its Content-Type and Content-Disposition headers are too long and too "
                    "many to read in reasonable time.",
                )
            # Header objects are immutable, so the parts that share a header share one.
            header = self._parsed[name, value] = self._parse(name, value)
        return header

    def _parse(self, name: str, value: str) -> BaseHeader:
        try:
            return super().__call__(name, value)
        except RecursionError:
            raise
        except Exception:
            # The standard parser has bugs with broken RFC 2231 parameters (IndexError,
            # TypeError): keep the part's type and drop its parameters.
            kept = value.split(";", 1)[0].replace("\x00", "").strip()[:100]
            self.repaired.append(
                f'The {name.title()} header "{_one_line(value, 80)}" could not be read; '
                f'only "{_one_line(kept, 100)}" was used.'
            )
            try:
                return super().__call__(name, kept)
            except Exception:
                return super().__call__(name, "")


def _raw_items(part: Message) -> list[tuple[str, str]]:
    return [(str(name).strip().lower(), str(value)) for name, value in part.raw_items()]


def _header_values(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key == name]


class _HeaderReader:
    """Reading a message's headers and a part's MIME headers; what was odd goes to `defects`."""

    defects: list[str]  # sentences for an agent, kept by the reader

    # Message headers ----------------------------------------------------------------------

    def _headers(self, message: Message) -> list[tuple[str, str]]:
        """(lower-case name, unfolded value with raw 8-bit bytes decoded) for every header."""
        result = []
        for name, value in _raw_items(message):
            value = _unfold(value)
            if _SURROGATE_RUN.search(value):
                value = "".join(
                    self._raw_8bit(piece, name) if index % 2 else piece
                    for index, piece in enumerate(_SURROGATE_SPLIT.split(value))
                )
            result.append((name, value))
        return result

    def _raw_8bit(self, run: str, header: str) -> str:
        data = run.encode("utf-8", "surrogateescape")
        for codec_name in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(codec_name)
            except UnicodeDecodeError:
                continue
            self.defects.append(
                f"The {header.title()} header holds raw 8-bit bytes (not RFC 2047 encoded); "
                f"they were read as {_codec_label(codec_name)}."
            )
            return text
        return data.decode("latin-1")  # pragma: no cover - latin-1 decodes any bytes

    def _decode_words(self, value: str, what: str) -> str:
        """`value` with its RFC 2047 encoded words decoded (adjacent words of one charset are
        joined first, so a character split across two words survives)."""
        if "=?" not in value:
            return value
        out: list[str] = []
        pending = b""
        pending_charset: str | None = None
        position = 0
        for match in _ENCODED_WORD.finditer(value):
            between = value[position : match.start()]
            if pending_charset is None or between.strip():
                out.append(self._decode_header_bytes(pending, pending_charset, what))
                pending, pending_charset = b"", None
                out.append(between)
            charset = match.group(1).split("*", 1)[0].lower()
            data = _word_bytes(match.group(2), match.group(3))
            if data is None:
                out.append(self._decode_header_bytes(pending, pending_charset, what))
                pending, pending_charset = b"", None
                out.append(match.group())
            elif charset == pending_charset:
                pending += data
            else:
                out.append(self._decode_header_bytes(pending, pending_charset, what))
                pending, pending_charset = data, charset
            position = match.end()
        out.append(self._decode_header_bytes(pending, pending_charset, what))
        out.append(value[position:])
        return "".join(out)

    def _decode_header_bytes(self, data: bytes, charset: str | None, what: str) -> str:
        if not data:
            return ""
        attempts, codec = _attempts(charset)
        for number, (codec_name, errors) in enumerate(attempts):
            try:
                text = data.decode(codec_name, errors)
            except (ValueError, LookupError, TypeError):
                continue
            if number or codec is None:
                self.defects.append(_charset_defect(what, charset, codec, codec_name, errors))
            return text
        return data.decode("latin-1")  # pragma: no cover - latin-1 decodes any bytes

    def _decoded(self, values: list[str], what: str, limit: int) -> str:
        if not values:
            return ""
        return _one_line(self._decode_words(values[0][:_RAW_HEADER_LIMIT], what), limit)

    def _subject(self, headers: list[tuple[str, str]]) -> str:
        return self._decoded(_header_values(headers, "subject"), "The Subject", MAX_SUBJECT)

    def _kept_headers(self, headers: list[tuple[str, str]]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for name, value in headers:
            if name in kept or not (name in _HEADERS_KEPT or name.startswith(_OUR_HEADERS)):
                continue
            if len(kept) >= 50:
                self.defects.append("It has more than 50 control headers; the rest were ignored.")
                break
            kept[_one_line(name, 100)] = self._decoded(
                [value], f"The {name.title()} header", MAX_HEADER_VALUE
            )
        return kept

    def _message_id(self, headers: list[tuple[str, str]]) -> str:
        values = _header_values(headers, "message-id")
        if not values:
            self.defects.append("It has no Message-ID.")
            return ""
        value = values[0].strip()
        match = _REPLY_TOKEN.search(value[: _MAX_ID * 4])
        if match:
            value = match.group(1)
        elif value.startswith("<") and value.endswith(">"):
            value = value[1:-1].strip()
        problem = ""
        if len(value) > _MAX_ID:
            problem = f"it is {len(value):,} characters long (at most {_MAX_ID} are allowed)"
        elif not value:
            problem = "it is empty"
        elif any(c.isspace() or unicodedata.category(c) == "Cc" for c in value):
            problem = "it holds spaces or control characters"
        if problem:
            self.defects.append(f"Message-ID unusable: {problem}; it was ignored.")
            return ""
        return value

    def _ids(self, headers: list[tuple[str, str]], name: str) -> tuple[str, ...]:
        ids: list[str] = []
        for value in _header_values(headers, name):
            ids.extend(
                token for token in _REPLY_TOKEN.findall(value) if len(token) <= _MAX_REFERENCE_ID
            )
        return tuple(ids)

    def _date(self, headers: list[tuple[str, str]]) -> datetime | None:
        values = _header_values(headers, "date")
        if not values:
            return None
        try:
            value = parsedate_to_datetime(values[0][:200])
        except (ValueError, TypeError, IndexError, OverflowError):
            value = None
        if value is None:
            self.defects.append(f'The Date "{_one_line(values[0], 80)}" could not be read.')
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def _addresses(
        self, headers: list[tuple[str, str]], name: str, keep: int
    ) -> tuple[list[MailAddress], int]:
        """The first `keep` valid mailboxes of every `name` header, and how many entries the
        headers hold in all."""
        kept: list[MailAddress] = []
        count = 0
        ambiguous = False
        for value in _header_values(headers, name):
            for display, address, clear in _mailboxes(value):
                count += 1
                ambiguous = ambiguous or not clear
                if len(kept) >= keep or not clear:
                    continue
                spec = _addr_spec(address)
                if spec:
                    label = self._decode_words(display[:_RAW_HEADER_LIMIT], f"A {name} name")
                    kept.append(MailAddress(spec, _one_line(label, MAX_DISPLAY_NAME)))
        if ambiguous:
            self.defects.append(
                f"The {name.title()} header has an entry with more than one <address>; "
                "it was ignored."
            )
        return kept, count

    # A part's MIME headers ----------------------------------------------------------------

    def _content_type(self, part: Message) -> str:
        try:
            return part.get_content_type().lower()
        except Exception as exc:
            self.defects.append(_failure("A Content-Type header could not be read", exc))
            return "application/octet-stream"

    def _disposition(self, part: Message) -> str | None:
        try:
            value = part.get_content_disposition()
        except Exception as exc:
            self.defects.append(_failure("A Content-Disposition header could not be read", exc))
            return None
        return value.lower() if value else None

    def _param(self, part: Message, name: str) -> str:
        try:
            value = part.get_param(name)
        except Exception:
            return ""
        if isinstance(value, tuple):
            value = value[2]
        return value if isinstance(value, str) else ""

    def _declared_name(self, part: Message) -> str:
        """The file name the sender gave (RFC 2231 and 2047 decoded), cleaned; "" if none."""
        try:
            name = part.get_filename()
        except Exception as exc:
            self.defects.append(_failure("An attachment's file name could not be read", exc))
            return ""
        if not name:
            return ""
        name = self._decode_words(_repair_text(name[:_RAW_HEADER_LIMIT]), "A file name")
        return clean_file_name(name)
