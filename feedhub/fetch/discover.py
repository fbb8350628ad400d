"""Finding a site's feed from its home page: ``<link rel="alternate">`` first, then a few common paths.

Every candidate is fetched and parsed before it is chosen, so ``source add`` never subscribes to a
link that does not serve a feed. The same guarded client, limits and body cap as ``fetch`` are used.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from feedhub.errors import FeedhubError, NotAFeed
from feedhub.fetch.http import FetchConfig, FetchError, HttpResult, get, make_client

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
    "application/rdf+xml": "rdf",
    "application/xml": "xml",
    "text/xml": "xml",
}
# Tried in order when the page links to no feed (WordPress, Ghost, Hugo, Jekyll, Blogger, Substack ...).
COMMON_PATHS = ("/feed", "/rss", "/feed.xml", "/atom.xml", "/rss.xml", "/index.xml", "/feeds/posts/default", "/?feed=rss2")


@dataclass
class FeedLink:
    url: str
    title: str = ""
    type: str = ""


@dataclass
class Discovery:
    url: str  # the feed chosen
    title: str  # its title, from the feed itself
    how: str  # "feed" (the URL given was one) | "<link rel=alternate>" | "common path"
    candidates: list[FeedLink] = field(default_factory=list)  # every feed the page linked to


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[FeedLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"]
        if tag != "link":
            return
        rels = {r.lower() for r in a.get("rel", "").split()}
        ctype = a.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and ctype in FEED_TYPES and a.get("href"):
            self.links.append(FeedLink(a["href"].strip(), a.get("title", "").strip(), FEED_TYPES[ctype]))


def find_feed_links(html: bytes, base_url: str) -> list[FeedLink]:
    """Feeds a page announces with ``<link rel="alternate">``, absolute, comment feeds last, no duplicates."""
    parser = _LinkParser()
    try:
        parser.feed(html[: 2 * 1024 * 1024].decode("utf-8", "replace"))
        parser.close()
    except Exception:  # html.parser is lenient; a truly broken page just yields what was seen so far
        pass
    base = urljoin(base_url, parser.base) if parser.base else base_url
    seen: set[str] = set()
    links: list[FeedLink] = []
    for link in parser.links:
        url = urljoin(base, link.url)
        if urlsplit(url).scheme not in ("http", "https", "file") or url in seen:
            continue
        seen.add(url)
        links.append(FeedLink(url, link.title, link.type))

    def is_comments(link: FeedLink) -> bool:
        return "comment" in link.title.lower() or "/comments" in link.url.lower()

    return sorted(links, key=is_comments)  # stable: page order otherwise


def _feed_title(http: HttpResult) -> str | None:
    """The feed's title when ``http`` carries a feed, else None."""
    from feedhub.sources import parse

    if http.status != 200 or not http.body:
        return None
    headers = {k: v for k, v in http.headers.items() if k not in ("content-encoding", "content-length")}
    try:
        return parse("rss", http.body, headers).title or ""
    except FeedhubError:
        return None


async def discover(url: str, cfg: FetchConfig) -> Discovery:
    async with make_client(cfg) as client:
        http = await get(client, url, cfg)
        if http.status != 200:
            raise FetchError(f"{url} answered HTTP {http.status}; check the URL")
        title = _feed_title(http)
        if title is not None:
            return Discovery(http.moved_to or url, title, "feed")
        links = find_feed_links(http.body, http.url)
        for link in links:
            try:
                found = await get(client, link.url, cfg)
            except FeedhubError:
                continue
            title = _feed_title(found)
            if title is not None:
                return Discovery(found.moved_to or link.url, title or link.title, "<link rel=alternate>", links)
        parts = urlsplit(http.url)
        root = f"{parts.scheme}://{parts.netloc}"
        for path in COMMON_PATHS:
            candidate = urljoin(root, path)
            if candidate in (url, http.url):
                continue
            try:
                found = await get(client, candidate, cfg)
            except FeedhubError:
                continue
            title = _feed_title(found)
            if title is not None:
                return Discovery(found.moved_to or candidate, title, "common path", links)
    if links:
        raise NotAFeed(f"{url} links to feeds ({', '.join(l.url for l in links[:3])}) but none of them serves a feed now")
    raise NotAFeed(f"no feed found at {url}: the page links to none and none is at the usual paths; give the feed's URL")


def discover_feed(url: str, settings: Any = None, cfg: FetchConfig | None = None) -> Discovery:
    """The synchronous entry point used by ``feedhub source add``."""
    cfg = cfg or FetchConfig.from_settings(settings)
    return asyncio.run(discover(url, cfg))
