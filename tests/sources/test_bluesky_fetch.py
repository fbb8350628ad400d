"""A Bluesky list fetched end to end from a loopback AppView: handle -> DID -> getListFeed -> entries,
papers and repos linked, reposts kept as one story, API errors recorded on the source."""

from __future__ import annotations

import asyncio
import json
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from feedhub.fetch.http import FetchConfig
from feedhub.fetch.runner import fetch_sources
from feedhub.store.db import session_factory
from feedhub.store.models import Entry, EntryRepo, PaperEntry, PaperRepo, Repo, Source
from feedhub.subscriptions.manage import add_source, resolve_spec
from tests.httpserver import FeedServer, Reply, Request
from tests.sources.test_bluesky import ADA, CARD, ENAS, LIN, SAM, list_feed, repost

LIST_URL = "https://bsky.app/profile/ada.example.org/lists/3kmlpeople"
LIST_URI = f"at://{ADA['did']}/app.bsky.graph.list/3kmlpeople"


@pytest.fixture()
def appview(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    with FeedServer() as server:
        monkeypatch.setenv("FEEDHUB_BSKY_APPVIEW", server.url(""))
        yield server


def cfg() -> FetchConfig:
    return FetchConfig(allow_private=True, connect_timeout=2.0, read_timeout=2.0, deadline=5.0)


def add(engine, typed: str = LIST_URL) -> int:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as session, session.begin():
        source, _ = add_source(session, resolve_spec(typed))
        return source.id


def fetch(engine):  # type: ignore[no-untyped-def]
    return asyncio.run(fetch_sources(engine, cfg(), force=True)).results[0]


def query(r: Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(r.target).query)


def json_reply(body: bytes | dict, status: int = 200) -> Reply:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status=status, body=data, content_type="application/json")


def serve_list(server: FeedServer, *items: dict, handle_ok: bool = True) -> None:
    def resolve(r: Request) -> Reply:
        if query(r).get("handle") == ["ada.example.org"] and handle_ok:
            return json_reply({"did": ADA["did"]})
        return json_reply({"error": "InvalidRequest", "message": "Unable to resolve handle"}, status=400)

    def list_feed_route(r: Request) -> Reply:
        q = query(r)
        if q.get("list") != [LIST_URI]:
            return json_reply({"error": "InvalidRequest", "message": "List not found"}, status=400)
        assert q.get("limit") == ["50"]
        return json_reply(list_feed(*items))

    server.route("/xrpc/com.atproto.identity.resolveHandle", resolve)
    server.route("/xrpc/app.bsky.feed.getListFeed", list_feed_route)


def test_list_is_read_and_linked(engine, appview: FeedServer) -> None:  # type: ignore[no-untyped-def]
    serve_list(appview, {"post": ENAS}, repost(ENAS, LIN), {"post": CARD})
    sid = add(engine)
    result = fetch(engine)
    assert result.status == "ok", result.error
    assert result.new == 2  # the repost is the same story as the post
    with session_factory(engine)() as session:
        source = session.get(Source, sid)
        assert source.url == LIST_URL and source.kind == "bluesky" and source.section == "posts"
        entries = {e.key: e for e in session.scalars(select(Entry))}
        assert set(entries) == {ENAS["uri"], CARD["uri"]}
        enas = entries[ENAS["uri"]]
        assert enas.extra["bluesky"]["reposted_by"] == ["lin.example.org"]
        papers = {(p.paper_id, p.entry_id) for p in session.scalars(select(PaperEntry))}
        assert ("1802.03268", enas.id) in papers and ("1802.05365", entries[CARD["uri"]].id) in papers
        repo_names = set(session.scalars(select(Repo.full_name).join(EntryRepo, EntryRepo.repo_id == Repo.id)))
        assert repo_names == {"carpedm20/enas-pytorch"}
        implied = {(p.paper_id, p.provenance) for p in session.scalars(select(PaperRepo))}
        assert ("1802.03268", "mentioned in entry") in implied  # one paper + one repo in one post
    # later: two more reposts of the same post and a new post; the old story is not new again
    serve_list(appview, repost(ENAS, SAM), {"post": ENAS}, repost(CARD, ADA))
    again = fetch(engine)
    assert again.status == "ok" and again.new == 0
    hits = [r.target for r in appview.requests]
    assert sum("resolveHandle" in t for t in hits) == 1  # the DID is remembered for the process


