"""Markdown for people to read (articles): CommonMark with tables and strikethrough, parsed by
markdown-it-py with raw HTML off, then cleaned by nh3 against an explicit allow-list.

Two locks on links, so neither alone has to be perfect: the parser refuses any destination
whose scheme is not http, https or mailto (the text then stays text), and nh3 drops any href
that slipped past with another scheme. Images are never loaded: each becomes a link to its
address, so reading an article makes no request to a place someone typed (BAD_INPUTS.md 5).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "ol": {"start"},
}
# Column alignment from `|:--|--:|`, as classes: the page's policy forbids inline styles.
ALIGN_CLASSES = {"md-align-left", "md-align-center", "md-align-right"}
ALLOWED_CLASSES: dict[str, set[str]] = {
    "th": ALIGN_CLASSES,
    "td": ALIGN_CLASSES,
    "a": {"md-image"},
}

# Whitespace and control characters a browser ignores inside a scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def link_allowed(url: str) -> bool:
    """Whether a link destination may be followed: a relative address (same site, an anchor),
    or an absolute one with an allowed scheme. A colon before the first `/`, `?` or `#` makes
    the address absolute, whatever comes before it."""
    squeezed = _IGNORED_IN_SCHEME.sub("", html.unescape(url))
    head = re.split(r"[/?#]", squeezed, maxsplit=1)[0]
    if ":" not in head:
        return True
    match = _SCHEME.match(head)
    return match is not None and match.group(1).lower() in ALLOWED_SCHEMES


def _alignment_as_class(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            token.attrs.pop("style", None)
            side = style.removeprefix("text-align:")
            if side in ("left", "center", "right"):
                token.attrSet("class", f"md-align-{side}")


def _image_as_link(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """An image is shown as a link to it (never fetched); a refused address leaves its text."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    label = html.escape(f"Image: {alt}" if alt else "Image")
    if not src:
        return label
    return f'<a class="md-image" href="{html.escape(src)}">{label}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.core.ruler.push("alignment_as_class", _alignment_as_class)
    md.add_render_rule("image", _image_as_link)
    return md


_MD = _parser()


def _clean(rendered: str) -> str:
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_SCHEMES),
        allowed_classes=ALLOWED_CLASSES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """The HTML of a Markdown text, safe to put in a page as it is."""
    return mark_safe(_clean(_MD.render(text or "")))  # noqa: S308 (nh3 cleaned it just above)


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)


def markdown_to_text(text: str) -> str:
    """The words of a Markdown text without its markup, a block a line (for the search index)."""
    lines: list[str] = []
    for token in _MD.parse(text or ""):
        if token.type == "inline":
            lines.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
    return "\n".join(line for line in lines if line.strip())
