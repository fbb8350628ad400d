"""RSS 0.9x/1.0/2.0, RDF and Atom 0.3/1.0 through feedparser.

feedparser's own sanitizer and relative-URI resolver are turned off: feedhub sanitizes every fragment
itself with an allow-list (see sanitize.py), which is both stricter and several times faster.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timezone
from typing import Any, Mapping

import feedparser

from feedhub.errors import NotAFeed
from feedhub.sources.base import ParsedEntry, ParsedFeed

feedparser.SANITIZE_HTML = False
feedparser.RESOLVE_RELATIVE_URIS = False


def _time(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _authors(e: Mapping[str, Any]) -> list[str]:
    names = [_text(a.get("name")).strip() for a in e.get("authors") or [] if isinstance(a, Mapping)]
    names = [n for n in names if n]
    if not names and e.get("author"):
        names = [_text(e["author"]).strip()]
    return names


def _summary(e: Mapping[str, Any]) -> str:
    # Prefer the full content when the feed has it; description/summary otherwise.
    contents = e.get("content") or []
    for c in contents:
        if isinstance(c, Mapping) and c.get("value"):
            return _text(c["value"])
    return _text(e.get("summary") or e.get("description") or "")


def _raw(e: Mapping[str, Any], key: str) -> Any:
    # dict.get, not e.get: feedparser's FeedParserDict maps a missing published_parsed to updated_parsed
    return dict.get(e, key) if isinstance(e, dict) else e.get(key)  # type: ignore[call-overload]


def _enclosure(e: Mapping[str, Any]) -> str | None:
    for enc in e.get("enclosures") or []:
        if isinstance(enc, Mapping) and enc.get("href"):
            return _text(enc["href"]).strip() or None
    return None


def parse_entry(e: Mapping[str, Any]) -> ParsedEntry:
    guid = _text(e.get("id")).strip() or None
    return ParsedEntry(
        guid=guid,
        link=_text(e.get("link")).strip() or None,
        title=_text(e.get("title")),
        summary=_summary(e),
        authors=_authors(e),
        tags=[_text(t.get("term")).strip() for t in e.get("tags") or [] if isinstance(t, Mapping) and t.get("term")],
        published=_time(_raw(e, "published_parsed")) or _time(_raw(e, "updated_parsed")) or _time(_raw(e, "created_parsed")),
        updated=_time(_raw(e, "updated_parsed")),
        enclosure=_enclosure(e),
    )


def parse_raw(body: bytes, headers: Mapping[str, str] | None = None) -> Any:
    """feedparser's result, for parsers of special feeds (arXiv, GitHub) that read extra elements."""
    return feedparser.parse(body, response_headers=dict(headers or {}), sanitize_html=False, resolve_relative_uris=False)


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    if not body or not body.strip():
        raise NotAFeed("empty body: the source returned no feed; check the URL")
    d = parse_raw(body, headers)
    version = d.get("version") or ""
    entries = d.get("entries") or []
    warning = None
    if d.get("bozo"):
        exc = d.get("bozo_exception")
        warning = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    if not version and not entries:
        head = body[:512].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise NotAFeed("an HTML page, not a feed; give the feed's URL (look for an RSS/Atom link on the page)")
        raise NotAFeed(f"not a feed ({warning or 'no RSS/Atom elements found'}); check the URL")
    feed = d.get("feed") or {}
    ttl = None
    try:
        raw_ttl = feed.get("ttl")
        ttl = int(raw_ttl) * 60 if raw_ttl else None
    except (TypeError, ValueError):
        ttl = None
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")) or None,
        entries=[parse_entry(e) for e in entries],
        format=version or "unknown",
        warning=warning,
        ttl_seconds=ttl,
    )
