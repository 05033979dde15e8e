"""Address headers read as mailboxes: the mailbox grammar as a linear tokenizer, and the
addr-spec check."""

from __future__ import annotations

import re
from collections.abc import Iterator

# The mailbox grammar, as tokens: quoted strings, angle-addrs, comment brackets, separators,
# quoted pairs and plain runs. Every alternative consumes at least one character and none
# overlaps another, so matching is linear whatever the header holds.
_ADDRESS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|<[^<>]*>?|[(),;:>]|\\.?|[^"()<>,;:\\]+', re.S)
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)
_SPECIALS = r"\s@<>()\[\],;:\"\\"
_ADDR_SPEC = re.compile(rf"[^{_SPECIALS}]{{1,64}}@[^{_SPECIALS}.]+(?:\.[^{_SPECIALS}.]+)*")


def _mailboxes(value: str) -> Iterator[tuple[str, str, bool]]:
    """(raw display name, raw address, clear) for each entry of an address header.

    An entry's address is its <angle-addr> when it has one; whatever else the entry holds
    (`"boss@corp.com" <evil@x.io>`, `alice@corp.com)<bob@evil.io>`) is only display text.
    An entry with two angle-addrs is not clear. Group names and comments are skipped.
    """
    words: list[str] = []
    angles: list[str] = []
    depth = 0
    for match in _ADDRESS_TOKEN.finditer(value):
        lexeme = match.group()
        if depth:
            depth += {"(": 1, ")": -1}.get(lexeme, 0)
            continue
        if lexeme == "(":
            depth = 1
        elif lexeme in (")", ">"):
            continue
        elif lexeme == ":":
            words.clear()  # a group's name
            angles.clear()
        elif lexeme in (",", ";"):
            entry = _entry(words, angles)
            if entry:
                yield entry
            words, angles = [], []
        elif lexeme.startswith("<"):
            angles.append(lexeme[1:-1] if lexeme.endswith(">") else lexeme[1:])
        elif lexeme.startswith('"'):
            inner = lexeme[1:-1] if len(lexeme) > 1 and lexeme.endswith('"') else lexeme[1:]
            words.append(_QUOTED_PAIR.sub(r"\1", inner))
        else:
            words.append(lexeme)
    entry = _entry(words, angles)
    if entry:
        yield entry


def _entry(words: list[str], angles: list[str]) -> tuple[str, str, bool] | None:
    text = "".join(words).strip()
    if angles:
        return text, angles[0].strip(), len(angles) == 1
    if not text:
        return None
    return "", text, True


def _addr_spec(address: str) -> str:
    """The lower-cased addr-spec, or "" when `address` is not one."""
    address = address.strip()
    if address.startswith("@") and ":" in address:  # an obsolete source route
        address = address.split(":", 1)[1].strip()
    if len(address) > 254 or not _ADDR_SPEC.fullmatch(address):
        return ""
    return address.lower()
