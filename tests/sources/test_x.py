"""X: list-tweets JSON (API v2) and RSS bridges (Nitter, RSSHub), built from the API's documented shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from feedhub.errors import FeedhubError, InvalidInput, NotAFeed
from feedhub.sources import parse
from feedhub.subscriptions.manage import resolve_spec

USERS = [{"id": "11", "name": "Ada Example", "username": "AdaExample"}, {"id": "22", "name": "Lin", "username": "lin_ml"}]


def tweet(tid: str, author: str, text: str, urls: list[dict] | None = None, refs: list[dict] | None = None,
          created: str = "2018-02-19T15:02:00.000Z") -> dict[str, Any]:
    t: dict[str, Any] = {"id": tid, "author_id": author, "text": text, "created_at": created, "edit_history_tweet_ids": [tid]}
    if urls:
        t["entities"] = {"urls": urls}
    if refs:
        t["referenced_tweets"] = refs
    return t


def url(tco: str, full: str, display: str, start: int = 0, unwound: str | None = None) -> dict[str, Any]:
    u = {"start": start, "end": start + len(tco), "url": tco, "expanded_url": full, "display_url": display}
    if unwound:
        u["unwound_url"] = unwound
    return u


ORIGINAL = tweet("1001", "11", "ENAS &amp; weight sharing https://t.co/AAA code https://t.co/BBB",
                 [url("https://t.co/AAA", "https://arxiv.org/abs/1802.03268", "arxiv.org/abs/1802.0…"),
                  url("https://t.co/BBB", "https://bit.ly/x", "bit.ly/x", unwound="https://github.com/carpedm20/ENAS-pytorch")])
RETWEET = tweet("2002", "22", "RT @AdaExample: ENAS &amp; weight sharing https://t.co/AAA code https://t.co/BB…",
                [url("https://t.co/AAA", "https://arxiv.org/abs/1802.03268", "arxiv.org/abs/1802.0…")],
                [{"type": "retweeted", "id": "1001"}], created="2018-02-20T08:00:00.000Z")


def answer(*tweets: dict, users: list[dict] = USERS) -> bytes:
    return json.dumps({"data": list(tweets), "includes": {"users": users},
                       "meta": {"result_count": len(tweets), "next_token": "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"}}).encode()


def test_tco_links_are_expanded() -> None:
    (e,) = parse("x", answer(ORIGINAL)).entries
    assert e.guid == "x:1001" and e.link == "https://x.com/adaexample/status/1001"
    assert e.extra["links"] == ["https://arxiv.org/abs/1802.03268", "https://github.com/carpedm20/ENAS-pytorch"]
    assert 'href="https://arxiv.org/abs/1802.03268"' in e.summary and "t.co" not in e.summary
    assert e.title == "ENAS & weight sharing https://arxiv.org/abs/1802.03268 code https://github.com/carpedm20/ENAS-pytorch"
    assert e.authors == ["Ada Example (@AdaExample)"]
    assert e.published is not None and e.published.isoformat() == "2018-02-19T15:02:00+00:00"


def test_retweet_keys_to_the_original() -> None:
    (only_rt,) = parse("x", answer(RETWEET)).entries
    assert only_rt.guid == "x:1001" and only_rt.link == "https://x.com/adaexample/status/1001"
    assert only_rt.authors == ["@AdaExample"] and only_rt.extra["x"]["reposted_by"] == ["lin_ml"]
    assert not only_rt.title.startswith("RT @")
    both = parse("x", answer(RETWEET, ORIGINAL)).entries
    assert len(both) == 1
    kept = both[0]
    assert "repost_id" not in kept.extra["x"]  # the original's complete text wins over the truncated retweet
    assert kept.extra["x"]["reposted_by"] == ["lin_ml"]
    assert "https://github.com/carpedm20/ENAS-pytorch" in kept.extra["links"]


def test_quotes_and_replies_are_their_own_posts() -> None:
    quote = tweet("3003", "22", "worth reading", refs=[{"type": "quoted", "id": "1001"}])
    reply = tweet("4004", "22", "@AdaExample nice", refs=[{"type": "replied_to", "id": "1001"}])
    entries = parse("x", answer(quote, reply)).entries
    assert [(e.guid, e.extra["x"].get("quotes"), e.extra["x"].get("reply_to")) for e in entries] == [
        ("x:3003", "1001", None), ("x:4004", None, "1001")]


def test_empty_list_and_unknown_author() -> None:
    assert parse("x", b'{"meta": {"result_count": 0}}').entries == []
    (e,) = parse("x", answer(tweet("5005", "99", "hello"), users=[])).entries
    assert e.link == "https://x.com/i/status/5005" and e.authors == []


@pytest.mark.parametrize(
    ("body", "error", "needle"),
    [
        (b'{"errors": [{"detail": "Could not find list with id: [1].", "title": "Not Found Error"}]}', FeedhubError, "Could not find list"),
        (b"not json", NotAFeed, "invalid JSON"),
        (b"[1, 2]", NotAFeed, "not an X API answer"),
        (b'{"hello": 1}', NotAFeed, "no \"data\""),
    ],
)
def test_bad_answers(body: bytes, error: type, needle: str) -> None:
    with pytest.raises(error, match=needle):
        parse("x", body)


NITTER = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Lin / @lin_ml</title><link>https://nitter.example.net/lin_ml</link><description>Twitter feed</description>
<item><title>RT by @lin_ml: ENAS &amp; weight sharing</title><dc:creator>@AdaExample</dc:creator>
<description>&lt;p&gt;ENAS &lt;a href="https://arxiv.org/abs/1802.03268"&gt;arxiv.org/abs/1802.03268&lt;/a&gt;&lt;/p&gt;</description>
<pubDate>Mon, 19 Feb 2018 15:02:00 GMT</pubDate><guid>https://nitter.example.net/AdaExample/status/1001#m</guid>
<link>https://nitter.example.net/AdaExample/status/1001#m</link></item>
<item><title>my own post</title><dc:creator>@lin_ml</dc:creator><description>hi</description>
<pubDate>Tue, 20 Feb 2018 15:02:00 GMT</pubDate><guid>https://nitter.example.net/lin_ml/status/2002#m</guid>
<link>https://nitter.example.net/lin_ml/status/2002#m</link></item>
<item><title>not a tweet</title><link>https://example.org/page</link><guid>page-1</guid></item>
</channel></rss>"""


