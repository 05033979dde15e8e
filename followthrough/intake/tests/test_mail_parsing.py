"""Parsing hostile and broken email (BAD_INPUTS "Mail" items): every message either parses
into inert values with its oddities named in `defects`, or is refused with a MailParseError."""

from __future__ import annotations

import base64
import gzip
import hashlib
import time
import tracemalloc
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followthrough.intake.mail.parsing import (
    MAX_ADDRESSES,
    MAX_REFERENCES,
    MAX_TEXT,
    MailAddress,
    MailParseError,
    ParsedMail,
    ParseProblem,
    parse_message,
    sniff_mail_type,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
SCRIPT_SUBJECT = "'> <script>alert(1);</script>"


def message(
    body: str = "Hello, the VPN drops every hour.", subject: str = "VPN drops", **headers: str
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = headers.pop("from_", "Carol Customer <carol@example.com>")
    mail["To"] = headers.pop("to", "support@desk.example")
    mail["Subject"] = subject
    mail["Message-ID"] = headers.pop("message_id", "<m1@example.com>")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def raw(headers: str, body: bytes | str = b"Hello.\r\n") -> bytes:
    """A message from header lines ("\\n"-separated) and a body, with CRLF line ends."""
    lines = "\r\n".join(
        ["From: carol@example.com", "Message-ID: <r1@example.com>", *headers.split("\n")]
    )
    data = body.encode() if isinstance(body, str) else body
    return lines.encode("utf-8", "surrogateescape") + b"\r\n\r\n" + data


def parse(source: bytes | EmailMessage, **options: int) -> ParsedMail:
    return parse_message(
        source.as_bytes() if isinstance(source, EmailMessage) else source, **options
    )


def refusal(source: bytes | EmailMessage, **options: int) -> MailParseError:
    with pytest.raises(MailParseError) as caught:
        parse(source, **options)
    return caught.value


def attachment_message(data: bytes, content_type: str, header_name: str) -> bytes:
    """A multipart message with a text part and one base64 attachment whose Content-Disposition
    filename parameter is written exactly as `header_name`."""
    encoded = base64.encodebytes(data).decode().replace("\n", "\r\n")
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        f"--B\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; {header_name}\r\n\r\n{encoded}--B--\r\n"
    )
    return raw(
        'Content-Type: multipart/mixed; boundary="B"', body.encode("utf-8", "surrogateescape")
    )


def html_message(html: str, text: str | None = None) -> EmailMessage:
    mail = message(text or "plain part")
    if text is None:
        mail.set_content(html, subtype="html")
    else:
        mail.add_alternative(html, subtype="html")
    return mail


# --- 1-7: HTML and headers ------------------------------------------------------------------


def test_script_in_the_subject_is_kept_as_inert_text():
    parsed = parse(message(subject=SCRIPT_SUBJECT))
    assert parsed.subject == SCRIPT_SUBJECT
    assert parsed.html == ""


def test_script_in_an_encoded_word_subject_is_decoded_to_text():
    encoded = "=?utf-8?b?" + base64.b64encode(SCRIPT_SUBJECT.encode()).decode() + "?="
    parsed = parse(raw(f"Subject: {encoded}"))
    assert parsed.subject == SCRIPT_SUBJECT


@pytest.mark.parametrize(
    ("vector", "forbidden"),
    [
        ("<script>alert(1)</script>", "alert"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("<svg onload=alert(1)><circle/></svg>", "onload"),
        ('<iframe srcdoc="<script>alert(1)</script>"></iframe>', "srcdoc"),
        ('<a href="javascript:alert(1)">click</a>', "javascript"),
        ('<form action="https://evil.example"><input name="pw"></form>', "<form"),
        ("<style>@import url(https://evil.example/x.css);</style>", "@import"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "refresh"),
        ('<base href="https://evil.example/">', "<base"),
        ('<object data="x.swf"></object><embed src="x.swf">', "swf"),
        ('<p style="background:url(https://t.example/p)">x</p>', "style"),
        ('<link rel="stylesheet" href="https://evil.example/x.css">', "<link"),
    ],
)
def test_hostile_html_is_removed_from_the_sanitised_html(vector, forbidden):
    parsed = parse(html_message(f"<p>Hello</p>{vector}<p>Bye</p>"))
    assert forbidden not in parsed.html.lower()
    assert "Hello" in parsed.html
    assert "Bye" in parsed.html


def test_html_in_a_text_plain_body_stays_text():
    body = '<script>alert(1)</script><a href="javascript:alert(1)">x</a>'
    parsed = parse(message(body))
    assert parsed.text == body
    assert parsed.html == ""


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "javascript:javascript:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "//evil.example/x",
    ],
)
def test_links_with_unsafe_targets_lose_their_href(href):
    parsed = parse(html_message(f'<p><a href="{href}">open</a></p>'))
    assert "href" not in parsed.html
    assert "open" in parsed.html


