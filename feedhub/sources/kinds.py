"""The one table of source kinds: what each kind is, and where its code lives.

Each kind's module (``feedhub.sources.<module>``) owns everything about it: its parser (bytes in,
entries out), its fetcher when the source URL is not the URL to GET (an API), the recognizer that
says whether a plain URL is one of its sources, its shorthands (``github:owner/name``), its default
section and the options a source of that kind accepts. Adding a kind means writing its module and
one line here; nothing else names kinds.

Functions are referenced by name and imported when first used, so ``feedhub --help`` stays light.
Signatures:

* parser: ``parse(body: bytes, headers: Mapping[str, str] | None) -> ParsedFeed``
* fetcher: ``async fetch(get: Get, url, *, etag, last_modified, options, settings) -> HttpResult``;
  ``get`` is the run's guarded GET (``feedhub.sources.base.Get``); a fetcher raises ``FetchError``
  with a one-line message for what only it can explain
* recognizer: ``recognize(url, forced: bool, options) -> SourceSpec | None`` (``forced``: the user said
  ``--kind`` this kind); it may raise ``InvalidInput`` for a URL of its site that it cannot follow
* shorthand: ``shorthand(rest, options) -> SourceSpec`` for ``prefix:rest``
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

SECTIONS = ("news", "posts", "code", "papers")


@dataclass(frozen=True)
class Kind:
    name: str
    module: str  # under feedhub.sources
    parser: str | None = "parse"  # None: the generic reader (RSS/RDF/Atom, or JSON Feed by its bytes)
    fetcher: str | None = None
    recognizer: str | None = None
    shorthands: Mapping[str, str] = field(default_factory=dict)  # prefix -> function name
    section: str | None = None  # the section its entries feed by default (None: by the story)
    label: str = ""  # how messages name its sources ("X lists")
    # source options this kind accepts -> the `source add` flag that sets it ({value}: the option's value)
    options: Mapping[str, str] = field(default_factory=dict)

    def function(self, name: str) -> Callable[..., Any]:
        return getattr(importlib.import_module(f"feedhub.sources.{self.module}"), name)  # type: ignore[no-any-return]


# Plain URLs are offered to the recognizers in this order (an arXiv listing before GitHub, ...).
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("rss", "feed", parser=None),
    Kind("jsonfeed", "jsonfeed", parser=None),
    Kind("arxiv", "arxiv", recognizer="recognize", shorthands={"arxiv": "shorthand"}, section="papers"),
    Kind("github", "github", recognizer="recognize", shorthands={"github": "shorthand"}, section="code",
         label="github: sources", options={"github_feed": "--{value}"}),
    Kind("bluesky", "bluesky", fetcher="fetch", recognizer="recognize", shorthands={"bsky": "shorthand"},
         section="posts", label="Bluesky lists", options={"limit": "--limit"}),
    Kind("x", "x", fetcher="fetch", recognizer="recognize", shorthands={"x": "shorthand"}, section="posts",
         label="X lists", options={"max_posts": "--max-posts", "interval_minutes": "--interval-minutes"}),
    Kind("mastodon", "mastodon", recognizer="recognize", shorthands={"mastodon": "shorthand"}, section="posts"),
    Kind("bridge", "x", parser="parse_bridge", recognizer="recognize_bridge", section="posts"),
)}  # fmt: skip
SOURCE_KINDS = tuple(KINDS)
SHORTHANDS: dict[str, Kind] = {prefix: k for k in KINDS.values() for prefix in k.shorthands}


def kind(name: str) -> Kind:
    from feedhub.errors import InvalidInput

    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput(f"unknown kind {name!r}; use one of: {', '.join(KINDS)}") from None


def parser_for(name: str) -> Callable[..., Any] | None:
    k = KINDS.get(name)
    return k.function(k.parser) if k is not None and k.parser else None


def fetcher_for(name: str) -> Callable[..., Any] | None:
    """The kind's API fetcher, or None: a plain conditional GET of the source URL, as for any feed."""
    k = KINDS.get(name)
    return k.function(k.fetcher) if k is not None and k.fetcher else None
