"""What a person typed into a search box, read into terms; and the distinctive words of a text.

Pure: no ORM, no database. Nothing typed here is ever handed to a database as query syntax;
the backends quote every term (see backends.py). Syntax understood:

- words: all must match (stemmed and accent-insensitive by the index);
- "quoted phrases": the words in this order (an unclosed quote runs to the end);
- word*: words starting with it;
- -word or -"a phrase": results must not contain it.

Anything else (parentheses, AND/OR/NOT/NEAR, lone `*`, control characters) is plain text:
punctuation separates words, operator names are words like any other.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# Bounds that keep a hostile query (10 KB of text, thousands of words) cheap: the rest is
# ignored, never refused.
MAX_QUERY_CHARS = 1000
MAX_TERMS = 16
MAX_PHRASE_WORDS = 12
MAX_WORD_CHARS = 64

# Words too common to find anything by (PostgreSQL's English list, which the PostgreSQL index
# drops too; dropping them here as well makes both databases answer alike).
_STOPWORD_LIST = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can did do does doing don down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own s same she should so some such t than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())

# A word is a run of letters and digits; everything else (underscore included) separates.
_WORD = re.compile(r"[^\W_]+")
# A quoted phrase (closed or running to the end), or a run of anything but space and quotes.
_TOKEN = re.compile(r'(-?)"([^"]*)"?(\*?)|(\S+?)(?=\s|"|$)')


@dataclass(frozen=True)
class Term:
    """One thing to look for. `text` is what to hand the index's own tokenizer (control
    characters and quotes removed); `words` are its letters-and-digits parts, lower-cased."""

    text: str
    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False
    quoted: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def __str__(self) -> str:
        body = " ".join(self.words)
        shown = f'"{body}"' if self.quoted or self.is_phrase else body
        return ("-" if self.negated else "") + shown + ("*" if self.prefix else "")


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = ()

    @property
    def positive(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.negated)

    @property
    def negative(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.negated)

    @property
    def searchable(self) -> bool:
        """Only exclusions, or nothing at all, finds nothing."""
        return bool(self.positive)

    @property
    def words(self) -> tuple[str, ...]:
        """Every word looked for (not the excluded ones), for showing what was searched."""
        return tuple(w for t in self.positive for w in t.words)

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)


def clean_text(text: str) -> str:
    """Control, format and private-use characters (NUL among them) become spaces; the rest is
    put in composed form, as the index text is (so "é" typed either way is one letter)."""
    return unicodedata.normalize(
        "NFC",
        "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} else ch for ch in text),
    )


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower()[:MAX_WORD_CHARS] for w in _WORD.findall(text))[:MAX_PHRASE_WORDS]


def parse_query(text: str) -> ParsedQuery:
    """Read `text` into terms; never raises. Unsearchable text gives no positive terms."""
    cleaned = clean_text(text or "")[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    seen: set[tuple[tuple[str, ...], bool, bool]] = set()
    for match in _TOKEN.finditer(cleaned):
        if len(terms) >= MAX_TERMS:
            break
        minus, phrase, star, bare = match.groups()
        if bare is not None:
            negated = bare.startswith("-") and len(bare) > 1
            body = bare[1:] if negated else bare
            prefix = body.endswith("*")
            body = body.rstrip("*")
            quoted = False
        else:
            negated, body, prefix, quoted = bool(minus), phrase, bool(star), True
        words = _words(body)
        if not words:
            continue
        if not quoted and len(words) == 1 and words[0] in STOPWORDS and not prefix:
            continue
        key = (words, prefix, negated)
        if key in seen:
            continue
        seen.add(key)
        # The index tokenizes the term's text itself, exactly as it tokenized the documents
        # (an email address or a serial number stays what it is); a term with more words than
        # a phrase may hold is cut to its first ones.
        parts = _WORD.findall(body)
        text_for_index = body if len(parts) <= MAX_PHRASE_WORDS else " ".join(words)
        terms.append(
            Term(
                text=text_for_index.strip(),
                words=words,
                prefix=prefix,
                negated=negated,
                quoted=quoted,
            )
        )
    return ParsedQuery(tuple(terms))


def keywords(text: str, *, limit: int = 12) -> str:
    """The most distinctive words of a long text, as a query for search(..., match_any=True):
    stopwords, numbers and words under three letters dropped; the most frequent first, longer
    words before shorter ones at equal count, then in order of appearance."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for position, raw in enumerate(_WORD.findall(clean_text(text or ""))):
        word = raw.lower()[:MAX_WORD_CHARS]
        if len(word) < 3 or word in STOPWORDS or word.isdigit():
            continue
        counts[word] += 1
        first.setdefault(word, position)
    ranked = sorted(counts, key=lambda w: (-counts[w], -min(len(w), 12), first[w]))
    return " ".join(ranked[: max(0, limit)])