def test_bridge_links_become_x_links() -> None:
    entries = parse("bridge", NITTER).entries
    assert [(e.guid, e.link) for e in entries] == [
        ("x:1001", "https://x.com/adaexample/status/1001"),
        ("x:2002", "https://x.com/lin_ml/status/2002"),
        ("page-1", "https://example.org/page"),
    ]
    assert entries[0].title == "ENAS & weight sharing" and entries[0].authors == ["@AdaExample"]
    assert entries[0].extra["x"]["reposted_by"] == ["lin_ml"]


@pytest.mark.parametrize(
    ("typed", "kind", "url"),
    [
        ("https://x.com/i/lists/1234567890", "x", "https://x.com/i/lists/1234567890"),
        ("https://twitter.com/i/lists/1234567890/", "x", "https://x.com/i/lists/1234567890"),
        ("x:list/1234567890", "x", "https://x.com/i/lists/1234567890"),
        ("x:https://mobile.twitter.com/i/lists/42", "x", "https://x.com/i/lists/42"),
        ("https://nitter.net/karpathy/rss", "bridge", "https://nitter.net/karpathy/rss"),
        ("https://rsshub.app/twitter/user/karpathy", "bridge", "https://rsshub.app/twitter/user/karpathy"),
        ("https://bridge.example.org/feed.xml", "rss", "https://bridge.example.org/feed.xml"),
    ],
)
def test_x_and_bridge_specs(typed: str, kind: str, url: str) -> None:
    spec = resolve_spec(typed)
    assert (spec.kind, spec.url) == (kind, url)
    if kind == "x":
        assert spec.options == {"max_posts": 20, "interval_minutes": 240} and spec.section == "posts"


def test_bridge_kind_forced_and_max_posts_option() -> None:
    assert resolve_spec("https://bridge.example.org/feed.xml", kind="bridge").kind == "bridge"
    assert resolve_spec("https://x.com/i/lists/7", options={"max_posts": 5}).options == {"max_posts": 5, "interval_minutes": 240}


@pytest.mark.parametrize("typed", ["https://x.com/karpathy", "https://twitter.com/home", "x:list/abc", "x:", "x:https://example.org/i/lists/1"])
def test_x_bad_specs(typed: str) -> None:
    with pytest.raises(InvalidInput):
        resolve_spec(typed)
