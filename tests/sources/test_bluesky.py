"""Bluesky: getListFeed JSON (facets, link cards, quotes, reposts) and profile RSS, built from the lexicons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from feedhub.errors import InvalidInput, NotAFeed
from feedhub.sources import parse
from feedhub.sources.bluesky import rich_text
from feedhub.subscriptions.manage import resolve_spec

ADA = {"did": "did:plc:adaadaadaadaadaadaadaada", "handle": "ada.example.org", "displayName": "Ada Example"}
LIN = {"did": "did:plc:linlinlinlinlinlinlinlinl", "handle": "lin.example.org", "displayName": "Lin"}
SAM = {"did": "did:plc:samsamsamsamsamsamsamsams", "handle": "sam.example.org"}


def facet(text: str, shown: str, uri: str) -> dict[str, Any]:
    """A link facet over ``shown`` in ``text``, as byte offsets in UTF-8 (the lexicon's rule)."""
    start = text.encode().index(shown.encode())
    return {"index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}


def post(author: dict, rkey: str, text: str, facets: list | None = None, created: str = "2018-02-19T15:02:00.000Z",
         embed: dict | None = None, record_embed: dict | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created, "langs": ["en"]}
    if facets:
        record["facets"] = facets
    if record_embed:
        record["embed"] = record_embed
    view = {"uri": f"at://{author['did']}/app.bsky.feed.post/{rkey}", "cid": f"bafy{rkey}", "author": author,
            "record": record, "indexedAt": created, "likeCount": 3, "repostCount": 1, "replyCount": 0}
    if embed:
        view["embed"] = embed
    return view


ENAS_TEXT = "ENAS — one GPU, under a day 🚀 arxiv.org/abs/1802.0326... code: github.com/carpedm20/ENAS..."
ENAS = post(ADA, "3lenas0000001", ENAS_TEXT, [
    facet(ENAS_TEXT, "arxiv.org/abs/1802.0326...", "https://arxiv.org/abs/1802.03268"),
    facet(ENAS_TEXT, "github.com/carpedm20/ENAS...", "https://github.com/carpedm20/ENAS-pytorch"),
])
CARD = post(LIN, "3lelmo0000002", "Contextual word vectors, big gains on SQuAD", embed={
    "$type": "app.bsky.embed.external#view",
    "external": {"uri": "https://arxiv.org/abs/1802.05365", "title": "Deep contextualized word representations", "description": "ELMo"},
})
QUOTE = post(SAM, "3lquote000003", "This one is worth a read", embed={
    "$type": "app.bsky.embed.record#view",
    "record": {"$type": "app.bsky.embed.record#viewRecord", "uri": ENAS["uri"], "cid": ENAS["cid"], "author": ADA,
               "value": {"text": "see arxiv.org/abs/1802.04697", "facets": [facet("see arxiv.org/abs/1802.04697", "arxiv.org/abs/1802.04697", "https://arxiv.org/abs/1802.04697")]}},
})


def list_feed(*items: dict) -> bytes:
    return json.dumps({"feed": list(items), "cursor": "3lcursor"}).encode()


def repost(view: dict, by: dict) -> dict:
    return {"post": view, "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": by, "indexedAt": "2018-02-20T10:00:00.000Z"}}


def test_facets_expand_to_full_urls() -> None:
    feed = parse("bluesky", list_feed({"post": ENAS}))
    (e,) = feed.entries
    assert e.guid == ENAS["uri"]
    assert e.link == "https://bsky.app/profile/did:plc:adaadaadaadaadaadaadaada/post/3lenas0000001"
    assert 'href="https://arxiv.org/abs/1802.03268"' in e.summary
    assert 'href="https://github.com/carpedm20/ENAS-pytorch"' in e.summary
    assert e.extra["links"] == ["https://arxiv.org/abs/1802.03268", "https://github.com/carpedm20/ENAS-pytorch"]
    assert e.authors == ["Ada Example (@ada.example.org)"]
    assert e.title.startswith("ENAS — one GPU") and not e.title_is_html
    assert e.published is not None and e.published.isoformat() == "2018-02-19T15:02:00+00:00"
    assert e.extra["bluesky"]["like_count"] == 3


def test_link_card_and_quote_are_in_the_summary() -> None:
    feed = parse("bluesky", list_feed({"post": CARD}, {"post": QUOTE}))
    card, quote = feed.entries
    assert "https://arxiv.org/abs/1802.05365" in card.extra["links"] and "Deep contextualized" in card.summary
    assert "https://arxiv.org/abs/1802.04697" in quote.extra["links"] and "<blockquote>" in quote.summary
    assert quote.extra["bluesky"]["quotes"] == ENAS["uri"]


def test_reposts_are_one_entry_keyed_by_the_original() -> None:
    feed = parse("bluesky", list_feed({"post": ENAS}, repost(ENAS, LIN), repost(ENAS, SAM), {"post": CARD}))
    assert [e.guid for e in feed.entries] == [ENAS["uri"], CARD["uri"]]
    assert feed.entries[0].extra["bluesky"]["reposted_by"] == ["lin.example.org", "sam.example.org"]
    only_reposts = parse("bluesky", list_feed(repost(ENAS, LIN)))
    assert only_reposts.entries[0].guid == ENAS["uri"]  # same key as the original post: one story
    assert only_reposts.entries[0].authors == ["Ada Example (@ada.example.org)"]


@pytest.mark.parametrize(
    ("text", "facets", "expected_html", "links"),
    [
        ("plain <b>text</b> & more", None, "plain &lt;b&gt;text&lt;/b&gt; &amp; more", []),
        ("two\nlines", [], "two<br>lines", []),
        # byte range past the end, a range that splits "é", a non-http URI: all ignored, text kept
        ("café x", [{"index": {"byteStart": 0, "byteEnd": 99}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://a.example"}]}], "café x", []),
        ("café x", [{"index": {"byteStart": 0, "byteEnd": 4}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://a.example"}]}], "café x", []),
        ("go x", [{"index": {"byteStart": 3, "byteEnd": 4}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}]}], "go x", []),
        ("#ml rocks", [{"index": {"byteStart": 0, "byteEnd": 3}, "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "ml"}]}],
         '<a href="https://bsky.app/hashtag/ml">#ml</a> rocks', []),
        ("🚀 x.y/z", [{"index": {"byteStart": 5, "byteEnd": 10}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x.y/z/full"}]}],
         '🚀 <a href="https://x.y/z/full">https://x.y/z/full</a>', ["https://x.y/z/full"]),
        ("junk", "not a list", "junk", []),
    ],
)
def test_rich_text(text: str, facets: Any, expected_html: str, links: list[str]) -> None:
    html, found, _ = rich_text(text, facets)
    assert html == expected_html and found == links


def test_profile_rss() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>@ada.example.org - Ada Example</title>
    <link>https://bsky.app/profile/ada.example.org</link><description>ML</description>
    <item><link>https://bsky.app/profile/did:plc:adaadaadaadaadaadaadaada/post/3lenas0000001</link>
    <description>ENAS in a day arxiv.org/abs/1802.03268</description><pubDate>19 Feb 2018 15:02 +0000</pubDate>
    <guid isPermaLink="false">at://did:plc:adaadaadaadaadaadaadaada/app.bsky.feed.post/3lenas0000001</guid></item></channel></rss>"""
    (e,) = parse("bluesky", body).entries
    assert e.title == "ENAS in a day arxiv.org/abs/1802.03268" and e.guid == ENAS["uri"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "invalid JSON"),
        (b'{"error":"InvalidRequest","message":"List not found"}', "List not found"),
        (b'{"posts": []}', "not a Bluesky list feed"),
        (b"[]", "not a Bluesky list feed"),
        (b"", "empty body"),
    ],
)
def test_bad_bodies(body: bytes, needle: str) -> None:
    with pytest.raises(NotAFeed, match=needle):
        parse("bluesky", body)


def test_malformed_items_are_skipped() -> None:
    feed = parse("bluesky", list_feed({"post": None}, {"post": {"uri": 5}}, "junk", {"post": ENAS}))  # type: ignore[arg-type]
    assert [e.guid for e in feed.entries] == [ENAS["uri"]]


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("https://bsky.app/profile/Ada.Example.org/lists/3kxyzabc", "https://bsky.app/profile/ada.example.org/lists/3kxyzabc"),
        ("https://bsky.app/profile/did:plc:adaadaadaadaadaadaadaada/lists/3kxyzabc/", "https://bsky.app/profile/did:plc:adaadaadaadaadaadaadaada/lists/3kxyzabc"),
        ("bsky:ada.example.org/lists/3kxyzabc", "https://bsky.app/profile/ada.example.org/lists/3kxyzabc"),
        ("bsky:@ada.example.org/3kxyzabc", "https://bsky.app/profile/ada.example.org/lists/3kxyzabc"),
        ("bsky:at://did:plc:adaadaadaadaadaadaadaada/app.bsky.graph.list/3kxyzabc", "https://bsky.app/profile/did:plc:adaadaadaadaadaadaadaada/lists/3kxyzabc"),
        ("bsky:ada.example.org", "https://bsky.app/profile/ada.example.org/rss"),
        ("https://bsky.app/profile/ada.example.org", "https://bsky.app/profile/ada.example.org/rss"),
        ("https://bsky.app/profile/ada.example.org/rss", "https://bsky.app/profile/ada.example.org/rss"),
    ],
)
def test_bluesky_specs(typed: str, url: str) -> None:
    spec = resolve_spec(typed)
    assert (spec.kind, spec.url, spec.section) == ("bluesky", url, "posts")


@pytest.mark.parametrize(
    "typed",
    ["bsky:", "bsky:not a handle/lists/x", "bsky:ada.example.org/lists/", "bsky:ada/lists/x", "bsky:ada.example.org/lists/a/b",
     "bsky:https://example.org/profile/x", "bsky:did:plc:short/lists/x"],
)
def test_bluesky_bad_specs(typed: str) -> None:
    with pytest.raises(InvalidInput):
        resolve_spec(typed)
