"""The pure checks behind attachments: what bytes are, and what a client's file name becomes."""

from __future__ import annotations

import pytest

from followthrough.intake.attachments import (
    FALLBACK_NAME,
    MAX_NAME,
    Refused,
    clean_file_name,
    sniff_content_type,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\me\\crash.log", "crash.log"),
        ("a.pdf\x00.html", "a.pdf.html"),
        ("\u200bevil.svg", "evil.svg"),  # zero-width space in front
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override
        ("line\r\nbreak.txt", "linebreak.txt"),
        (".htaccess", "htaccess"),
        ("CON.txt", "CON.txt"),
        ("  spaced name.log  ", "spaced name.log"),
        ("", FALLBACK_NAME),
        (None, FALLBACK_NAME),
        ("..", FALLBACK_NAME),
        ("dir/", FALLBACK_NAME),
    ],
)
def test_clean_file_name(name, expected):
    assert clean_file_name(name) == expected


def test_clean_file_name_shortens_long_names_and_keeps_the_extension():
    cleaned = clean_file_name("x" * 1000 + ".log")
    assert len(cleaned) == MAX_NAME
    assert cleaned.endswith("x.log")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"\x89PNG\r\n\x1a\nrest", "shot.svg", "image/png"),
        (b"\xff\xd8\xff\xe0rest", "x", "image/jpeg"),
        (b"PK\x03\x04rest", "x", "application/zip"),
        (b"PK\x05\x06" + bytes(18), "x", "application/zip"),
        (b"\x1f\x8brest", "x", "application/gzip"),
        (b'{"a": [1, 2]}', "x.txt", "application/json"),
        (b"  [1, 2]\n", "x", "application/json"),
        (b"{not json", "x.json", "text/plain"),
        (b"plain words\n", "notes", "text/plain"),
        (b"12:00 up\n", "service.LOG", "text/x-log"),
        (b"\x1b[31mred\x1b[0m\ttabbed\r\n", "x.log", "text/x-log"),  # ANSI colours
        ("caf\u00e9 \u2713\n".encode(), "x", "text/plain"),
        (b"", "empty.txt", "text/plain"),
        (b"a < b and c > d", "x", "text/plain"),  # a '<' that does not start the text
    ],
)
def test_sniff_content_type_from_bytes(data, name, expected):
    assert sniff_content_type(data, name) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body>hi</body></html>",
        b"<!DOCTYPE html>",
        b"\n\t <svg onload=alert(1)/>",
        b"\xef\xbb\xbf<script>alert(1)</script>",
        b'<?xml version="1.0"?><svg/>',
        b"<!-- comment -->",
        b"text\x00with nul",
        b"\x01\x02\x03 binary",
        b"\xff\xfeu\x00t\x00f\x00",  # UTF-16
        b"MZ\x90\x00",
        b"%PDF-1.7\n\xe2\xe3\xcf\xd3",
    ],
)
def test_sniff_content_type_refuses_markup_and_unknown_binaries(data):
    with pytest.raises(Refused):
        sniff_content_type(data, "x.png")