def test_safe_links_keep_their_href_with_rel_nofollow():
    parsed = parse(html_message('<a href="https://example.com/a">a</a>'))
    assert 'href="https://example.com/a"' in parsed.html
    assert 'rel="noopener noreferrer nofollow"' in parsed.html


def test_markdown_link_with_javascript_stays_plain_text():
    body = "[x](javascript:alert(1)) and [y](JaVaScRiPt:alert(1))"
    parsed = parse(message(body))
    assert parsed.text == body
    assert parsed.html == ""


def test_remote_images_tracking_pixels_and_metadata_addresses_are_dropped():
    html = (
        "<p>Hi</p>"
        '<img src="https://tracker.example/open.gif?u=1" width="1" height="1">'
        '<img src="http://169.254.169.254/latest/meta-data/">'
        '<table background="http://169.254.169.254/x"><tr><td>cell</td></tr></table>'
    )
    parsed = parse(html_message(html))
    assert "<img" not in parsed.html
    assert "tracker" not in parsed.html
    assert "169.254" not in parsed.html
    assert "cell" in parsed.html


def test_cid_reference_to_a_missing_part_disappears():
    parsed = parse(html_message('<p>Logo: <img src="cid:missing@part"></p>'))
    assert "cid:" not in parsed.html
    assert "Logo" in parsed.html


def test_html_only_message_gives_its_text_through_inscriptis():
    parsed = parse(html_message("<h1>Printer</h1><p>It jams.<br>Every day.</p>"))
    assert "Printer" in parsed.text
    assert "It jams." in parsed.text
    assert "<" not in parsed.text


def test_empty_text_part_beside_html_gives_the_html_text():
    parsed = parse(html_message("<p>Only the HTML has words.</p>", text="\n"))
    assert parsed.text == "Only the HTML has words."


def test_ten_thousand_links_parse_fast():
    links = "".join(f'<p><a href="https://example.com/{n}">link {n}</a></p>' for n in range(10_000))
    source = html_message(f"<html><body>{links}</body></html>").as_bytes()
    started = time.perf_counter()
    parsed = parse(source)
    assert time.perf_counter() - started < 1.5
    assert parsed.html.count("<a ") == 10_000
    assert parsed.text.startswith("link 0")


def test_pathological_hundred_kilobyte_url_parses_fast():
    url = "https://example.com/" + "a(" * 25_000 + "b.-" * 10_000
    source = html_message(f'<a href="{url}">x</a>', text=f"See {url} and {url}.").as_bytes()
    started = time.perf_counter()
    parsed = parse(source)
    assert time.perf_counter() - started < 1
    assert parsed.text.startswith("See https://example.com/a(a(")


# --- 8-12: attachments and MIME -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header_name", "expected"),
    [
        ('filename="../../etc/passwd"', "passwd"),
        ('filename="..\\\\..\\\\win.ini"', "win.ini"),
        ('filename="/etc/shadow"', "shadow"),
        ('filename="C:\\\\Windows\\\\system.ini"', "system.ini"),
        ('filename=""', "attachment"),
        ("", "attachment"),
        ('filename="CON.txt"', "CON.txt"),
        ('filename="a.pdf\x00.html"', "a.pdf.html"),
        ('filename="report.html"', "report.html"),
        ('filename="x.svg"', "x.svg"),
        ('filename=".htaccess"', "htaccess"),
        ('filename="\u200bevil.exe"', "evil.exe"),
        ('filename="x.svg.png"', "x.svg.png"),
        ('filename="invoice\u202efdp.exe"', "invoicefdp.exe"),
        ("filename*0*=utf-8''%E2%82%AC%20rates; filename*1*=.pdf", "€ rates.pdf"),
        ("filename*=utf-8''bad%ZZname%.pdf", "bad%ZZname%.pdf"),
        ('filename="=?utf-8?B?w6lkaXRpb24ucGRm?="', "édition.pdf"),
    ],
)
def test_attachment_file_names_are_cleaned(header_name, expected):
    source = attachment_message(b"%PDF-1.4 data", "application/pdf", header_name)
    parsed = parse(source)
    (attachment,) = parsed.attachments
    assert attachment.name == expected
    assert attachment.data == b"%PDF-1.4 data"