def test_did_in_url_needs_no_lookup(engine, appview: FeedServer) -> None:  # type: ignore[no-untyped-def]
    serve_list(appview, {"post": CARD})
    add(engine, f"https://bsky.app/profile/{ADA['did']}/lists/3kmlpeople")
    assert fetch(engine).status == "ok"
    assert not any("resolveHandle" in r.target for r in appview.requests)


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        ("bad-handle", "handle ada.example.org not found"),
        ("bad-list", "does not know the list"),
        ("server-error", "HTTP 500"),
        ("not-json", "invalid JSON"),
    ],
)
def test_api_errors_are_recorded(engine, appview: FeedServer, setup: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    from feedhub.sources import bluesky

    bluesky._DIDS.clear()
    serve_list(appview, {"post": CARD}, handle_ok=setup != "bad-handle")
    if setup == "bad-list":
        appview.route("/xrpc/app.bsky.feed.getListFeed", json_reply({"error": "InvalidRequest", "message": "List not found"}, 400))
    if setup == "server-error":
        appview.route("/xrpc/app.bsky.feed.getListFeed", Reply(status=500, body=b"oops"))
    if setup == "not-json":
        appview.route("/xrpc/app.bsky.feed.getListFeed", Reply(body=b"{oops", content_type="application/json"))
    sid = add(engine)
    result = fetch(engine)
    assert result.status == "error" and needle in (result.error or ""), result.error
    with session_factory(engine)() as session:
        source = session.get(Source, sid)
        assert source.error_count == 1 and needle in (source.last_error or "") and source.url == LIST_URL


def test_an_api_redirect_does_not_rewrite_the_source_url(engine, appview: FeedServer) -> None:  # type: ignore[no-untyped-def]
    serve_list(appview, {"post": CARD})
    moved = appview.routes["/xrpc/app.bsky.feed.getListFeed"]
    appview.route("/v2/getListFeed", moved)
    appview.route("/xrpc/app.bsky.feed.getListFeed", lambda r: Reply(status=301, location="/v2/getListFeed?" + urlsplit(r.target).query))
    sid = add(engine)
    assert fetch(engine).status == "ok"
    with session_factory(engine)() as session:
        assert session.get(Source, sid).url == LIST_URL


def test_profile_rss_is_a_plain_get(engine, appview: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tests.sources.test_bluesky import ADA as _  # noqa: F401

    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>@ada</title><link>https://bsky.app/profile/ada.example.org</link>'
            b"<item><link>https://bsky.app/profile/did:plc:adaadaadaadaadaadaadaada/post/3l1</link><description>see arxiv.org/abs/1802.03268</description>"
            b'<pubDate>19 Feb 2018 15:02 +0000</pubDate><guid isPermaLink="false">at://did:plc:adaadaadaadaadaadaadaada/app.bsky.feed.post/3l1</guid></item>'
            b"</channel></rss>")
    appview.route("/profile/ada.example.org/rss", Reply(body=body))
    # a profile RSS source whose URL points at the loopback server (kind forced: it is not bsky.app)
    with session_factory(engine)() as session, session.begin():
        from feedhub.subscriptions.manage import SourceSpec

        source, _ = add_source(session, SourceSpec(kind="bluesky", url=appview.url("/profile/ada.example.org/rss")))
    result = fetch(engine)
    assert result.status == "ok" and result.new == 1
