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

# A header the fetcher adds (never sent by a server): the URL the feed was read from, against which relative
# item links are resolved. Not given to feedparser as Content-Location: it would rewrite relative guids too,
# and a guid is an entry's key.
DOCUMENT_URL = "x-feedhub-document-url"


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


PODCAST_TAG = "podcast"


def is_podcast_episode(e: Mapping[str, Any]) -> bool:
    """An audio episode: an audio enclosure, or iTunes episode markup (Last Week in AI mixes them with issues)."""
    for link in e.get("enclosures") or e.get("links") or []:
        if isinstance(link, Mapping) and (link.get("rel") in (None, "enclosure")) and _text(link.get("type")).lower().startswith("audio/"):
            return True
    return bool(e.get("itunes_duration") or e.get("itunes_episode") or e.get("itunes_episodetype"))


def _enclosure(e: Mapping[str, Any]) -> str | None:
    for enc in e.get("enclosures") or []:
        if isinstance(enc, Mapping) and enc.get("href"):
            return _text(enc["href"]).strip() or None
    return None


def parse_entry(e: Mapping[str, Any]) -> ParsedEntry:
    guid = _text(e.get("id")).strip() or None
    tags = [_text(t.get("term")).strip() for t in e.get("tags") or [] if isinstance(t, Mapping) and t.get("term")]
    if is_podcast_episode(e) and PODCAST_TAG not in (t.lower() for t in tags):
        tags.append(PODCAST_TAG)  # the digest does not feature an episode as news (digest/sections.py)
    return ParsedEntry(
        guid=guid,
        link=_text(e.get("link")).strip() or None,
        title=_text(e.get("title")),
        summary=_summary(e),
        authors=_authors(e),
        tags=tags,
        published=_time(_raw(e, "published_parsed")) or _time(_raw(e, "updated_parsed")) or _time(_raw(e, "created_parsed")),
        updated=_time(_raw(e, "updated_parsed")),
        enclosure=_enclosure(e),
    )


def bozo_note(exc: BaseException | None) -> str:
    """What feedparser recovered from, in words (never its class names): a note on the source."""
    if exc is None:
        return "the feed is malformed; read what could be read"
    name = type(exc).__name__
    text = str(exc)
    if name == "NonXMLContentType":
        served = text.split(" is not", 1)[0].split(";", 1)[0].strip() or "a non-feed type"
        return f"served as {served}, not as a feed type; read anyway"
    if name in ("CharacterEncodingOverride", "CharacterEncodingUnknown"):
        return "the feed's declared character encoding is wrong; read with the one that works"
    if name == "SAXParseException":
        line, col = getattr(exc, "getLineNumber", lambda: None)(), getattr(exc, "getColumnNumber", lambda: None)()
        message = getattr(exc, "getMessage", lambda: text)()
        where = f" at line {line}, column {col}" if line is not None else ""
        return f"not well-formed XML{where} ({message})"
    if name == "UndeclaredNamespace":
        return "the feed uses an undeclared XML namespace; read anyway"
    return "the feed is malformed; read what could be read"


def is_xml_error(exc: BaseException | None) -> bool:
    return type(exc).__name__ == "SAXParseException"


def parse_raw(body: bytes, headers: Mapping[str, str] | None = None) -> Any:
    """feedparser's result, for parsers of special feeds (arXiv, GitHub) that read extra elements."""
    response = {k: v for k, v in (headers or {}).items() if k.lower() != DOCUMENT_URL}
    return feedparser.parse(body, response_headers=response, sanitize_html=False, resolve_relative_uris=False)


def _absolute(link: str | None, base: str | None) -> str | None:
    """A relative item link made absolute against the feed's own URL (``/blog/post/`` -> https://host/blog/post/)."""
    if not link or not base or "://" in link or link.startswith(("mailto:", "tag:", "urn:")):
        return link
    from urllib.parse import urljoin, urlsplit

    joined = urljoin(base, link)
    return joined if urlsplit(joined).scheme in ("http", "https") else link


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
    exc = d.get("bozo_exception") if d.get("bozo") else None
    if d.get("bozo"):
        warning = bozo_note(exc)
    if is_xml_error(exc) and (version or entries):  # it is a feed, but a broken one
        if not entries:
            # Broken XML that yielded nothing is a failure of this source, never "ok, 0 new".
            raise NotAFeed(f"the feed is {warning}, and no item could be read from it; tell the site, or check the URL")
        warning = f"the feed is {warning}; read {len(entries)} item{'s' if len(entries) != 1 else ''} anyway"
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
    base = next((v for k, v in (headers or {}).items() if k.lower() == DOCUMENT_URL), None)
    parsed = [parse_entry(e) for e in entries]
    if base:
        for entry in parsed:
            entry.link = _absolute(entry.link, base)
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_absolute(_text(feed.get("link")) or None, base),
        entries=parsed,
        format=version or "unknown",
        warning=warning,
        ttl_seconds=ttl,
    )
