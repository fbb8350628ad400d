"""RSS 0.9x/1.0/2.0, RDF and Atom 0.3/1.0 through feedparser.

feedparser's own sanitizer and relative-URI resolver are turned off: feedhub sanitizes every fragment
itself with an allow-list (see sanitize.py), which is both stricter and several times faster.
"""

from __future__ import annotations

import calendar
import codecs
import re
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


_XML_DECL = re.compile(rb"^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def _declared_encoding(body: bytes, headers: Mapping[str, str] | None) -> str:
    """The encoding the feed says it is in: a BOM, else the HTTP charset, else the XML declaration, else UTF-8."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for k, v in (headers or {}).items():
        if k.lower() == "content-type":
            m = _CHARSET.search(v)
            if m:
                return m.group(1)
    decl = _XML_DECL.match(body[:512])
    return decl.group(2).decode("ascii") if decl else "utf-8"


def repair_encoding(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[bytes, dict[str, str] | None, str | None]:
    """A body that does not decode in its declared encoding has its bad bytes replaced (U+FFFD), only
    those: given to feedparser as it is, one bad byte made it guess another encoding for the whole feed
    (a Korean feed stored as mojibake). Returns (body as UTF-8, headers saying so, warning) when it
    repaired something, else the inputs and None."""
    name = _declared_encoding(body, headers)
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return body, dict(headers) if headers else None, None  # an unknown name: feedparser's own detection
    try:
        body.decode(codec.name)
        return body, dict(headers) if headers else None, None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = body.decode(codec.name, "replace")
    bad = text.count("\ufffd") - body.decode(codec.name, "ignore").count("\ufffd")
    if bad > len(_NON_ASCII.findall(text)):  # mostly undecodable: the declaration is wrong; let feedparser guess
        return body, dict(headers) if headers else None, None
    fixed = text.encode("utf-8")
    if codec.name not in ("utf-8", "utf-8-sig"):  # now UTF-8: the declaration must say so
        fixed = re.sub(rb"(<\?xml[^>]*?encoding\s*=\s*[\"'])[A-Za-z0-9._:-]+", rb"\1utf-8", fixed, count=1)
    out = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
    ctype = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "application/xml")
    out["content-type"] = _CHARSET.sub("charset=utf-8", ctype) if _CHARSET.search(ctype) else ctype
    warning = f"{max(bad, 1)} invalid {codec.name} byte sequence(s) replaced (first at byte {first}); the rest decoded as {codec.name}"
    return fixed, out, warning


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    if not body or not body.strip():
        raise NotAFeed("empty body: the source returned no feed; check the URL")
    body, fixed_headers, repaired = repair_encoding(body, headers)
    d = parse_raw(body, fixed_headers)
    version = d.get("version") or ""
    entries = d.get("entries") or []
    warning = repaired
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
