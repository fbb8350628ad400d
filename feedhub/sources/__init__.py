"""One module per kind of source; each turns bytes (+ headers) into entries, with no I/O.

``parse(kind, body, headers)`` picks the parser: a kind's own module when it has one, else JSON Feed
when the bytes are one, else feedparser (RSS/RDF/Atom).
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping

from feedhub.sources import feed, jsonfeed
from feedhub.sources.base import ParsedEntry, ParsedFeed

__all__ = ["ParsedEntry", "ParsedFeed", "parse", "register_parser"]

Parser = Callable[[bytes, Mapping[str, str] | None], ParsedFeed]
# kind -> "module:function" (imported lazily); kinds without their own parser read RSS/Atom/JSON Feed.
_PARSERS: dict[str, str] = {}


def register_parser(kind: str, target: str) -> None:
    _PARSERS[kind] = target


register_parser("arxiv", "feedhub.sources.arxiv:parse")
# researchers' lists and GitHub (issue 4)
register_parser("github", "feedhub.sources.github:parse")
register_parser("bluesky", "feedhub.sources.bluesky:parse")
register_parser("mastodon", "feedhub.sources.mastodon:parse")
register_parser("x", "feedhub.sources.x:parse")
register_parser("bridge", "feedhub.sources.x:parse_bridge")


def _content_type(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    for k, v in headers.items():
        if k.lower() == "content-type":
            return v
    return None


def parse(kind: str, body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    target = _PARSERS.get(kind)
    if target:
        mod, _, fn = target.partition(":")
        parser: Parser = getattr(importlib.import_module(mod), fn)
        return parser(body, headers)
    if jsonfeed.looks_like_json_feed(body, _content_type(headers)):
        return jsonfeed.parse(body, headers)
    return feed.parse(body, headers)
