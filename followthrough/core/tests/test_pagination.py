from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followthrough.core.errors import Invalid
from followthrough.core.pagination import decode_cursor, encode_cursor


@given(
    st.datetimes(timezones=st.just(dt.UTC)) | st.none(),
    st.integers(min_value=1, max_value=2**62),
)
def test_cursor_round_trips(at, pk):
    assert decode_cursor(encode_cursor(at, pk)) == (at, pk)


@given(st.text(max_size=100))
def test_any_forged_cursor_is_refused_or_decodes(text):
    try:
        _at, pk = decode_cursor(text)
    except Invalid as exc:
        assert exc.code == "invalid"
    else:
        assert isinstance(pk, int)


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90aGluZw", "fA"])
def test_garbage_cursors_are_refused(cursor):
    with pytest.raises(Invalid):
        decode_cursor(cursor)
