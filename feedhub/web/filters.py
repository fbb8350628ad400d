"""Jinja2 filters of the pages: only http(s) links, dates in the reader's style, TeX made readable."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any


def safe_href(url: Any) -> str | None:
    from feedhub.digest.build import safe_url

    return safe_url(str(url)) if url else None


def day(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def minute(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16].replace("T", " ")


@lru_cache(maxsize=4096)
def tex(value: str | None) -> str:
    """An abstract's TeX as text a reader can follow: accents and commands resolved, math kept between $...$."""
    if not value:
        return ""
    if not any(c in value for c in "\\{}~-`'$"):
        return value
    from feedhub.links.tex import readable

    return readable(value)


def number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def feedback(viewer: Any, action: str, target: Any, label: str, next: str, cls: str = "") -> Any:
    """A save / dismiss / undo button: a small POST form with the session's CSRF token (works without script;
    feedhub.js makes it work in place). Python, not a macro: the week page has two per story."""
    from markupsafe import Markup, escape

    a = escape(action)
    return Markup(f'<form method="post" action="/act/{a}" class="inline {escape(cls)}" data-inplace="{a}">\n'
                  f'  <input type="hidden" name="csrf" value="{escape(viewer.csrf)}">\n'
                  f'  <input type="hidden" name="target" value="{escape(target)}">\n'
                  f'  <input type="hidden" name="next" value="{escape(next)}">\n'
                  f'  <button type="submit">{escape(label)}</button>\n</form>\n')  # fmt: skip


def marked(snippet: str, highlights: Any) -> Any:
    """A search hit's snippet, escaped, with its matched words in <mark> (highlights: [start, end) offsets).
    Python, not a template loop: a results page has twenty snippets and several marks in each."""
    from markupsafe import Markup, escape

    parts: list[str] = []
    pos = 0
    for start, end in highlights:
        if start < pos:
            continue  # overlapping marks: the first wins, nothing is shown twice
        parts.append(escape(snippet[pos:start]))
        parts.append(f"<mark>{escape(snippet[start:end])}</mark>")
        pos = end
    parts.append(escape(snippet[pos:]))
    return Markup("".join(parts))


GLOBALS = {"feedback": feedback}

FILTERS = {"safe_href": safe_href, "day": day, "minute": minute, "tex": tex, "number": number, "marked": marked}
