"""Bytes into text: declared charsets to codecs, the fallbacks tried in turn, decoding a
megabyte at a time, and the quoted-printable and RFC 2047 encoded-word transfer encodings."""

from __future__ import annotations

import binascii
import codecs
from collections.abc import Iterator

from followthrough.intake.mail.parsing.limits import _CHUNK
from followthrough.intake.mail.parsing.text import _TEXT_CONTROLS, _one_line

# Charset names mail clients send that Python knows under another name (or not at all).
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
}
# Text codecs that are no charset a message may use: slow or surprising on hostile bytes.
# UTF-7 spells markup in plain letters ("+ADw-script+AD4-"), the classic way past filters:
# mail that declares it is read with the fallbacks, so it shows as the letters it is.
_REFUSED_CODECS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "utf-7"}
)


def _codec(charset: str | None) -> str | None:
    """The Python codec for a declared charset; None when it is missing, unknown, not a text
    encoding (zlib, base64, rot13) or refused."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name or len(name) > 40:
        return None
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return None
    try:
        b"x".decode(codec)  # LookupError for codecs that are not text encodings
    except UnicodeError:
        pass  # a text encoding that cannot read b"x" (utf-16) is still one
    except (LookupError, ValueError, TypeError):
        return None
    return None if codec in _REFUSED_CODECS else codec


def _attempts(declared: str | None) -> tuple[list[tuple[str, str]], str | None]:
    """The (codec, errors) pairs to try in turn for bytes that claim `declared`, and the codec
    `declared` names (None if unknown). The last pair always succeeds."""
    codec = _codec(declared) if declared else "ascii"
    attempts = [(codec, "strict")] if codec else []
    attempts.append(("utf-8", "strict"))
    if codec and codec != "ascii":
        attempts.append((codec, "replace"))
    attempts += [("cp1252", "strict"), ("latin-1", "strict")]
    return list(dict.fromkeys(attempts)), codec


def _codec_label(codec_name: str) -> str:
    return {"utf-8": "UTF-8", "cp1252": "windows-1252", "latin-1": "ISO-8859-1"}.get(
        codec_name, codec_name
    )


def _charset_defect(
    what: str, declared: str | None, codec: str | None, used: str, errors: str
) -> str:
    label = _codec_label(used) + (" with unreadable bytes replaced" if errors == "replace" else "")
    shown = _one_line(declared or "", 40)
    if not declared:
        return f"{what} has 8-bit bytes but declares no charset; it was read as {label}."
    if codec is None:
        return f'{what} declares the charset "{shown}", which is unknown; it was read as {label}.'
    return f'{what} is not valid "{shown}" text; it was read as {label}.'


def _decode_stream(
    chunks: Iterator[bytes], codec_name: str, errors: str, window: int
) -> tuple[str, int]:
    """Decode `chunks` a megabyte at a time, keeping the first `window` characters and
    counting the rest."""
    decoder = codecs.getincrementaldecoder(codec_name)(errors)
    kept: list[str] = []
    have = total = 0
    carry = ""

    def take(text: str) -> None:
        nonlocal have, total
        text = _TEXT_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        total += len(text)
        if have < window:
            kept.append(text[: window - have])
            have += len(kept[-1])

    for chunk in chunks:
        for start in range(0, len(chunk), _CHUNK):
            text = carry + decoder.decode(chunk[start : start + _CHUNK])
            carry = "\r" if text.endswith("\r") else ""  # "\r\n" may straddle two pieces
            take(text[: len(text) - len(carry)])
    take(carry + decoder.decode(b"", True))
    return "".join(kept), total


def _quoted_printable_chunks(raw: str) -> Iterator[bytes]:
    start = 0
    while start < len(raw):
        end = raw.find("\n", start + _CHUNK)
        end = len(raw) if end < 0 else end + 1
        yield binascii.a2b_qp(raw[start:end].encode("utf-8", "surrogateescape"))
        start = end


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        data = text.encode("ascii")
        if encoding in "qQ":
            return binascii.a2b_qp(data, header=True)
        data = data.rstrip(b"=")
        if len(data) % 4 == 1:
            data = data[:-1]
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except (UnicodeEncodeError, binascii.Error):
        return None
