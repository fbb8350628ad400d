"""Sanitizing feed HTML with an allow-list (nh3, the Rust ammonia sanitizer), and plain-text titles.

Every byte of feed text that feedhub renders passes through here first: tags and attributes outside the
allow-list go, links get ``rel="noopener noreferrer"``, only http(s)/mailto URLs survive, tracking query
parameters are removed from links, and 1x1 tracking pixels are dropped.
"""

from __future__ import annotations

import html
import re

import nh3

from feedhub.links.urls import strip_tracking

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
        "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content, not just unwrapped. (object/iframe/embed are unwrapped instead: their
# content is fallback text, and an unclosed one must not swallow the rest of the text.)
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "template", "svg", "math"})
TITLE_CLEAN_CONTENT_TAGS = frozenset({"script", "style"})

_PIXEL = re.compile(r"<img\b[^>]*>", re.I)
_DIM = re.compile(r'\b(width|height)="\s*([0-9]+)(?:px)?\s*"', re.I)
_BLOCK_END = re.compile(r"</(?:p|div|li|h[1-6]|tr|td|th|blockquote|pre|dd|dt|figcaption)\s*>|<br\s*/?>", re.I)
_SPACE = re.compile(r"\s+")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src"):
        return strip_tracking(value)
    return value


def _drop_pixel(match: re.Match[str]) -> str:
    dims = {k.lower(): int(v) for k, v in _DIM.findall(match.group(0))}
    if dims.get("width", 2) <= 1 and dims.get("height", 2) <= 1 and dims:
        return ""
    return match.group(0)


def sanitize_html(fragment: str | None) -> str:
    """Allow-listed HTML, safe to put into a page as it is."""
    if not fragment:
        return ""
    cleaned = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    if "<img" in cleaned:
        cleaned = _PIXEL.sub(_drop_pixel, cleaned)
    return cleaned.strip()


def plain_text(fragment: str | None) -> str:
    """Text only: tags removed (script/style with their content), entities decoded, whitespace collapsed."""
    if not fragment:
        return ""
    if "<" in fragment:
        # Block ends become spaces, so "<p>a</p><p>b</p>" reads "a b", not "ab".
        fragment = _BLOCK_END.sub(lambda m: m.group(0) + " ", fragment)
        fragment = nh3.clean(fragment, tags=set(), clean_content_tags=set(TITLE_CLEAN_CONTENT_TAGS))
    if "&" in fragment:
        fragment = html.unescape(fragment)
    return _SPACE.sub(" ", fragment).strip()


def excerpt(fragment: str | None, limit: int = 280) -> str:
    """A one-line plain-text summary of at most ``limit`` characters, cut at a word."""
    text = plain_text(fragment)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-") + "…"
