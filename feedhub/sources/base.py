"""What every source parser returns. Parsers are pure: bytes (and response headers) in, entries out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass
class ParsedEntry:
    """One item as the feed gave it; HTML not yet sanitized, times aware UTC or None."""

    guid: str | None
    link: str | None
    title: str
    summary: str  # raw HTML from the feed (plain-text fields already escaped); sanitized at store time
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    title_is_html: bool = True  # RSS/Atom titles may carry markup and entities; JSON Feed titles are text


@dataclass
class ParsedFeed:
    title: str
    link: str | None
    entries: list[ParsedEntry]
    format: str  # e.g. "rss20", "atom10", "json11"
    warning: str | None = None  # a recovered problem (malformed XML): recorded on the source
    ttl_seconds: int | None = None  # the feed's own hint of how often to check
    extra: dict[str, Any] = field(default_factory=dict)


def iso_date(value: Any) -> datetime | None:
    """An RFC 3339 / ISO 8601 time (``2018-02-19T15:02:00.000Z``) -> aware UTC; None when unreadable.
    Used by the JSON sources (JSON Feed, Bluesky, X, GitHub's API)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None
