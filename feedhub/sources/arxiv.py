"""arXiv's daily RSS listings (rss.arxiv.org/rss/<cat>[+<cat>...]), as arXiv specifies them.

Per item (arXiv/arxiv-docs help/rss_specifications.md): ``guid`` ``oai:arXiv.org:<id>v<n>`` (id and
version), ``description`` ``arXiv:<id>v<n> Announce Type: <type> \\nAbstract: <abstract>``,
``arxiv:announce_type`` (new, cross, replace, replace-cross), ``dc:creator`` "A, B and C",
``category`` (repeated), ``dc:rights`` (licence URL), optional ``arxiv:DOI`` and
``arxiv:journal_reference``. Weekend and holiday listings are empty feeds: zero entries, no error.
The pre-2024 format (``Title. (arXiv:<id>v<n> [cat] UPDATED)``, HTML ``dc:creator`` links,
``<p>abstract</p>``) is read as well.

Each entry's ``extra`` carries the paper (``arxiv_id``, ``version``, ``announce_type``, ``abstract``,
``categories``, ``doi``, ``journal_ref``, ``license``) and ``is_update`` (a replacement: the digest
treats it as an update of the paper, not a new story). links.graph fills the paper from it.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping

from feedhub.errors import InvalidInput
from feedhub.links.html import plain_text
from feedhub.links.ids import parse_arxiv_id
from feedhub.sources.base import ParsedEntry, ParsedFeed, SourceSpec

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
UPDATE_TYPES = frozenset({"replace", "replace-cross"})
LISTING_HOSTS = ("rss.arxiv.org", "export.arxiv.org", "arxiv.org", "www.arxiv.org")
LISTING_BASE = "https://rss.arxiv.org/rss/"

_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S | re.I
)
_LEGACY_TITLE = re.compile(r"^(?P<title>.*?)\.?\s*\(arXiv:(?P<id>\S+?)\s*(?:\[(?P<cat>[^\]]*)\])?\s*(?P<upd>UPDATED)?\)\s*$", re.S)
_SKIP_DAYS = re.compile(rb"<skipDays>(.*?)</skipDays>", re.S | re.I)
_DAY = re.compile(rb"<day>\s*(\w+)\s*</day>", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def listing_url(categories: str) -> str:
    """``cs.LG+cs.CV`` -> https://rss.arxiv.org/rss/cs.LG+cs.CV; InvalidInput for malformed categories."""
    cats = [c.strip() for c in categories.replace(" ", "+").split("+") if c.strip()]
    if not cats or any(not _CATEGORY.match(c) for c in cats):
        raise InvalidInput(f"invalid arXiv categories {categories!r}; use e.g. arxiv:cs.LG or arxiv:cs.LG+cs.CV")
    return LISTING_BASE + "+".join(cats)


