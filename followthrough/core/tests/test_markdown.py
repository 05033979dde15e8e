"""Markdown rendering: what people write shows as they meant it, and nothing in it can run a
script, load a remote file or take a reader somewhere other than http, https or mailto
(BAD_INPUTS.md items 2, 3, 4, 5 and 7)."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest

from followthrough.core.markdown import (
    ALLOWED_TAGS,
    link_allowed,
    markdown_to_text,
    render_markdown,
)

HREF = re.compile(r'href="([^"]*)"')


def hrefs(html: str) -> list[str]:
    return HREF.findall(html)


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """Only allowed elements, no event handlers or styles, no href outside the allow-list."""
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in ("href", "title", "rel", "class", "start"), html
            if name == "href":
                head = re.split(r"[/?#]", value or "", maxsplit=1)[0]
                assert ":" not in head or head.startswith(("http:", "https:", "mailto:")), value


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](javascript:javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript&#x3A;alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](<java script:alert(1)>)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "<data:text/html;base64,PHNjcmlwdD4=>",
    ],
)
def test_links_with_other_schemes_stay_text(source):
    html = render_markdown(source)
    assert "<a" not in html
    assert_inert(html)
    # The reader still sees what was written, as text.
    assert "x" in html or "alert" in html or "data" in html


def test_allowed_links_keep_their_address_and_get_rel():
    html = render_markdown(
        "[site](https://example.com/a?b=1) [plain](http://example.com) "
        "[mail](mailto:help@example.com) [here](/kb/vendors/) [anchor](#steps) "
        "<https://example.org/auto>"
    )
    assert hrefs(html) == [
        "https://example.com/a?b=1",
        "http://example.com",
        "mailto:help@example.com",
        "/kb/vendors/",
        "#steps",
        "https://example.org/auto",
    ]
    assert html.count('rel="noopener noreferrer nofollow"') == 6


def test_raw_html_is_shown_as_text():
    source = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "<svg onload=alert(3)></svg> <iframe srcdoc='<script>alert(4)</script>'></iframe>\n\n"
        '<form action="https://evil.example"><input name=p></form>\n\n'
        "<style>@import url(https://evil.example/x.css)</style>\n\n"
        '<meta http-equiv="refresh" content="0;url=https://evil.example">'
    )
    html = render_markdown(source)
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;meta http-equiv" in html


def test_html_inside_code_stays_text():
    html = render_markdown("```\n<script>alert(1)</script>\n```\n\nand `<b>bold</b>`")
    assert "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in html


def test_images_become_links_and_are_never_loaded():
    html = render_markdown(
        "![metadata](http://169.254.169.254/latest/meta-data/) ![](https://tracker.example/p.gif)"
    )
    assert "<img" not in html
    assert hrefs(html) == [
        "http://169.254.169.254/latest/meta-data/",
        "https://tracker.example/p.gif",
    ]
    assert ">Image: metadata</a>" in html
    assert ">Image</a>" in html


def test_image_with_refused_address_leaves_only_its_text():
    html = render_markdown("![pic](javascript:alert(1))")
    assert "<a" not in html
    assert "<img" not in html
    assert_inert(html)


def test_commonmark_tables_and_strikethrough():
    html = render_markdown(
        "# Title\n\n**bold** *em* ~~gone~~\n\n| Product | Tool |\n|:--|--:|\n| Vireo | x |\n\n"
        "1. one\n2. two\n\n> quoted"
    )
    for tag in ("<h1>", "<strong>", "<em>", "<s>", "<table>", "<th", "<td", "<ol>", "<blockquote>"):
        assert tag in html
    # Alignment is a class, never an inline style (the page's policy forbids those).
    assert 'class="md-align-left"' in html
    assert 'class="md-align-right"' in html
    assert "style=" not in html


def test_a_tag_not_on_the_allow_list_never_survives():
    # Even text that looks like markup after entity decoding stays text.
    html = render_markdown(
        "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;"
    )
    assert_inert(html)


def test_ten_thousand_links_render_quickly():
    source = " ".join(f"[link {n}](https://example.com/{n})" for n in range(10_000))
    started = time.monotonic()
    html = render_markdown(source)
    assert time.monotonic() - started < 10
    assert len(hrefs(html)) == 10_000


@pytest.mark.parametrize(
    "source",
    [
        "[" * 50_000 + "a" + "]" * 50_000,
        "[a](" * 20_000,
        "![" * 20_000 + "x" + "](y)" * 20_000,
        "[" * 20_000 + "](" * 20_000,
        "*a **" * 20_000,
        ">" * 20_000 + " deep",
        "[x](" + "(" * 20_000 + "javascript:alert(1)" + ")" * 20_000 + ")",
        "<" + "a" * 100_000 + ":" + "b" * 100_000 + ">",
    ],
)
def test_pathological_inputs_finish_quickly(source):
    started = time.monotonic()
    html = render_markdown(source)
    assert time.monotonic() - started < 10
    assert_inert(html)


def test_link_allowed_rules():
    assert link_allowed("https://example.com")
    assert link_allowed("MAILTO:help@example.com")
    assert link_allowed("/kb/articles/1/")
    assert link_allowed("#row-3")
    assert link_allowed("relative/path:with-colon-later")
    assert not link_allowed("javascript:alert(1)")
    assert not link_allowed(" JaVaScRiPt:alert(1)")
    assert not link_allowed("java\nscript:alert(1)")
    assert not link_allowed("&#106;avascript:alert(1)")
    assert not link_allowed("data:text/html,hi")
    assert not link_allowed("1nvalid-scheme:x")


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert markdown_to_text("") == ""


def test_markdown_to_text_keeps_the_words_and_drops_the_markup():
    text = markdown_to_text(
        "# Removal\n\nRun the **Vireo** [removal tool](https://vireo.example/tool) as `admin`.\n\n"
        "- reboot\n\n```\nvireo-clean.exe /all\n```\n\n"
        "| Product | Vendor |\n|-|-|\n| Vireo AV | Vireo |\n\n"
        "![screenshot](https://x.example/s.png) <script>alert(1)</script>"
    )
    assert text.splitlines() == [
        "Removal",
        "Run the Vireo removal tool as admin.",
        "reboot",
        "vireo-clean.exe /all",
        "Product",
        "Vendor",
        "Vireo AV",
        "Vireo",
        "screenshot <script>alert(1)</script>",
    ]
