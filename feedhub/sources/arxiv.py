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
from feedhub.links.ids import parse_arxiv_id
from feedhub.sources.base import ParsedEntry, ParsedFeed

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
UPDATE_TYPES = frozenset({"replace", "replace-cross"})
LISTING_HOSTS = ("rss.arxiv.org", "export.arxiv.org", "arxiv.org", "www.arxiv.org")
LISTING_BASE = "https://rss.arxiv.org/rss/"

_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S | re.I
)
_LEGACY_TITLE = re.compile(r"^(?P<title>.*?)\.?\s*\(arXiv:(?P<id>\S+?)\s*(?:\[(?P<cat>[^\]]*)\])?\s*(?P<upd>UPDATED)?\)\s*$", re.S)
_TAGS = re.compile(r"<[^>]+>")
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


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _plain(value: str) -> str:
    """Plain text from a fragment that may carry tags and entities (legacy listings)."""
    return " ".join(html.unescape(_TAGS.sub(" ", value)).split())


def split_authors(value: str) -> list[str]:
    """``"A, B and C"`` (or ``"A, B, and C"``) -> [A, B, C]; HTML links (legacy format) -> their text."""
    value = _plain(value)
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
    title = _plain(_text(e.get("title")))
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
    abstract = _plain(abstract)
    categories = [_text(t.get("term")).strip() for t in e.get("tags") or [] if isinstance(t, Mapping) and t.get("term")]
    categories = list(dict.fromkeys(c for c in categories if c))
    if legacy and not categories and legacy.group("cat"):
        categories = [c.strip() for c in legacy.group("cat").split(",") if c.strip()]
    doi = _text(e.get("arxiv_doi")).strip() or None
    journal_ref = _plain(_text(e.get("arxiv_journal_reference") or e.get("arxiv_journal_ref"))) or None
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


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """An arXiv listing -> entries, one per announced paper (an empty listing is not an error)."""
    from feedhub.errors import NotAFeed
    from feedhub.sources.feed import parse_raw

    if not body or not body.strip():
        raise NotAFeed("empty body: the arXiv listing returned nothing; check the categories (e.g. arxiv:cs.LG)")
    d = parse_raw(body, headers)
    version = d.get("version") or ""
    items = d.get("entries") or []
    warning = None
    if d.get("bozo"):
        exc = d.get("bozo_exception")
        warning = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
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
    feed = d.get("feed") or {}
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