def is_listing_url(url: str) -> bool:
    """rss.arxiv.org/rss/<cats> (or the older export.arxiv.org/rss/<cats>, which redirects there)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    path = parts.path.lstrip("/")
    if host == "rss.arxiv.org":
        return path.startswith(("rss/", "atom/")) or bool(path and "/" not in path)
    return host in LISTING_HOSTS and path.startswith("rss/")


_LISTING_SIGNS = (
    re.compile(rb"<arxiv:announce_type\b|xmlns:arxiv=\"http://arxiv\.org/schemas/atom\"[^>]*>.*?<arxiv:", re.S),
    re.compile(rb"<guid[^>]*>\s*oai:arXiv\.org:", re.I),
    re.compile(rb"<title>[^<]{0,80}\bupdates on arXiv\.org</title>", re.I),
    re.compile(rb"<description>\s*arXiv:\S+\s+Announce Type:", re.I),
)


def looks_like_listing(body: bytes) -> bool:
    """An arXiv listing by its content (``arxiv:announce_type``, ``oai:arXiv.org:`` guids, the channel
    title "cs.LG updates on arXiv.org", "Announce Type:" descriptions), wherever it is served from."""
    head = body[:65536]
    if b"arXiv" not in head and b"arxiv" not in head:
        return False
    return any(sign.search(head) for sign in _LISTING_SIGNS)


def shorthand(rest: str, options: Mapping[str, Any]) -> SourceSpec:
    """``arxiv:cs.LG`` or ``arxiv:cs.LG+cs.CV``: the daily listing of those categories."""
    url = listing_url(rest)
    return SourceSpec(kind="arxiv", url=url, name=f"arXiv {url.rsplit('/', 1)[1]}", section="papers")


def recognize(url: str, forced: bool, options: Mapping[str, Any]) -> SourceSpec | None:
    """A plain rss.arxiv.org URL is a listing (``--kind arxiv`` takes any URL as one)."""
    if forced or is_listing_url(url):
        return SourceSpec(kind="arxiv", url=url, name=f"arXiv {url.rstrip('/').rsplit('/', 1)[-1]}", section="papers")
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)



def split_authors(value: str) -> list[str]:
    """``"A, B and C"`` (or ``"A, B, and C"``) -> [A, B, C]; HTML links (legacy format) -> their text."""
    value = plain_text(value)
    if not value:
        return []
    return [a.strip() for a in _AUTHOR_SPLIT.split(value) if a.strip()]


def _entry_authors(e: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for a in e.get("authors") or []:
        if isinstance(a, Mapping) and a.get("name"):
            names.extend(split_authors(_text(a["name"])))
    if not names and e.get("author"):
        names = split_authors(_text(e["author"]))
    return list(dict.fromkeys(names))


def parse_item(e: Mapping[str, Any]) -> ParsedEntry | None:
    """One listing item -> an entry carrying its paper; None when the item names no arXiv id."""
    from feedhub.sources.feed import _time

    guid = _text(e.get("id")).strip()
    title = plain_text(_text(e.get("title")))
    description = _text(e.get("summary") or e.get("description"))
    announce = _text(e.get("arxiv_announce_type")).strip().lower()
    parsed = None
    if guid:
        parsed = parse_arxiv_id(guid)
    abstract = description
    m = _DESCRIPTION.match(description)
    if m:
        described = parse_arxiv_id(m.group("id"))
        if parsed is None or (described and parsed[1] is None and parsed[0] == described[0]):
            parsed = described or parsed
        announce = announce or m.group("type").lower()
        abstract = m.group("abstract")
    legacy = _LEGACY_TITLE.match(title)
    legacy_id = parse_arxiv_id(legacy.group("id")) if legacy else None
    if legacy and legacy_id:
        title = legacy.group("title").strip()
        if parsed is None or (parsed[1] is None and parsed[0] == legacy_id[0]):
            parsed = legacy_id
        if not announce:
            announce = "replace" if legacy.group("upd") else "new"
    link = _text(e.get("link")).strip() or None
    if parsed is None and link:
        parsed = parse_arxiv_id(link)
    if parsed is None:
        return None
    arxiv_id, version = parsed
    if announce not in ANNOUNCE_TYPES:
        announce = "new" if announce == "" else announce
    abstract = plain_text(abstract)
    categories = [_text(t.get("term")).strip() for t in e.get("tags") or [] if isinstance(t, Mapping) and t.get("term")]
    categories = list(dict.fromkeys(c for c in categories if c))
    if legacy and not categories and legacy.group("cat"):
        categories = [c.strip() for c in legacy.group("cat").split(",") if c.strip()]
    doi = _text(e.get("arxiv_doi")).strip() or None
    journal_ref = plain_text(_text(e.get("arxiv_journal_reference") or e.get("arxiv_journal_ref"))) or None
    license_ = _text(e.get("rights")).strip() or None
    authors = _entry_authors(e)
    published = _time(e.get("published_parsed")) or _time(e.get("updated_parsed"))
    extra: dict[str, Any] = {
        "arxiv_id": arxiv_id,
        "version": version or 1,
        "announce_type": announce,
        "is_update": announce in UPDATE_TYPES,
        "abstract": abstract,
        "categories": categories,
        "doi": doi,
        "journal_ref": journal_ref,
        "license": license_,
        "listing": True,
    }
    return ParsedEntry(
        guid=guid or f"oai:arXiv.org:{arxiv_id}v{version or 1}",
        link=f"https://arxiv.org/abs/{arxiv_id}",
        title=title,
        summary=html.escape(abstract, quote=False),
        authors=authors,
        tags=categories,
        published=published,
        updated=published,
        extra=extra,
        title_is_html=False,
    )


def parse(body: bytes, headers: Mapping[str, str] | None = None, *, fast_path: bool = True) -> ParsedFeed:
    """An arXiv listing -> entries, one per announced paper (an empty listing is not an error).

    ``fast_path=False`` reads it with feedparser only (the fast path must agree with it; see below)."""
    from feedhub.errors import NotAFeed
    from feedhub.sources.feed import bozo_note, parse_raw

    if not body or not body.strip():
        raise NotAFeed("empty body: the arXiv listing returned nothing; check the categories (e.g. arxiv:cs.LG)")
    fast = _fast_items(body, headers) if fast_path else None
    warning = None
    if fast is not None:
        version, feed, items = fast
    else:
        d = parse_raw(body, headers)
        version = d.get("version") or ""
        items = d.get("entries") or []
        feed = d.get("feed") or {}
        if d.get("bozo"):
            exc = d.get("bozo_exception")
            warning = bozo_note(exc)
    if not version and not items:
        head = body[:512].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise NotAFeed("an HTML page, not an arXiv listing; use e.g. https://rss.arxiv.org/rss/cs.LG")
        raise NotAFeed(f"not an arXiv listing ({warning or 'no RSS elements found'}); check the URL")
    entries: list[ParsedEntry] = []
    skipped = 0
    for item in items:
        entry = parse_item(item)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if skipped:
        note = f"{skipped} item(s) without an arXiv id skipped"
        warning = f"{warning}; {note}" if warning else note
    # feedparser flattens <skipDays>; read the days from the bytes (a small, fixed element).
    m = _SKIP_DAYS.search(body[:8192])
    skip_days = [d.decode() for d in _DAY.findall(m.group(1))] if m else []
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")) or None,
        entries=entries,
        format=f"arxiv-{version or 'unknown'}",
        warning=warning,
        ttl_seconds=None,
        extra={"listing_date": _text(feed.get("published")) or None, "skip_days": skip_days},
    )


# -- the fast path: arXiv's fixed RSS 2.0 listing read with ElementTree ------------------------------
#
# feedparser spends most of a listing's parse in its SAX callbacks. A listing is small, fixed XML, so
# it is read here with ElementTree (expat, as feedparser's strict parser) into the same item dicts
# feedparser would give parse_item, applying feedparser's own text steps (strip, relative-URI join,
# its utf-8/cp1252 repairs, its link "&" fixes, its date parser). Anything outside the listing's known
# elements and attributes (or a DOCTYPE, comments, xml:base, an encoding feedparser would flag, ...)
# returns None and the feedparser path runs instead: same result, only slower.
# tests/sources/test_arxiv_fast.py checks the two paths agree.

_NS_ARXIV = "http://arxiv.org/schemas/atom"
_NS_DC = "http://purl.org/dc/elements/1.1/"
_NS_ATOM = "http://www.w3.org/2005/Atom"
_XMLNS = re.compile(rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_AMP_REF = re.compile("&([A-Za-z0-9_]+);")
# ElementTree tag -> feedparser's key, for single-valued item elements.
_ITEM_TEXT = {
    "title": "title",
    "link": "link",
    "description": "summary",
    "pubDate": "published",
    "{%s}announce_type" % _NS_ARXIV: "arxiv_announce_type",
    "{%s}DOI" % _NS_ARXIV: "arxiv_doi",
    "{%s}journal_reference" % _NS_ARXIV: "arxiv_journal_reference",
    "{%s}journal_ref" % _NS_ARXIV: "arxiv_journal_ref",
    "{%s}rights" % _NS_DC: "rights",
}
_CHANNEL_TEXT = {"title", "link", "description", "docs", "language", "lastBuildDate", "managingEditor", "pubDate"}


class _Bail(Exception):
    """The fast path cannot vouch for feedparser's result on this input."""


