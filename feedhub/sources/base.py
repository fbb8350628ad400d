"""What every kind of source shares: the spec of a source to add, what parsers return, and the HTTP
answer an API fetcher works with. Parsers are pure: bytes (and response headers) in, entries out.
Fetchers (kinds whose URL is not the URL to GET) receive the run's ``Get`` and never import the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Mapping, Protocol


@dataclass
class SourceSpec:
    """A source to add: what the user typed, resolved to a kind, the URL to store, a name, a section, options."""

    kind: str
    url: str
    name: str = ""
    section: str | None = None
    options: dict[str, object] | None = None


@dataclass
class HttpResult:
    url: str  # the URL that answered (after redirects)
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    moved_to: str | None = None  # set when every redirect on the way was permanent (301/308)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Get(Protocol):
    """The run's one guarded GET (SSRF guard, body cap, deadline, redirects), as a fetcher sees it."""

    def __call__(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                 headers: Mapping[str, str] | None = None) -> Awaitable[HttpResult]: ...  # fmt: skip


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
    enclosure: str | None = None  # the first enclosure's (attachment's) URL: a podcast episode's audio file


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


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (API answers are data, never trusted)."""
    return value if isinstance(value, dict) else {}


def merge_names(kept: list[str], more: list[str]) -> list[str]:
    """``kept`` followed by the names of ``more`` it lacks (reposters of the same post seen twice)."""
    return kept + [n for n in dict.fromkeys(more) if n not in kept]
