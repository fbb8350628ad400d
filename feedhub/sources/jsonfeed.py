"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), following the spec's advice to readers.

feedparser 6.0.14 cannot read JSON Feed, so feedhub has its own parser:
- the version marker is read as written in the wild too: ``http://``, no trailing slash, ``www.``;
- a numeric ``id`` becomes a string; an item without an ``id`` (or with a blank one) is kept, not
  discarded as the spec would have it (real feeds omit ids: an Elastic blog's feed has none): it goes on
  without a GUID, so ingest keys it by its URL (or content) the way it keys a GUID-less RSS item, and the
  feed carries a warning saying how many items had no id;
- ``authors`` (1.1) wins over the deprecated ``author`` (1.0);
- only ``content_html`` is HTML; ``title``, ``summary`` and ``content_text`` are plain text, escaped here;
- invalid JSON is refused whole: no partial data.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Mapping

from feedhub.errors import NotAFeed
from feedhub.sources.base import ParsedEntry, ParsedFeed, iso_date

VERSION_PREFIX = "https://jsonfeed.org/version/"
VERSION = re.compile(r"^\s*https?://(?:www\.)?jsonfeed\.org/version/(\d+(?:\.\d+)?)/?\s*$", re.IGNORECASE)


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


def _ident(raw: Mapping[str, Any]) -> str | None:
    ident = raw.get("id")
    if isinstance(ident, bool) or ident is None:
        return None
    if isinstance(ident, (int, float)):
        if isinstance(ident, float) and not ident == ident:  # NaN
            return None
        ident = str(int(ident)) if float(ident).is_integer() else str(ident)
    if not isinstance(ident, str) or not ident.strip():
        return None
    return ident.strip()


def _item(raw: Mapping[str, Any], feed_authors: list[str]) -> ParsedEntry:
    ident = _ident(raw)
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
        guid=ident,
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
    marker = VERSION.match(str(data.get("version", ""))) if isinstance(data, dict) else None
    if not isinstance(data, dict) or marker is None:
        raise NotAFeed("JSON, but not a JSON Feed (no \"version\": \"https://jsonfeed.org/version/1.1\" marker)")
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed("JSON Feed without an items list")
    version = marker.group(1)
    feed_authors = _author_names(data)
    entries = [_item(i, feed_authors) for i in items if isinstance(i, Mapping)]
    without_id = sum(e.guid is None for e in entries)
    warning = (f"{without_id} of {len(entries)} items have no id (the JSON Feed spec requires one); "
               "they are keyed by their URL or content") if without_id else None
    return ParsedFeed(
        title=str(data.get("title")) if isinstance(data.get("title"), str) else "",
        link=data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else None,
        entries=entries,
        format=f"json{version.replace('.', '')}",
        warning=warning,
    )