def test_rfc_2047_encoded_name_parameter_is_decoded():
    source = attachment_message(
        b"%PDF-1.4", 'application/pdf; name="=?utf-8?B?w6lk6Z2i?=.pdf"', "x=1"
    )
    (attachment,) = parse(source).attachments
    assert attachment.name == "éd面.pdf"


def test_thousand_character_file_name_is_shortened_keeping_its_extension():
    source = attachment_message(b"%PDF-1.4", "application/pdf", f'filename="{"a" * 1000}.pdf"')
    (attachment,) = parse(source).attachments
    assert len(attachment.name) <= 200
    assert attachment.name.endswith(".pdf")


def test_html_sent_as_png_is_judged_html_and_download_only():
    source = attachment_message(
        b"<html><script>alert(1)</script></html>", "image/png", 'filename="cat.png"'
    )
    (attachment,) = parse(source).attachments
    assert attachment.declared_type == "image/png"
    assert attachment.content_type == "text/html"
    assert attachment.download_only


def test_svg_with_onload_is_download_only():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    source = attachment_message(svg, "image/svg+xml", 'filename="x.svg.png"')
    (attachment,) = parse(source).attachments
    assert attachment.content_type == "image/svg+xml"
    assert attachment.download_only


def test_real_png_is_shown_inline_with_its_hash_and_size():
    mail = message()
    mail.add_attachment(PNG, maintype="image", subtype="png", filename="screen.png", cid="<s1@x>")
    (attachment,) = parse(mail).attachments
    assert attachment.content_type == "image/png"
    assert not attachment.download_only
    assert attachment.size == len(PNG)
    assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()
    assert attachment.content_id == "s1@x"
    assert not attachment.inline  # Content-Disposition: attachment


def test_inline_image_with_content_id_is_inline():
    mail = html_message('<p>Logo <img src="cid:logo@x"></p>')
    mail.add_related(PNG, maintype="image", subtype="png", cid="<logo@x>")
    parsed = parse(mail)
    (attachment,) = parsed.attachments
    assert attachment.inline
    assert attachment.content_id == "logo@x"
    assert attachment.name == "attachment"
    assert "<img" not in parsed.html


def test_cr_lf_inside_header_values_never_splits_a_header():
    encoded = "=?utf-8?q?Hello=0D=0ABcc=3A_victim=40example.com?="
    parsed = parse(raw(f"Subject: {encoded}\nX-Followthrough-Note: =?utf-8?q?a=0Db=0Ac?="))
    assert parsed.subject == "Hello Bcc: victim@example.com"
    assert parsed.headers["x-followthrough-note"] == "a b c"


def test_bare_carriage_return_in_a_header_does_not_add_a_recipient_header():
    parsed = parse(raw("Subject: hi\rBcc: victim@example.com"))
    assert parsed.subject == "hi"
    assert "bcc" not in parsed.headers
    assert parsed.to == ()


def test_winmail_dat_is_kept_as_a_download_only_attachment():
    tnef = b"\x78\x9f\x3e\x22\x01\x00" + bytes(range(256))
    source = attachment_message(tnef, "application/ms-tnef", 'filename="winmail.dat"')
    (attachment,) = parse(source).attachments
    assert attachment.name == "winmail.dat"
    assert attachment.content_type == "application/ms-tnef"
    assert attachment.download_only


def test_attached_outlook_msg_is_kept_as_a_download_only_attachment():
    msg = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    source = attachment_message(msg, "application/vnd.ms-outlook", 'filename="fwd.msg"')
    (attachment,) = parse(source).attachments
    assert attachment.name == "fwd.msg"
    assert attachment.content_type == "application/octet-stream"
    assert attachment.download_only


def forwarded(levels: int) -> EmailMessage:
    inner = message("the innermost words", subject="level 0")
    for level in range(1, levels + 1):
        outer = message(f"text of level {level}", subject=f"level {level}")
        outer.add_attachment(inner)
        inner = outer
    return inner


def test_message_rfc822_nested_20_deep_parses_with_inner_messages_as_attachments():
    parsed = parse(forwarded(20))
    assert parsed.text == "text of level 20"
    (attachment,) = parsed.attachments
    assert attachment.declared_type == "message/rfc822"
    assert attachment.name == "level 19.eml"
    assert attachment.download_only
    assert b"the innermost words" in attachment.data
    assert b"Subject: level 0" in attachment.data


