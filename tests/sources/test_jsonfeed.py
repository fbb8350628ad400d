"""JSON Feed 1.0/1.1 as the spec says, on the public samples in ../shared/corpora/jsonfeed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedhub.errors import NotAFeed
from feedhub.sources import jsonfeed, parse


def _samples(corpora: Path) -> list[Path]:
    return sorted((corpora / "jsonfeed").glob("*.json"))


def test_every_sample_parses(corpora: Path) -> None:
    for path in _samples(corpora):
        feed = parse("rss", path.read_bytes())  # detected by content, whatever the source's kind
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert len(feed.entries) == len(raw["items"]), path.name  # issue 18: id-less items kept, not dropped
        assert feed.format.startswith("json1"), path.name
        for entry, item in zip(feed.entries, raw["items"]):
            assert entry.guid == (str(item["id"]).strip() if str(item.get("id", "")).strip() else None)


@pytest.mark.parametrize("name", ["jsonfeed_elastic_1.1", "jsonfeed_example_1", "jsonfeed_spec_1"])
def test_fields_match_feed_rs_oracle(corpora: Path, name: str) -> None:
    """Titles and links as feed-rs reads them. feed-rs invents an id for items that have none (all of
    jsonfeed_elastic_1.1's); feedhub keeps them without one (ingest keys them by URL or content)."""
    raw = json.loads((corpora / "jsonfeed" / f"{name}.json").read_text(encoding="utf-8"))
    feed = jsonfeed.parse((corpora / "jsonfeed" / f"{name}.json").read_bytes())
    expected = json.loads((corpora / "jsonfeed" / "feed-rs_expected" / f"{name}.serde.json").read_text(encoding="utf-8"))
    assert feed.title == expected["title"]["content"]  # plain text kept as written (entities not decoded)
    kept = list(zip(raw["items"], expected["entries"]))
    assert [e.guid for e in feed.entries] == [str(item["id"]) if "id" in item else None for item, _ in kept]
    if name == "jsonfeed_elastic_1.1":  # the real feed of issue 18: 0 of 3 were stored
        assert len(feed.entries) == len(expected["entries"]) == 3
        assert feed.warning and "3 of 3 items have no id" in feed.warning
    for got, (_, exp) in zip(feed.entries, kept):
        if exp.get("title"):
            assert got.title == exp["title"]["content"]
        if exp.get("links"):  # feed-rs parses links with the url crate, which writes an empty path as "/"
            href = exp["links"][0]["href"]
            assert got.link == href or (got.link + "/" == href and got.link.count("/") == 2)


def test_spec_rules() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "t",
            "authors": [{"name": "Feed Author"}],
            "items": [
                {"id": 42, "content_text": "a <b>not html</b>", "title": "x & <y>"},
                {"id": "  ", "content_text": "blank id: dropped"},
                {"content_text": "no id: dropped"},
                {"id": "h", "content_html": "<p>html</p>", "author": {"name": "Old"}, "authors": [{"name": "New"}]},
                {"id": "d", "summary": "s", "date_published": "2018-02-19T10:00:00+09:00"},
            ],
        }
    ).encode()
    feed = jsonfeed.parse(body)
    assert [e.guid for e in feed.entries] == ["42", None, None, "h", "d"]  # blank and missing ids: kept, keyed by content
    first = feed.entries[0]
    assert first.summary == "<p>a &lt;b&gt;not html&lt;/b&gt;</p>"  # content_text is text, escaped
    assert first.title == "x & <y>" and first.title_is_html is False
    assert first.authors == ["Feed Author"]
    assert feed.entries[3].authors == ["New"]  # authors over author
    assert feed.entries[4].published is not None and feed.entries[4].published.hour == 1  # UTC
    assert feed.warning and feed.warning.startswith("2 of 5 items have no id")


@pytest.mark.parametrize("version", ["http://jsonfeed.org/version/1", "https://jsonfeed.org/version/1/", "https://jsonfeed.org/version/1",
                                     "https://www.jsonfeed.org/version/1.1", " https://jsonfeed.org/version/1.1/ "])
def test_version_markers_seen_in_the_wild(version: str) -> None:
    body = json.dumps({"version": version, "title": "t", "items": [{"id": "1", "url": "https://a.example/1", "title": "x"}]}).encode()
    feed = parse("rss", body)
    assert feed.format in ("json1", "json11") and [e.guid for e in feed.entries] == ["1"]


def test_idless_items_are_stored_and_matched_again(engine) -> None:  # type: ignore[no-untyped-def]
    from feedhub.fetch.runner import ingest_source_bytes
    from feedhub.store.db import session_factory
    from feedhub.store.models import Source

    with session_factory(engine)() as s, s.begin():
        src = Source(kind="rss", url="https://blog.example/feed.json", name="b")
        s.add(src)
        s.flush()
        sid = src.id
    body = json.dumps({"version": "http://jsonfeed.org/version/1", "items": [
        {"url": "https://blog.example/a", "title": "A"}, {"url": "https://blog.example/b", "title": "B"},
        {"content_text": "no url either"}]}).encode()
    first = ingest_source_bytes(engine, sid, body)
    assert (first.status, first.new) == ("ok", 3) and "no id" in (first.warning or "")
    again = ingest_source_bytes(engine, sid, body)
    assert (again.new, again.updated) == (0, 0)


@pytest.mark.parametrize("body", [b'{"version": "https://jsonfeed.org/version/1.1", "items": [', b"[1, 2]", b'{"items": []}'])
def test_invalid_json_feed_is_refused_whole(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        jsonfeed.parse(body)
