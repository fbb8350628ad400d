"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), following the spec's advice to readers.

feedparser 6.0.14 cannot read JSON Feed, so feedhub has its own parser:
- an item without an ``id`` (or with a blank one) is discarded, with a warning on the source; a numeric
  ``id`` becomes a string;
- ``authors`` (1.1) wins over the deprecated ``author`` (1.0);
- only ``content_html`` is HTML; ``title``, ``summary`` and ``content_text`` are plain text, escaped here;
- invalid JSON is refused whole: no partial data.
"""

from __future__ import annotations

import html
import json
from typing import Any, Mapping

from feedhub.errors import NotAFeed
from feedhub.sources.base import ParsedEntry, ParsedFeed, iso_date

VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json_feed(body: bytes, content_type: str | None = None) -> bool:
    ct = (content_type or "").lower()
    if "feed+json" in ct:
        return True
    head = body.lstrip()[:1]
    return head == b"{" and b"jsonfeed.org/version" in body[:4096]


def _author_names(obj: Mapping[str, Any]) -> list[str]:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors:
        items = authors
    elif isinstance(obj.get("author"), Mapping):
        items = [obj["author"]]
    else:
        items = []
    names = []
    for a in items:
        if isinstance(a, Mapping) and isinstance(a.get("name"), str) and a["name"].strip():
            names.append(a["name"].strip())
    return names


def _text_html(text: str) -> str:
    """Plain text as HTML: escaped, paragraphs kept."""
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paras)


def _item(raw: Mapping[str, Any], feed_authors: list[str]) -> ParsedEntry | None:
    ident = raw.get("id")
    if isinstance(ident, bool) or ident is None:
        return None
    if isinstance(ident, (int, float)):
        ident = str(int(ident)) if float(ident).is_integer() else str(ident)
    if not isinstance(ident, str) or not ident.strip():
        return None
    if isinstance(raw.get("content_html"), str) and raw["content_html"].strip():
        summary = raw["content_html"]
    elif isinstance(raw.get("content_text"), str) and raw["content_text"].strip():
        summary = _text_html(raw["content_text"])
    elif isinstance(raw.get("summary"), str):
        summary = _text_html(raw["summary"])
    else:
        summary = ""
    title = str(raw["title"]) if isinstance(raw.get("title"), str) else ""
    url = raw.get("url") if isinstance(raw.get("url"), str) else None
    extra: dict[str, Any] = {}
    if isinstance(raw.get("external_url"), str):
        extra["external_url"] = raw["external_url"]
    return ParsedEntry(
        guid=ident.strip(),
        link=url or extra.get("external_url"),
        title=title,
        summary=summary,
        authors=_author_names(raw) or feed_authors,
        tags=[t for t in raw.get("tags") or [] if isinstance(t, str)],
        published=iso_date(raw.get("date_published")) or iso_date(raw.get("date_modified")),
        updated=iso_date(raw.get("date_modified")),
        extra=extra,
        title_is_html=False,
    )


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAFeed(f"invalid JSON Feed ({exc}); nothing was read from it") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(VERSION_PREFIX):
        raise NotAFeed("JSON, but not a JSON Feed (no https://jsonfeed.org/version/ marker)")
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed("JSON Feed without an items list")
    version = str(data["version"])[len(VERSION_PREFIX) :].strip("/")
    feed_authors = _author_names(data)
    entries = [e for e in (_item(i, feed_authors) for i in items if isinstance(i, Mapping)) if e is not None]
    skipped = len(items) - len(entries)
    # Never a silent "ok, 0 new": items dropped for want of the spec's required id are a warning on the source.
    if items and not entries:
        warning: str | None = (f"none of its {len(items)} item{'s' if len(items) != 1 else ''} has an \"id\" (the JSON Feed spec "
                               "requires one), so nothing was stored; tell the site")
    elif skipped:
        warning = f"{skipped} of {len(items)} items skipped: no \"id\" (the JSON Feed spec requires one)"
    else:
        warning = None
    return ParsedFeed(
        title=str(data.get("title")) if isinstance(data.get("title"), str) else "",
        link=data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else None,
        entries=entries,
        format=f"json{version.replace('.', '')}",
        warning=warning,
    )
