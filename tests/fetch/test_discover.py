"""Finding a feed from a home page: <link rel="alternate">, then common paths; every pick is verified."""

from __future__ import annotations

import asyncio

import pytest

from feedhub.errors import NotAFeed
from feedhub.fetch.discover import discover, find_feed_links
from tests.httpserver import Reply, rss

HOME = b"""<!doctype html><html><head><title>Lab</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments/feed/">
<link rel="alternate" type="application/atom+xml" title="Posts" href="feed.atom">
<link rel="alternate" type="application/rss+xml" title="Posts" href="https://example.org/feed.atom">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
</head><body><a href="/rss.xml">rss</a></body></html>"""


def test_find_feed_links_absolute_comments_last_no_duplicates() -> None:
    links = find_feed_links(HOME, "https://example.org/blog/")
    assert [(l.url, l.type) for l in links] == [
        ("https://example.org/blog/feed.atom", "atom"),
        ("https://example.org/feed.atom", "rss"),
        ("https://example.org/comments/feed/", "rss"),
    ]


def test_find_feed_links_honours_base_and_survives_junk() -> None:
    page = b'<html><head><base href="https://cdn.example/x/"><link rel="Alternate Feed" type="application/feed+json" href="f.json"></head>'
    assert [l.url for l in find_feed_links(page, "https://example.org/")] == ["https://cdn.example/x/f.json"]
    assert find_feed_links(b"\xff\xfe<<<not html", "https://example.org/") == []


def test_discover_picks_the_linked_feed(server, cfg) -> None:
    server.route("/", Reply(body=HOME.replace(b"https://example.org", server.url("").encode()), content_type="text/html"))
    server.route("/feed.atom", Reply(body=rss(title="Lab posts")))
    found = asyncio.run(discover(server.url("/"), cfg))
    assert (found.url, found.title, found.how) == (server.url("/feed.atom"), "Lab posts", "<link rel=alternate>")


def test_discover_skips_a_dead_link_and_falls_back_to_common_paths(server, cfg) -> None:
    page = b'<html><head><link rel="alternate" type="application/rss+xml" href="/dead.xml"></head></html>'
    server.route("/", Reply(body=page, content_type="text/html"))
    server.route("/rss", Reply(body=rss(title="Found by path")))
    found = asyncio.run(discover(server.url("/"), cfg))
    assert (found.url, found.how) == (server.url("/rss"), "common path")


def test_discover_accepts_a_feed_url_as_is(server, cfg) -> None:
    url = server.route("/feed.xml", Reply(body=rss(title="Direct")))
    found = asyncio.run(discover(url, cfg))
    assert (found.url, found.title, found.how) == (url, "Direct", "feed")


def test_discover_says_when_there_is_no_feed(server, cfg) -> None:
    server.route("/", Reply(body=b"<html><head></head><body>no feeds</body></html>", content_type="text/html"))
    with pytest.raises(NotAFeed, match="no feed found"):
        asyncio.run(discover(server.url("/"), cfg))
