"""Parse-and-store: keys, in-place updates, dates, warnings, and one transaction per source."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from feedhub.errors import FeedhubError
from feedhub.fetch.ingest import entry_key
from feedhub.fetch.runner import ingest_source_bytes
from feedhub.sources.base import ParsedEntry
from feedhub.store.db import session_factory
from feedhub.store.models import Entry, Source


def rss(*items: str) -> bytes:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>'
            + "".join(items) + "</channel></rss>").encode()


def item(guid: str | None = None, title: str = "t", link: str | None = None, desc: str = "", date: str | None = None) -> str:
    parts = [f"<title>{title}</title>"]
    if guid:
        parts.append(f"<guid isPermaLink='false'>{guid}</guid>")
    if link:
        parts.append(f"<link>{link}</link>")
    if desc:
        parts.append(f"<description><![CDATA[{desc}]]></description>")
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def add_source(engine, url: str = "https://t.example/feed") -> int:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s, s.begin():
        src = Source(kind="rss", url=url, name=url)
        s.add(src)
        s.flush()
        return src.id


def entries(engine, sid: int) -> list[Entry]:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s:
        return list(s.scalars(select(Entry).where(Entry.source_id == sid).order_by(Entry.id)))


def test_new_unchanged_updated(engine) -> None:  # type: ignore[no-untyped-def]
    sid = add_source(engine)
    body = rss(item("a", "First", "https://t.example/1", "<p>one</p>"), item("b", "Second", "https://t.example/2"))
    r = ingest_source_bytes(engine, sid, body)
    assert (r.status, r.new, r.updated) == ("ok", 2, 0)
    first_id = entries(engine, sid)[0].id
    r = ingest_source_bytes(engine, sid, body)
    assert (r.new, r.updated) == (0, 0)
    r = ingest_source_bytes(engine, sid, rss(item("a", "First (corrected)", "https://t.example/1", "<p>one</p>"), item("b", "Second", "https://t.example/2")))
    assert (r.new, r.updated) == (0, 1)
    stored = entries(engine, sid)
    assert len(stored) == 2
    assert stored[0].id == first_id and stored[0].title == "First (corrected)"  # updated in place


def test_keys_guid_then_url_then_hash() -> None:
    assert entry_key(ParsedEntry(guid="g1", link="https://x.example/a", title="t", summary="")) == "g1"
    by_url = entry_key(ParsedEntry(guid=None, link="https://www.x.example/a/?utm_source=z#frag", title="t", summary=""))
    assert by_url == entry_key(ParsedEntry(guid=None, link="http://x.example/a", title=" t ", summary="x"))
    # Issue 18: the link alone collapsed distinct items sharing it; the title (or enclosure, or date) tells them apart.
    assert by_url != entry_key(ParsedEntry(guid=None, link="http://x.example/a", title="other", summary="x"))
    h1 = entry_key(ParsedEntry(guid=None, link=None, title="t", summary="s"))
    assert h1.startswith("sha256:") and h1 != entry_key(ParsedEntry(guid=None, link=None, title="t", summary="s2"))


def test_dates_missing_future_and_timezones(engine) -> None:  # type: ignore[no-untyped-def]
    sid = add_source(engine)
    before = datetime.now(timezone.utc)
    body = rss(
        item("dated", date="Mon, 19 Feb 2018 10:00:00 +0900"),
        item("undated"),
        item("future", date="Tue, 01 Jan 2999 00:00:00 GMT"),
        item("slip", date=(before + timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")),
    )
    ingest_source_bytes(engine, sid, body)
    by_key = {e.key: e for e in entries(engine, sid)}
    assert by_key["dated"].published_at == datetime(2018, 2, 19, 1, 0, tzinfo=timezone.utc)
    undated = by_key["undated"]
    assert undated.published_at == undated.first_seen_at and undated.published_at >= before
    # far ahead: the item's own date places it (in its own week, never this one); a few hours ahead: a clock slip, now
    assert by_key["future"].published_at == datetime(2999, 1, 1, tzinfo=timezone.utc) and not by_key["future"].backlog
    assert before <= by_key["slip"].published_at <= datetime.now(timezone.utc)
    # A later change keeps an undated entry's first-seen date instead of moving it to now.
    ingest_source_bytes(engine, sid, rss(item("dated", date="Mon, 19 Feb 2018 10:00:00 +0900"), item("undated", title="changed")))
    again = {e.key: e for e in entries(engine, sid)}["undated"]
    assert again.title == "changed" and again.published_at == undated.published_at


def test_summary_sanitized_and_title_plain(engine) -> None:  # type: ignore[no-untyped-def]
    sid = add_source(engine)
    ingest_source_bytes(engine, sid, rss(item("x", "&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more", "https://t.example/x?utm_medium=m&id=1",
                                              '<p onclick="x()">hi<script>alert(1)</script><a href="https://a.example/">a</a></p>')))
    e = entries(engine, sid)[0]
    assert e.title == "Bold & more"
    assert e.summary == '<p>hi<a href="https://a.example/" rel="noopener noreferrer">a</a></p>'
    assert e.link == "https://t.example/x?id=1"


def test_malformed_xml_keeps_what_was_recovered_and_warns(engine) -> None:  # type: ignore[no-untyped-def]
    sid = add_source(engine)
    body = rss(item("ok1", "Fine"), item("ok2", "Also fine")).replace(b"</channel>", b"<broken attr=></channel>")
    r = ingest_source_bytes(engine, sid, body)
    assert r.status == "ok" and r.new == 2 and r.warning
    with session_factory(engine)() as s:
        assert s.get(Source, sid).last_warning  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"", "empty body"), (b"<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>", "HTML page"),
     (b"just some text", "not a feed")],
)
def test_not_a_feed_is_one_line_and_keeps_stored_entries(engine, body: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    sid = add_source(engine)
    ingest_source_bytes(engine, sid, rss(item("keep", "Kept")))
    r = ingest_source_bytes(engine, sid, body)
    assert r.status == "error" and message in (r.error or "") and "\n" not in (r.error or "")
    assert [e.key for e in entries(engine, sid)] == ["keep"]
    with session_factory(engine)() as s:
        src = s.get(Source, sid)
        assert src is not None and src.error_count == 1 and src.last_error == r.error


def test_a_source_failing_midway_rolls_back_alone(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    good = add_source(engine, "https://good.example/feed")
    bad = add_source(engine, "https://bad.example/feed")
    ingest_source_bytes(engine, bad, rss(item("old", "Old")))
    import feedhub.papers.graph as graph

    real = graph.link_entries

    def failing(session, ids, **kw):  # type: ignore[no-untyped-def]
        real(session, ids, **kw)
        raise FeedhubError("simulated failure after the entries were written")

    monkeypatch.setattr(graph, "link_entries", failing)
    r = ingest_source_bytes(engine, bad, rss(item("old", "Old"), item("new1", "New 1"), item("new2", "New 2")))
    assert r.status == "error"
    monkeypatch.setattr(graph, "link_entries", real)
    r = ingest_source_bytes(engine, good, rss(item("g", "Good")))
    assert r.status == "ok" and r.new == 1
    assert [e.key for e in entries(engine, bad)] == ["old"]  # the half-written source rolled back alone
    assert [e.key for e in entries(engine, good)] == ["g"]


def test_guidless_items_sharing_a_link_stay_distinct_and_refetch_matches(engine) -> None:  # type: ignore[no-untyped-def]
    # The shape of simplepie's rss20/phd.xml: every item links to the same home page, no guid.
    sid = add_source(engine)
    body = rss(*(item(None, f"Comic {n}", "https://phd.example/", date=f"Mon, 0{n} Jan 2018 10:00:00 GMT") for n in (1, 2, 3)))
    r = ingest_source_bytes(engine, sid, body)
    assert (r.status, r.new) == ("ok", 3)
    assert sorted(e.title for e in entries(engine, sid)) == ["Comic 1", "Comic 2", "Comic 3"]
    r = ingest_source_bytes(engine, sid, body)
    assert (r.new, r.updated) == (0, 0)


def test_podcast_episodes_sharing_a_link_and_title_are_told_apart_by_enclosure(engine) -> None:  # type: ignore[no-untyped-def]
    # The shape of simplepie's rss20/podcast_europe1.xml: one show page, one show title, an mp3 each.
    sid = add_source(engine)
    episodes = "".join(f"<item><title>La chronique</title><link>https://radio.example/show</link>"
                       f"<enclosure url='https://radio.example/ep{n}.mp3' type='audio/mpeg' length='1'/></item>" for n in (1, 2, 3))
    body = rss(episodes)
    assert ingest_source_bytes(engine, sid, body).new == 3
    r = ingest_source_bytes(engine, sid, body)
    assert (r.new, r.updated) == (0, 0)


def test_an_entry_stored_under_its_link_alone_is_matched_after_the_upgrade(engine) -> None:  # type: ignore[no-untyped-def]
    # A store written before issue 18 keyed a GUID-less item by its link: the re-fetch updates that
    # entry (same id, new key) instead of adding a copy.
    from feedhub.fetch.ingest import legacy_link_key

    sid = add_source(engine)
    ingest_source_bytes(engine, sid, rss(item(None, "Post", "https://blog.example/p")))
    with session_factory(engine)() as s, s.begin():
        stored = s.scalars(select(Entry).where(Entry.source_id == sid)).one()
        stored.key = legacy_link_key("https://blog.example/p")
        old_id = stored.id
    r = ingest_source_bytes(engine, sid, rss(item(None, "Post", "https://blog.example/p")))
    assert (r.new, r.updated) == (0, 1)
    (after,) = entries(engine, sid)
    assert after.id == old_id and after.key != legacy_link_key("https://blog.example/p")
    assert ingest_source_bytes(engine, sid, rss(item(None, "Post", "https://blog.example/p"))).updated == 0


def test_characters_xml_forbids_never_enter_the_store(engine) -> None:  # type: ignore[no-untyped-def]
    from feedhub.fetch.ingest import store_feed
    from feedhub.sources.base import ParsedFeed

    sid = add_source(engine)
    bad = "A\x0bB\x0cC\x07D\x1b[2J\x85E\ufffeF"
    feed = ParsedFeed("T", None, [ParsedEntry(guid="g", link="https://t.example/x", title=bad, summary=f"<p>{bad}</p>",
                                              authors=[bad], tags=[bad], title_is_html=False)], "rss20")
    with session_factory(engine)() as s, s.begin():
        store_feed(s, s.get(Source, sid), feed)
    (e,) = entries(engine, sid)
    assert e.title == "A B CD[2J EF"  # VT, FF and NEL are whitespace in a title; BEL, ESC and U+FFFE are dropped
    for text in (e.summary, *e.authors, *e.tags):
        assert not set(text) & set("\x0b\x0c\x07\x1b\x85\ufffe"), text
        assert "D[2J" in text
