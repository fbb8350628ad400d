"""``feedhub source add``: resolve what the user typed, find the feed behind a home page, subscribe.

Here rather than in ``subscriptions`` because finding the feed is a fetch (``fetch.discover``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from feedhub.errors import FeedhubError, InvalidInput, NotAFeed
from feedhub.sources.base import SourceSpec
from feedhub.subscriptions.manage import MAX_NAME, add_source, resolve_spec, starter_specs

GITHUB_FEEDS = ("releases", "tags", "commits")


@dataclass
class Added:
    id: int
    name: str
    url: str
    created: bool
    notes: list[str] = field(default_factory=list)  # what was found or chosen on the way, for the user
    warnings: list[str] = field(default_factory=list)


def source_options(github_feeds: list[str], max_posts: int | None) -> dict[str, object]:
    """The options of ``source add``'s flags (--releases/--tags/--commits, --max-posts)."""
    if len(github_feeds) > 1:
        raise InvalidInput("give one of --releases, --tags, --commits")
    options: dict[str, object] = {}
    if github_feeds:
        options["github_feed"] = github_feeds[0]
    if max_posts is not None:
        options["max_posts"] = max_posts
    return options


def subscribe(session_scope: Callable[[], Session], settings: Any, url: str, *, name: str | None = None,
              section: str | None = None, kind: str | None = None, options: dict[str, object] | None = None,
              check: bool = True) -> Added:  # fmt: skip
    """Add one source. A feed URL that is a home page is replaced by the feed it links (``check``);
    a server that cannot be reached leaves the URL as given, with a warning."""
    if name is not None and len(name) > MAX_NAME:
        raise InvalidInput(f"--name is {len(name):,} characters long; give at most {MAX_NAME}")
    spec = resolve_spec(url, name=name, section=section, kind=kind, options=options)
    notes: list[str] = []
    warnings: list[str] = []
    if check and spec.kind in ("rss", "jsonfeed") and spec.url.startswith(("http://", "https://")):
        from feedhub.fetch.discover import discover_feed
        from feedhub.fetch.guard import BlockedAddress

        try:
            found = discover_feed(spec.url, settings)
        except NotAFeed:
            raise
        except BlockedAddress as exc:  # every fetch would be refused the same way: do not add it
            raise InvalidInput(f"not added: {exc} (source add --allow-private, and fetch --allow-private or "
                               "[fetch] allow_networks in config.toml)") from None
        except FeedhubError as exc:  # offline, refused, server down: add it as given, say so
            warnings.append(f"could not check {spec.url} ({exc}); added as given")
        else:
            if found.url != spec.url:
                how = "its <link rel=\"alternate\">" if found.how != "common path" else "a common feed path"
                notes.append(f"{spec.url} is not a feed; chose {found.url} ({found.title or 'untitled'}), found through {how}")
                others = [c.url for c in found.candidates if c.url != found.url]
                if others:
                    notes.append("other feeds on the page: " + ", ".join(others[:5]))
                spec.url = found.url
            if not name and found.title:
                spec.name = " ".join(found.title.split())[:200]
    return _add(session_scope, spec, notes, warnings)


def subscribe_starter(session_scope: Callable[[], Session]) -> list[Added]:
    """The curated starter set; sources already there are kept as they are."""
    return [_add(session_scope, spec, [], []) for spec in starter_specs()]


def _add(session_scope: Callable[[], Session], spec: SourceSpec, notes: list[str], warnings: list[str]) -> Added:
    with session_scope() as session, session.begin():
        source, created = add_source(session, spec)
        return Added(source.id, source.name, source.url, created, notes, warnings)