def test_attached_message_without_subject_is_named_message_eml():
    inner = EmailMessage()
    inner["From"] = "x@example.com"
    inner.set_content("old")
    mail = message()
    mail.add_attachment(inner)
    (attachment,) = parse(mail).attachments
    assert attachment.name == "message.eml"


def test_message_rfc822_nested_too_deep_is_refused():
    assert refusal(forwarded(40)).code == ParseProblem.TOO_DEEP


def multipart_nested(levels: int) -> bytes:
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n' for n in range(levels)
    )
    closing = "".join(f"--b{n}--\r\n" for n in reversed(range(levels)))
    return (
        "From: carol@example.com\r\n"
        + opening
        + "Content-Type: text/plain\r\n\r\ndeep\r\n"
        + closing
    ).encode()


def test_multipart_nested_1000_deep_is_refused_as_too_deep():
    error = refusal(multipart_nested(1000))
    assert error.code == ParseProblem.TOO_DEEP
    assert "30" in error.reason


def test_multipart_nested_40_deep_is_refused_as_too_deep():
    assert refusal(multipart_nested(40)).code == ParseProblem.TOO_DEEP


def test_multipart_nested_within_the_limit_parses():
    assert parse(multipart_nested(25)).text == "deep"


def test_more_than_500_parts_is_refused():
    mail = message()
    for number in range(501):
        mail.add_attachment(
            b"x", maintype="application", subtype="octet-stream", filename=f"{number}"
        )
    error = refusal(mail)
    assert error.code == ParseProblem.TOO_MANY_PARTS
    assert "500" in error.reason


def test_missing_closing_boundary_is_repaired_and_noted():
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nStill here.\r\n"
        "--B\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF-1.4\r\n"
    )
    parsed = parse(raw('Content-Type: multipart/mixed; boundary="B"', body))
    assert parsed.text == "Still here."
    assert [a.name for a in parsed.attachments] == ["a.pdf"]
    assert any("closing boundary" in defect for defect in parsed.defects)


def test_broken_rfc_2231_parameters_keep_the_type_and_are_noted():
    parsed = parse(raw("Content-Type: text/plain; charset*0*=utf-8''%E2; charset*", "caf\xe9"))
    assert parsed.text == "café"
    assert any("could not be read" in defect for defect in parsed.defects)


def test_second_text_part_is_kept_as_an_attachment_not_dropped():
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nFirst words.\r\n"
        "--B\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nSecond words.\r\n--B--\r\n"
    )
    parsed = parse(raw('Content-Type: multipart/mixed; boundary="B"', body))
    assert parsed.text == "First words."
    assert [a.data for a in parsed.attachments][-1] == b"Second words."
    assert any("extra text/plain" in defect for defect in parsed.defects)


def test_x_uuencode_transfer_encoding_is_decoded():
    body = "begin 644 notes.txt\r\n#86)C\r\n`\r\nend\r\n"
    parsed = parse(
        raw(
            "Content-Type: application/octet-stream; name=notes.txt\n"
            "Content-Transfer-Encoding: x-uuencode",
            body,
        )
    )
    (attachment,) = parsed.attachments
    assert attachment.data == b"abc"


def test_quoted_printable_body_is_decoded():
    body = "Caf=C3=A9 is =\r\nopen.\r\n"
    parsed = parse(
        raw(
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
            body,
        )
    )
    assert parsed.text == "Café is open."


def test_broken_base64_padding_is_decoded_anyway():
    parsed = parse(
        raw(
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
            "aGVsbG8gd29ybGQ",
        )
    )
    assert parsed.text == "hello world"


def test_unknown_transfer_encoding_keeps_the_bytes_and_says_so():
    parsed = parse(raw("Content-Transfer-Encoding: x-gzip64", "plain words"))
    assert parsed.text == "plain words"
    assert any("x-gzip64" in defect for defect in parsed.defects)


# --- 13: charsets ---------------------------------------------------------------------------


def text_part(charset_param: str, body: bytes, encoding: str = "8bit") -> bytes:
    return raw(
        f"Content-Type: text/plain{charset_param}\nContent-Transfer-Encoding: {encoding}", body
    )


