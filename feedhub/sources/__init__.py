"""One module per kind of source (see ``kinds``, the one table of them); each turns bytes (+ headers)
into entries with no I/O.

``parse(kind, body, headers)`` picks the parser: the kind's own when it has one, else JSON Feed when
the bytes are one, else the arXiv listing reader when the bytes are a listing (by content, wherever it is
served from), else feedparser (RSS/RDF/Atom).
"""

from __future__ import annotations

from typing import Mapping

from feedhub.sources import arxiv, feed, jsonfeed
from feedhub.sources.base import ParsedEntry, ParsedFeed
from feedhub.sources.kinds import parser_for

__all__ = ["ParsedEntry", "ParsedFeed", "parse"]


def _content_type(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    for k, v in headers.items():
        if k.lower() == "content-type":
            return v
    return None


def parse(kind: str, body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    parser = parser_for(kind)
    if parser is not None:
        return parser(body, headers)  # type: ignore[no-any-return]
    if jsonfeed.looks_like_json_feed(body, _content_type(headers)):
        return jsonfeed.parse(body, headers)
    if arxiv.looks_like_listing(body):
        # an arXiv listing served from anywhere (a mirror, a proxy, a saved file) is read as one
        return arxiv.parse(body, headers)
    return feed.parse(body, headers)
