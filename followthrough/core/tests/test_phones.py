from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followthrough.core.phones import (
    PhoneNumberError,
    format_phone,
    normalise_phone,
    try_normalise_phone,
)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-0134", "US", "+14155550134"),
        ("415.555.0134", "US", "+14155550134"),
        ("+1 415 555 0134", "DE", "+14155550134"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("030 901820", "DE", "+4930901820"),
        ("00 49 30 901820", "DE", "+4930901820"),
    ],
)
def test_numbers_typed_any_way_normalise_to_e164(raw, region, expected):
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "   ", "call me", "12", "+999 1", "1" * 65])
def test_non_numbers_are_refused_with_a_reason(raw):
    with pytest.raises(PhoneNumberError) as exc:
        normalise_phone(raw, "US")
    assert str(exc.value)


@given(st.text(max_size=200))
def test_any_text_either_normalises_or_is_refused(text):
    result = try_normalise_phone(text, "US")
    assert result is None or (result.startswith("+") and result[1:].isdigit())


def test_format_phone_is_readable():
    assert format_phone("+14155550134") == "+1 415-555-0134"
    assert format_phone("not a number") == "not a number"