def _fp_text(el: Any) -> str:
    """An element's text as feedparser's strict parser stores it (leaf elements only)."""
    if len(el):
        raise _Bail
    s = (el.text or "").strip()
    if not s.isascii():
        from feedparser.html import _cp1252

        try:  # feedparser re-reads latin-1-looking text as utf-8 (double-encoded feeds)
            s = s.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        s = s.translate(_cp1252)
    return s


def _fp_uri(el: Any) -> str:
    from feedparser.urls import _urljoin

    s = (el.text or "").strip()
    if len(el):
        raise _Bail
    if s:
        s = _urljoin("", s)
    if not s.isascii():
        from feedparser.html import _cp1252

        try:
            s = s.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        s = s.translate(_cp1252)
    return s


def _fast_items(body: bytes, headers: Mapping[str, str] | None) -> tuple[str, dict[str, Any], list[dict[str, Any]]] | None:
    """(version, channel dict, item dicts) as feedparser would give them, or None to use feedparser."""
    import xml.etree.ElementTree as ET

    from feedparser.datetimes import _parse_date
    from feedparser.encodings import convert_to_utf8

    hdrs = dict(headers or {})
    if any(k.lower() == "content-location" for k in hdrs):
        return None  # feedparser resolves links against it
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body or b"<!--" in body or b"xml:base" in body:
        return None
    result: dict[str, Any] = {"bozo": False}
    try:
        data = convert_to_utf8(hdrs, body, result)
    except Exception:
        return None
    if result.get("bozo") or not result.get("encoding"):
        return None  # an encoding problem feedparser reports: let it report it
    if data.find(b"<?", 5) != -1:
        return None  # processing instructions beyond the XML declaration
    for m in _XMLNS.finditer(data):
        prefix = m.group(1)
        uri = ((m.group(2) if m.group(2) is not None else m.group(3)) or b"").decode("utf-8", "replace")
        low = uri.lower()
        if uri == _NS_ARXIV and prefix != b"arxiv":
            return None  # feedparser names unknown namespaces by the document's prefix
        if prefix == b"arxiv" and uri != _NS_ARXIV:
            return None
        if low in ("http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/") or "backend.userland.com/rss" in low:
            return None  # these change feedparser's idea of the version
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None  # not well-formed: feedparser recovers it and says so
    if root.tag != "rss" or root.get("version") != "2.0" or len(root) != 1 or root[0].tag != "channel":
        return None
    if any(k != "version" for k in root.attrib):
        return None
    channel = root[0]
    if channel.attrib:
        return None
    feed: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    dates: dict[str, Any] = {}
    try:
        for child in channel:
            tag = child.tag
            if tag == "item":
                if child.attrib:
                    raise _Bail
                items.append(_fast_item(child, dates, _parse_date))
            elif tag in _CHANNEL_TEXT:
                if child.attrib or tag in feed:
                    raise _Bail
                if tag == "link" or tag == "docs":
                    value = _fp_uri(child)
                    if tag == "link":
                        value = _AMP_REF.sub(r"&\g<1>", value)
                else:
                    value = _fp_text(child)
                feed[tag] = value
            elif tag == "{%s}link" % _NS_ATOM:
                if len(child) or (child.text or "").strip() or child.get("rel") != "self" or not child.get("href"):
                    raise _Bail
                if any(k not in ("href", "rel", "type") for k in child.attrib):
                    raise _Bail
            elif tag == "skipDays":
                if child.attrib or any(d.tag != "day" or len(d) or d.attrib for d in child):
                    raise _Bail
            else:
                raise _Bail
    except _Bail:
        return None
    channel_out = {"title": feed.get("title", ""), "link": feed.get("link"), "published": feed.get("pubDate")}
    return "rss20", channel_out, items


