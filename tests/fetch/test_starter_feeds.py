"""The starter set against what its real feeds do (issue 19), each with a fixture shaped like the real feed,
served over real HTTP: Hugging Face's guid-only items, Stanford AI Lab's relative links, Last Week in AI's
podcast episodes beside its issues, and the set itself (The Batch's dead feed gone, the missing feeds in)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from feedhub.store.db import session_factory
from feedhub.store.models import Entry
from tests.fetch.fetchutil import add, fetch, result
from tests.httpserver import Reply

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def links(engine, source_id: int) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as session:
        return sorted((e.title, e.link) for e in session.scalars(select(Entry).where(Entry.source_id == source_id)))


def serve(server, name: str) -> str:  # type: ignore[no-untyped-def]
    server.route(f"/{name}", Reply(body=(FIXTURES / name).read_bytes()))
    return server.url(f"/{name}")


def test_hugging_face_items_take_their_link_from_the_permalink_guid(engine, server, cfg) -> None:  # type: ignore[no-untyped-def]
    sid = add(engine, serve(server, "huggingface_blog.xml"))
    r = result(fetch(engine, cfg), sid)
    assert (r.status, r.new, r.warning) == ("ok", 2, None)
    assert links(engine, sid) == [("Open ASR Leaderboard: the 2026 update", "https://huggingface.co/blog/open-asr-leaderboard-2026"),
                                  ("Training a small reasoning model on one GPU", "https://huggingface.co/blog/small-reasoning-model")]


def test_stanford_ai_lab_relative_links_resolve_against_the_feed_url(engine, server, cfg) -> None:  # type: ignore[no-untyped-def]
    url = serve(server, "stanford_ai_lab.xml")
    sid = add(engine, url)
    r = result(fetch(engine, cfg), sid)
    assert (r.status, r.new) == ("ok", 2)
    origin = url.rsplit("/", 1)[0]
    assert links(engine, sid) == [("Benchmarks that measure what we mean", f"{origin}/blog/construct-validity/"),
                                  ("Robots that learn from watching videos", f"{origin}/blog/robots-from-video/")]
    with session_factory(engine)() as session:  # the guids stay as written: they are the entries' keys
        keys = sorted(session.scalars(select(Entry.key).where(Entry.source_id == sid)))
    assert all("127.0.0.1" not in k for k in keys) and any("/blog/robots-from-video/" in k for k in keys)


def test_last_week_in_ai_episodes_are_not_featured_as_news(engine, server, cfg) -> None:  # type: ignore[no-untyped-def]
    from feedhub.digest.api import make_digest
    from feedhub.digest.window import iso_week
    from feedhub.store.db import transaction
    from feedhub.store.models import Source

    sid = add(engine, serve(server, "last_week_in_ai.xml"))
    with transaction(engine) as s:
        s.get(Source, sid).section = "news"  # as the starter set declares it
    assert result(fetch(engine, cfg), sid).new == 2
    model = make_digest(engine, iso_week("2018-W08", "UTC")).model
    titles = {sec["id"]: [st["title"] for st in sec["stories"]] for sec in model["sections"]}
    assert titles["news"] == ["Last Week in AI #330 - A new open-weights model, chips export rules"]
    assert titles["posts"] == ["#231 - Open-weights model, chips export rules, and more"]


def test_the_starter_set_follows_the_public_feeds_of_2026() -> None:
    from feedhub.subscriptions.manage import starter_specs

    urls = {s.url for s in starter_specs()}
    assert not any("deeplearning.ai" in u for u in urls)  # The Batch publishes no feed (404)
    assert {"https://simonwillison.net/atom/everything/", "https://www.latent.space/feed", "https://www.normaltech.ai/feed",
            "https://machinelearning.apple.com/rss.xml", "https://blog.eleuther.ai/index.xml", "https://huyenchip.com/feed.xml",
            "https://newsletter.languagemodels.co/feed"} <= urls
    names = {s.name for s in starter_specs()}
    assert "AI as Normal Technology (formerly AI Snake Oil)" in names
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "Anthropic" in readme and "Meta AI" in readme
