"""Typed table cells: turning what someone typed into the value a column of that type holds,
and a stored value back into the words a reader sees. No queries (the services check that a
vendor exists). Every refusal names the column, so "which cell was wrong?" never needs asking.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from followthrough.core.errors import Invalid
from followthrough.knowledge.models import ColumnType

MAX_TEXT_CELL = 2000
MAX_URL_CELL = 2000
# Larger numbers lose precision as JSON numbers; no table of ours needs them.
MAX_NUMBER = Decimal(10) ** 15
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# A column's type in a word or two: beside a column's name in forms and in revision diffs.
TYPE_WORDS: dict[str, str] = {
    ColumnType.TEXT: "text",
    ColumnType.URL: "link",
    ColumnType.NUMBER: "number",
    ColumnType.DATE: "date",
    ColumnType.YES_NO: "yes or no",
    ColumnType.VENDOR: "vendor",
}
YES = frozenset({"yes", "y", "true", "1", "on"})
NO = frozenset({"no", "n", "false", "0", "off"})


def _refuse(column: str, field: str, message: str) -> Invalid:
    return Invalid(f"“{column}”: {message}", field=field, column=column)


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_cell(column_type: str, column: str, value: object, *, field: str = "") -> object:
    """The stored value of one cell (never empty: callers drop empty cells before this).

    A vendor cell comes back as an id (int) or a name (str) for the service to look up.
    """
    if isinstance(value, str) and "\x00" in value:
        raise _refuse(column, field, "text may not contain NUL characters.")
    if column_type == ColumnType.TEXT:
        return _text(column, field, value)
    if column_type == ColumnType.URL:
        return _url(column, field, value)
    if column_type == ColumnType.NUMBER:
        return _number(column, field, value)
    if column_type == ColumnType.DATE:
        return _date(column, field, value)
    if column_type == ColumnType.YES_NO:
        return _yes_no(column, field, value)
    if column_type == ColumnType.VENDOR:
        return _vendor(column, field, value)
    raise _refuse(column, field, f"the column has an unknown type {column_type!r}.")


def _text(column: str, field: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _refuse(column, field, "expected text.")
    text = str(value).strip()
    if len(text) > MAX_TEXT_CELL:
        raise _refuse(column, field, f"text is longer than {MAX_TEXT_CELL:,} characters.")
    return text


def _url(column: str, field: str, value: object) -> str:
    if not isinstance(value, str):
        raise _refuse(column, field, "expected a link (http, https or mailto).")
    url = value.strip()
    shown = url if len(url) <= 60 else url[:57] + "…"
    if len(url) > MAX_URL_CELL:
        raise _refuse(column, field, f"a link is at most {MAX_URL_CELL:,} characters.")
    if _SPACE_OR_CONTROL.search(url):
        raise _refuse(column, field, f"a link may not contain spaces ({shown!r}).")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _refuse(column, field, f"{shown!r} is not a link.") from None
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES:
        raise _refuse(
            column, field, f"a link must start with http://, https:// or mailto: (not {shown!r})."
        )
    if scheme in ("http", "https") and not parts.hostname:
        raise _refuse(column, field, f"{shown!r} has no site name after {scheme}://.")
    if scheme == "mailto" and "@" not in parts.path:
        raise _refuse(column, field, f"{shown!r} has no e-mail address after mailto:.")
    return url


def _number(column: str, field: str, value: object) -> int | float:
    if isinstance(value, bool):
        raise _refuse(column, field, "expected a number, not yes/no.")
    if isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise _refuse(column, field, "expected a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse(column, field, "expected a finite number.")
    if isinstance(value, str) and not _NUMBER.match(text):
        raise _refuse(column, field, f"{text[:40]!r} is not a number (write 12 or 12.5).")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _refuse(column, field, f"{text[:40]!r} is not a number.") from None
    if abs(number) >= MAX_NUMBER:
        raise _refuse(column, field, "the number is too large.")
    if number == number.to_integral_value() and "." not in text and "e" not in text.lower():
        return int(number)
    return float(number)


def _date(column: str, field: str, value: object) -> str:
    if isinstance(value, dt.datetime):
        raise _refuse(column, field, "expected a date without a time.")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise _refuse(column, field, "expected a date as YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise _refuse(column, field, f"{value.strip()} is not a date on the calendar.") from None


def _yes_no(column: str, field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
    raise _refuse(column, field, "expected yes or no.")


def _vendor(column: str, field: str, value: object) -> int | str:
    if isinstance(value, bool):
        raise _refuse(column, field, "expected a vendor from the directory.")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return int(text)
        if len(text) <= 200:
            return text
    raise _refuse(column, field, "expected a vendor from the directory.")


def shown_cell(column_type: str, value: object, vendor_names: Mapping[int, str]) -> str:
    """What a reader sees in the cell (and what the search index and the diffs hold)."""
    if value is None or value == "":
        return ""
    if column_type == ColumnType.YES_NO:
        return "Yes" if value else "No"
    if column_type == ColumnType.VENDOR and isinstance(value, int):
        return vendor_names.get(value, f"Vendor {value} (no longer in the directory)")
    if column_type == ColumnType.NUMBER and isinstance(value, float):
        return format(value, "g") if abs(value) >= 1e15 else f"{value:.15g}"
    return str(value)