def _fast_item(item: Any, dates: dict[str, Any], parse_date: Any) -> dict[str, Any]:
    e: dict[str, Any] = {}
    seen: set[str] = set()
    tags: list[dict[str, str]] = []
    authors: list[dict[str, str]] = []
    for child in item:
        tag = child.tag
        key = _ITEM_TEXT.get(tag)
        if key is not None:
            if child.attrib or key in seen:
                raise _Bail
            seen.add(key)
            if key == "link":
                value = _fp_uri(child)
                value = _AMP_REF.sub(r"&\g<1>", value.replace("&amp;", "&"))
            else:
                value = _fp_text(child)
            e[key] = value
            if key == "published":
                if value not in dates:
                    dates[value] = parse_date(value)
                e["published_parsed"] = dates[value]
        elif tag == "guid":
            if "id" in seen or any(k != "isPermaLink" for k in child.attrib):
                raise _Bail
            seen.add("id")
            is_link = child.get("isPermaLink", "true").replace("&amp;", "&") == "true"
            value = _fp_uri(child) if is_link else _fp_text(child)
            e["id"] = value
            if is_link and "link" not in e:
                e["link"] = value
        elif tag == "category":
            if any(k != "domain" for k in child.attrib):
                raise _Bail
            term = _fp_text(child)
            if term:
                tags.append({"term": term})
        elif tag == "{%s}creator" % _NS_DC:
            if child.attrib:
                raise _Bail
            name = _fp_text(child)
            if "@" in name:
                raise _Bail  # feedparser splits e-mail addresses out of author names
            authors.append({"name": name} if name else {})
        else:
            raise _Bail
    if tags:
        e["tags"] = tags
    if authors:
        e["authors"] = authors
    return e