def test_unknown_charset_is_read_as_utf8_and_noted():
    parsed = parse(text_part("; charset=x-unknown", "Grüße".encode()))
    assert parsed.text == "Grüße"
    assert any('"x-unknown"' in defect for defect in parsed.defects)


def test_unknown_charset_with_latin1_bytes_falls_back_to_windows_1252():
    parsed = parse(text_part("; charset=x-unknown", "Grüße \N{EN DASH} ok".encode("cp1252")))
    assert parsed.text == "Grüße \N{EN DASH} ok"


def test_iso_2022_jp_body_and_subject_decode():
    words = "日本語のテキスト"
    subject = "=?iso-2022-jp?b?" + base64.b64encode(words.encode("iso-2022-jp")).decode() + "?="
    parsed = parse(
        raw(
            f"Subject: {subject}\nContent-Type: text/plain; charset=ISO-2022-JP\n"
            "Content-Transfer-Encoding: 7bit",
            words.encode("iso-2022-jp"),
        )
    )
    assert parsed.text == words
    assert parsed.subject == words
    assert parsed.defects == ()


def test_windows_1258_body_decodes():
    data = "Vi\u00ea\u0323t".encode("cp1258")  # windows-1258 writes tone marks as combining
    assert data == b"Vi\xea\xf2t"
    parsed = parse(text_part("; charset=windows-1258", data))
    assert parsed.text == "Việt"
    assert parsed.defects == ()


def test_invalid_bytes_for_the_declared_charset_are_replaced_and_noted():
    parsed = parse(text_part("; charset=utf-8", b"ok \xff\xfe broken"))
    assert parsed.text.startswith("ok ")
    assert parsed.text.endswith(" broken")
    assert any("not valid" in defect for defect in parsed.defects)


def test_eight_bit_body_without_charset_is_read_and_noted():
    parsed = parse(text_part("", "naïve café".encode()))
    assert parsed.text == "naïve café"
    assert any("declares no charset" in defect for defect in parsed.defects)


def test_eight_bit_body_without_charset_in_latin1_is_read_as_windows_1252():
    parsed = parse(text_part("", "naïve café".encode("latin-1")))
    assert parsed.text == "naïve café"


def test_raw_eight_bit_headers_are_decoded_and_noted():
    source = raw("Subject: Caf\udcc3\udca9 now\nTo: J\udcf6rg <jorg@example.com>")
    parsed = parse(source)
    assert parsed.subject == "Café now"
    assert parsed.to == (MailAddress("jorg@example.com", "Jörg"),)
    assert any("raw 8-bit" in defect for defect in parsed.defects)


def test_unknown_charset_in_an_encoded_word_never_raises():
    parsed = parse(raw("Subject: =?x-unknown?q?caf=C3=A9?= =?zlib?b?eJw=?="))
    assert parsed.subject.startswith("café")


@pytest.mark.parametrize("charset", ["zlib", "base64", "rot13", "punycode", "undefined", "\x00"])
def test_charsets_that_are_no_text_encoding_are_treated_as_unknown(charset):
    parsed = parse(text_part(f'; charset="{charset}"', b"plain words"))
    assert parsed.text == "plain words"


# --- 14-15: sizes ---------------------------------------------------------------------------


def test_empty_body_parses_to_empty_text():
    parsed = parse(raw("Subject: nothing", b""))
    assert parsed.text == ""
    assert parsed.quoted == ""
    assert parsed.attachments == ()


def test_attachment_only_message_has_no_text_and_one_attachment():
    mail = EmailMessage()
    mail["From"] = "carol@example.com"
    mail.add_attachment(b"%PDF-1.7 x", maintype="application", subtype="pdf", filename="a.pdf")
    parsed = parse(mail)
    assert parsed.text == ""
    assert [a.content_type for a in parsed.attachments] == ["application/pdf"]


def test_attachment_over_the_limit_is_refused_with_its_name_and_size():
    source = attachment_message(b"x" * 5000, "application/octet-stream", 'filename="big.bin"')
    error = refusal(source, max_attachment_bytes=4096)
    assert error.code == ParseProblem.ATTACHMENT_TOO_LARGE
    assert "big.bin" in error.reason
    assert "5,000" in error.reason


def test_compressed_attachment_is_never_decompressed():
    bomb = gzip.compress(b"\x00" * 10_000_000)
    source = attachment_message(bomb, "application/gzip", 'filename="bomb.gz"')
    (attachment,) = parse(source, max_attachment_bytes=1_000_000).attachments
    assert attachment.content_type == "application/gzip"
    assert attachment.size == len(bomb)


def test_huge_pixel_image_is_kept_without_being_decoded():
    ihdr = b"\x00\x00\x00\rIHDR" + (30_000).to_bytes(4, "big") * 2 + b"\x08\x06\x00\x00\x00"
    image = b"\x89PNG\r\n\x1a\n" + ihdr + bytes(64)
    source = attachment_message(image, "image/png", 'filename="huge.png"')
    (attachment,) = parse(source).attachments
    assert attachment.data == image
    assert attachment.content_type == "image/png"


def test_long_text_is_cut_and_the_defect_says_how_much_was_left_out():
    parsed = parse(raw("Subject: long", "x" * (MAX_TEXT + 1234)))
    assert len(parsed.text) == MAX_TEXT
    assert any("1,234 left out" in defect for defect in parsed.defects)


def test_large_message_from_a_file_stays_under_three_times_its_size(tmp_path):
    # 16 MB keeps the suite quick; the ratio does not depend on the size (a 50 MB message
    # peaks at about 2.7 times its size, almost all of it inside the standard parser).
    path = tmp_path / "big.eml"
    with path.open("wb") as out:
        out.write(b"From: carol@example.com\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n")
        out.write(b"--B\r\nContent-Type: text/plain\r\n\r\nLogs attached.\r\n--B\r\n")
        out.write(
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        )
        out.write(b"Content-Disposition: attachment; filename=logs.bin\r\n\r\n")
        line = base64.b64encode(bytes(range(57))) + b"\r\n"
        out.write(line * (16 * 1024 * 1024 // len(line)))
        out.write(b"--B--\r\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with path.open("rb") as source:
            parsed = parse_message(source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.text == "Logs attached."
    assert parsed.attachments[0].size == 57 * (16 * 1024 * 1024 // len(line))
    assert peak < 3 * size


def test_ten_thousand_recipients_parse_fast_and_are_all_counted():
    everyone = ", ".join(f"User {n} <user{n}@example.com>" for n in range(10_000))
    source = raw(f"To: {everyone}\nCc: {everyone}")
    started = time.perf_counter()
    parsed = parse(source)
    assert time.perf_counter() - started < 1
    assert parsed.recipient_count == 20_000
    assert len(parsed.to) == len(parsed.cc) == MAX_ADDRESSES
    assert parsed.to[0] == MailAddress("user0@example.com", "User 0")


# --- 16: From tricks ------------------------------------------------------------------------


def sent_by(from_header: str) -> bytes:
    return f"From: {from_header}\r\nSubject: hi\r\n\r\nHello.\r\n".encode()


@pytest.mark.parametrize(
    ("from_header", "address", "name"),
    [
        ('"boss@corp.com" <evil@x.io>', "evil@x.io", "boss@corp.com"),
        ("alice@corp.com)<bob@evil.io>", "bob@evil.io", "alice@corp.com"),
        ("alice@corp.com <bob@evil.io>", "bob@evil.io", "alice@corp.com"),
        ('"<boss@corp.com>" <evil@x.io>', "evil@x.io", "<boss@corp.com>"),
        ("alice@corp.com(<bob@evil.io>)", "alice@corp.com", ""),
        ("Alice <ALICE@Corp.com> (bob@evil.io)", "alice@corp.com", "Alice"),
        ("=?utf-8?q?boss=40corp.com?= <evil@x.io>", "evil@x.io", "boss@corp.com"),
        ("undisclosed:;, Team: <a@x.io>;", "a@x.io", ""),
    ],
)
def test_from_display_name_tricks_give_the_real_mailbox(from_header, address, name):
    assert parse(sent_by(from_header)).sender == MailAddress(address, name)


def test_display_name_with_encoded_cr_lf_bcc_is_only_text():
    from_header = "=?utf-8?q?Bob=0D=0ABcc=3A_victim=40x=2Ecom?= <bob@example.com>"
    parsed = parse(sent_by(from_header))
    assert parsed.sender == MailAddress("bob@example.com", "Bob Bcc: victim@x.com")


def test_raw_cr_lf_bcc_in_a_quoted_display_name_gives_no_sender_and_no_bcc():
    source = b'From: "Bob\r\nBcc: victim@x.com" <bob@example.com>\r\nSubject: hi\r\n\r\nbody\r\n'
    parsed = parse(source)
    assert parsed.sender is None
    assert "bcc" not in parsed.headers
    assert any("From header" in defect for defect in parsed.defects)


def test_entry_with_two_angle_addresses_is_ignored():
    assert parse(sent_by("<boss@corp.com> <evil@x.io>")).sender is None


def test_invalid_addresses_are_dropped_but_counted():
    parsed = parse(raw("To: not an address, <>, good@example.com, @x, a@"))
    assert parsed.to == (MailAddress("good@example.com", ""),)
    assert parsed.recipient_count == 5


def test_reply_to_is_parsed():
    parsed = parse(raw("Reply-To: Help <help@example.com>, other@example.com"))
    assert [a.address for a in parsed.reply_to] == ["help@example.com", "other@example.com"]


# --- 18: Message-ID and threading headers ---------------------------------------------------


def test_missing_message_id_is_empty_and_noted():
    source = b"From: carol@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    parsed = parse(source)
    assert parsed.message_id == ""
    assert any("no Message-ID" in defect for defect in parsed.defects)


def test_ten_kilobyte_message_id_is_unusable():
    source = raw("Subject: hi").replace(b"<r1@example.com>", b"<" + b"a" * 10_000 + b"@x>")
    parsed = parse(source)
    assert parsed.message_id == ""
    assert any(defect.startswith("Message-ID unusable") for defect in parsed.defects)


def test_message_id_with_spaces_is_unusable():
    source = raw("Subject: hi").replace(b"<r1@example.com>", b"<a b@x>")
    assert parse(source).message_id == ""


def test_message_id_is_stripped_of_angle_brackets_and_whitespace():
    source = raw("Subject: hi").replace(b"<r1@example.com>", b"  <abc.123@mail.example>  ")
    assert parse(source).message_id == "abc.123@mail.example"


def test_in_reply_to_and_references_keep_ids_and_drop_overlong_ones():
    many = " ".join(f"<ref{n}@x>" for n in range(80))
    parsed = parse(raw(f"In-Reply-To: <a@x> junk <{'b' * 300}@x>\nReferences: {many}"))
    assert parsed.in_reply_to == ("a@x",)
    assert len(parsed.references) == MAX_REFERENCES
    assert parsed.references[-1] == "ref79@x"
    assert parsed.references[0] == "ref30@x"


def test_date_is_aware_and_a_bad_date_is_none():
    good = parse(raw("Date: Mon, 1 Jan 2024 10:00:00 -0000"))
    assert good.date is not None
    assert good.date.utcoffset() is not None
    bad = parse(raw("Date: yesterday at noon"))
    assert bad.date is None
    assert any("Date" in defect for defect in bad.defects)


# --- 21-22: control headers and delivery reports --------------------------------------------


def test_followthrough_and_loop_headers_are_reported_and_others_are_not():
    parsed = parse(
        raw(
            "X-Followthrough-Case: 42\nX-FOLLOWTHROUGH-Signature: forged\n"
            "Auto-Submitted: auto-replied\nPrecedence: bulk\nList-Id: <list.example>\n"
            "Return-Path: <>\nX-Other: ignored\nReceived: from somewhere"
        )
    )
    assert parsed.headers == {
        "x-followthrough-case": "42",
        "x-followthrough-signature": "forged",
        "auto-submitted": "auto-replied",
        "precedence": "bulk",
        "list-id": "<list.example>",
        "return-path": "<>",
    }


def test_multipart_report_is_a_delivery_report():
    body = (
        "--R\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; gone@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--R\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: original\r\n\r\n--R--\r\n"
    )
    source = raw(
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"', body
    ).replace(b"carol@example.com", b"MAILER-DAEMON@mx.example")
    parsed = parse(source)
    assert parsed.is_delivery_report
    assert parsed.text == "Delivery failed."
    assert b"Status: 5.1.1" in b"".join(a.data for a in parsed.attachments)


def test_ordinary_message_is_not_a_delivery_report():
    assert not parse(message()).is_delivery_report


# --- Quoted history -------------------------------------------------------------------------


def test_gmail_reply_is_split_from_its_quoted_history():
    body = (
        "Thanks, that fixed it.\n\n"
        "On Mon, Jan 1, 2024 at 10:00 AM Support <support@desk.example> wrote:\n"
        "> Please restart the router.\n> Regards\n"
    )
    parsed = parse(message(body))
    assert parsed.text == "Thanks, that fixed it."
    assert parsed.quoted.startswith("On Mon, Jan 1, 2024")
    assert "> Please restart the router." in parsed.quoted


def test_outlook_reply_is_split_at_original_message():
    body = (
        "Still broken.\r\n\r\n-----Original Message-----\r\nFrom: Support\r\n"
        "Sent: Monday, January 1, 2024 10:00 AM\r\nTo: Carol\r\nSubject: RE: VPN\r\n\r\n"
        "Please restart the router.\r\n"
    )
    parsed = parse(message(body))
    assert parsed.text == "Still broken."
    assert parsed.quoted.startswith("-----Original Message-----")
    assert "Please restart the router." in parsed.quoted


def test_forward_at_the_top_keeps_everything_as_text():
    body = (
        "---------- Forwarded message ---------\nFrom: Dan <dan@example.com>\n\nThe printer jams.\n"
    )
    parsed = parse(message(body))
    assert "The printer jams." in parsed.text
    assert parsed.quoted == ""


def test_message_without_quotes_has_no_quoted_history():
    parsed = parse(message("Just a question."))
    assert (parsed.text, parsed.quoted) == ("Just a question.", "")


def test_hostile_lines_do_not_slow_the_quote_search():
    lines = ["2024/1/1 " + " <@" * 300, "Am " + " schrieb " * 100, "Op " + " heeft " * 100]
    source = message("\n".join(lines * 200)).as_bytes()
    started = time.perf_counter()
    parse(source)
    assert time.perf_counter() - started < 1


# --- Refusals and robustness ----------------------------------------------------------------


def test_bytes_without_headers_are_not_a_message():
    error = refusal(b"\x00\x01\x02 just noise")
    assert error.code == ParseProblem.UNPARSEABLE


def test_deeply_nested_comment_in_content_type_is_refused_not_raised():
    error = refusal(raw("Content-Type: text/plain; x=" + "(" * 5000))
    assert error.code == ParseProblem.UNPARSEABLE


def test_many_long_hostile_content_types_are_refused_quickly():
    parts = "".join(
        f"--B\r\nContent-Type: application/x-{n}; a={chr(34) * 3000}\r\n\r\nx\r\n"
        for n in range(400)
    )
    source = raw('Content-Type: multipart/mixed; boundary="B"', parts + "--B--\r\n")
    started = time.perf_counter()
    error = refusal(source)
    assert time.perf_counter() - started < 5
    assert error.code == ParseProblem.UNPARSEABLE


def test_binary_file_source_is_read():
    import io

    parsed = parse_message(io.BytesIO(message("from a file").as_bytes()))
    assert parsed.text == "from a file"


# Beginnings that lead hypothesis past "no headers" into the interesting code.
SEEDS = [
    b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
    b"From: =?utf-8?q?a?= <a@b.c>\r\nSubject: =?x?b?",
    b"From: a@b.c\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: text/html\r\n\r\n",
    b"From: a@b.c\r\nContent-Type: text/plain; charset=utf-16\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n",
]
ANY_BYTES = st.binary(max_size=2000) | st.builds(
    bytes.__add__, st.sampled_from(SEEDS), st.binary(max_size=500)
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_BYTES)
def test_any_bytes_parse_or_are_refused(data):
    try:
        parsed = parse_message(data)
    except MailParseError as error:
        assert error.code in ParseProblem
    else:
        assert isinstance(parsed, ParsedMail)
        for value in (parsed.text, parsed.quoted, parsed.html, parsed.subject):
            value.encode("utf-8")  # no lone surrogates reach a database


# --- sniff_mail_type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF87a\x01\x00", "image/gif"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04rest", "application/zip"),
        (b"\x1f\x8b\x08\x00", "application/gzip"),
        (b"\x78\x9f\x3e\x22\x00", "application/ms-tnef"),
        (b"  <!DOCTYPE html><html></html>", "text/html"),
        (b"<p>hello</p>", "text/html"),
        (b"<?xml version='1.0'?><svg onload='x'/>", "image/svg+xml"),
        (b"<?xml version='1.0'?><note/>", "application/xml"),
        (b"<?xml version='1.0'?><html><script>x</script></html>", "text/html"),
        ("<html>".encode("utf-16"), "text/html"),  # with its byte-order mark
        (b"plain words\r\n", "text/plain"),
        ("caf\xe9 au lait".encode("latin-1"), "text/plain"),
        (b"\x00\x01\x02\x03binary", "application/octet-stream"),
    ],
)
def test_sniff_mail_type_judges_the_bytes(data, expected):
    assert sniff_mail_type(data) == expected
