"""Look-up by id against a loopback server answering with arXiv's recorded responses."""

from __future__ import annotations

from sqlalchemy import func, select

from feedhub.config import Settings
from feedhub.papers.enrich import ArxivApiConfig, ArxivLookup, enrich_new_papers, enrich_papers, stub_ids
from feedhub.papers.graph import BY_USER, ensure_papers, link_paper_repos
from feedhub.store.db import transaction
from feedhub.store.models import Entry, Paper, PaperEntry, Source
from feedhub.store.types import utcnow


def config(url: str, **kw: object) -> ArxivApiConfig:
    return ArxivApiConfig(api_url=url, delay_seconds=kw.pop("delay", 0.0), retries=kw.pop("retries", 1), **kw)  # type: ignore[arg-type]


def stubs(engine, *ids: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ensure_papers(s, ids)


def test_lookup_fills_papers(fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    res = ArxivLookup(config(fake_arxiv.url)).lookup(["1707.08567"])
    row = res.found["1707.08567"]
    assert row["title"] == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    assert row["authors"][:2] == ["Kees A. Schouhamer Immink", "Stan Baggen"]
    assert row["categories"] == ["cs.IT"] and row["primary_category"] == "cs.IT"
    assert row["comment"].startswith("44 pages") and row["version"] == 1
    assert row["published_at"].isoformat() == "2017-07-27T08:18:33+00:00"
    assert res.missing == []


def test_old_style_id(fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    res = ArxivLookup(config(fake_arxiv.url)).lookup(["astro-ph/0601001"])
    assert list(res.found) == ["astro-ph/0601001"] and res.found["astro-ph/0601001"]["title"]


def test_batch_with_an_unknown_id(fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    res = ArxivLookup(config(fake_arxiv.url)).lookup(["0808.05394", "1707.08567"])
    assert list(res.found) == ["1707.08567"]
    assert res.missing == ["0808.05394"]
    assert len(fake_arxiv.requests) == 1  # one request for the batch


def test_error_feed_is_never_a_paper(fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    # HTTP 400 with a valid feed holding one entry titled "Error".
    res = ArxivLookup(config(fake_arxiv.url)).lookup(["abc"])
    assert res.found == {} and res.missing == ["abc"]


def test_400_in_a_batch_is_split_to_find_the_bad_id(fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    fake_arxiv.answers[frozenset({"abc", "1707.08567"})] = fake_arxiv.answers[frozenset({"abc"})]
    res = ArxivLookup(config(fake_arxiv.url, retries=0)).lookup(["abc", "1707.08567"])
    assert list(res.found) == ["1707.08567"] and res.missing == ["abc"]


def test_enrich_stores_found_and_removes_unknown_stubs(engine, fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    stubs(engine, "1707.08567", "0808.05394", "0000.0000")
    with transaction(engine) as s:  # the unknown id was mentioned in an entry: the mention goes with it
        src = Source(kind="rss", url="https://n.example/f", name="n", options={}, enabled=True, weight=1.0, error_count=0)
        s.add(src)
        s.flush()
        e = Entry(source_id=src.id, key="k", title="t", summary="", authors=[], tags=[], content_hash="h", extra={},
                  published_at=utcnow())
        s.add(e)
        s.flush()
        s.add(PaperEntry(paper_id="0808.05394", entry_id=e.id, provenance="mentioned in entry"))
    stats = enrich_papers(engine, ["1707.08567", "0808.05394", "0000.0000"], config(fake_arxiv.url))
    assert stats.enriched == 1 and sorted(stats.not_found) == ["0000.0000", "0808.05394"] and stats.error is None
    with transaction(engine) as s:
        assert s.get(Paper, "1707.08567").title.startswith("Proceedings of Workshop AEW10")
        assert s.get(Paper, "0808.05394") is None
        assert s.scalar(select(func.count()).select_from(PaperEntry)) == 0
        assert s.scalar(select(func.count()).select_from(Entry)) == 1  # the entry itself is kept
    assert stub_ids(engine) == []


def test_unknown_id_the_user_linked_is_kept(engine, fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        link_paper_repos(s, [("0808.05394", "me/code")], BY_USER)
    enrich_papers(engine, ["0808.05394"], config(fake_arxiv.url))
    with transaction(engine) as s:
        p = s.get(Paper, "0808.05394")
        assert p is not None and p.title == "" and p.enriched_at is not None
    assert stub_ids(engine) == []  # looked up once, not again on every fetch


def test_rate_limit_stops_the_run_and_keeps_stubs(engine, fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    stubs(engine, "1707.08567")
    fake_arxiv.script = [429, 429, 429]
    stats = enrich_papers(engine, ["1707.08567"], config(fake_arxiv.url, retries=2))
    assert stats.error is not None and "HTTP 429" in stats.error and "left as stubs" in stats.error
    assert len(fake_arxiv.requests) == 3  # the first try and two retries
    assert stub_ids(engine) == ["1707.08567"]


def test_forbidden_is_reported(engine, fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    stubs(engine, "1707.08567")
    fake_arxiv.script = [403]
    stats = enrich_papers(engine, ["1707.08567"], config(fake_arxiv.url, retries=0))
    assert stats.error and "HTTP 403" in stats.error and stats.enriched == 0


def test_retry_after_a_server_error(engine, fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    stubs(engine, "1707.08567")
    fake_arxiv.script = [503, 200]
    stats = enrich_papers(engine, ["1707.08567"], config(fake_arxiv.url, retries=2))
    assert stats.enriched == 1 and stats.error is None


def test_unreachable_api(engine) -> None:  # type: ignore[no-untyped-def]
    stubs(engine, "1707.08567")
    stats = enrich_papers(engine, ["1707.08567"], config("http://127.0.0.1:9/api/query", retries=0, timeout_seconds=2))
    assert stats.error and "unreachable" in stats.error
    assert stub_ids(engine) == ["1707.08567"]


def test_batches_are_spaced_and_share_one_connection(engine, fake_arxiv) -> None:  # type: ignore[no-untyped-def]
    ids = ["1707.08567", "astro-ph/0601001", "0808.05394"]
    stubs(engine, *ids)
    stats = enrich_papers(engine, ids, config(fake_arxiv.url, delay=0.3, batch_size=1))
    # 0808.05394 has five digits in 2008: not a valid id, so it is never sent (and is "not found").
    assert stats.enriched == 2 and stats.requests == 2 and stats.not_found == ["0808.05394"]
    times = [t for t, _ in fake_arxiv.requests]
    assert all(b - a >= 0.29 for a, b in zip(times, times[1:]))
    assert len(fake_arxiv.connections) == 1  # kept alive: one connection for the run


def test_enrich_new_papers_reads_settings(engine, fake_arxiv, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stubs(engine, "1707.08567", "quant-ph/0201082")
    with transaction(engine) as s:  # a paper already known from a listing is not a stub
        s.get(Paper, "quant-ph/0201082").title = "Known"
    settings = Settings(home=tmp_path, db_url="sqlite://", file_config={"arxiv": {"api_url": fake_arxiv.url, "delay_seconds": 0}})
    stats = enrich_new_papers(settings, engine, limit=10)
    assert stats.enriched == 1 and [ids for _, ids in fake_arxiv.requests] == ["1707.08567"]
    monkeypatch.setenv("FEEDHUB_ARXIV_API_URL", "http://127.0.0.1:9/x")
    assert ArxivApiConfig.from_settings(settings).api_url == "http://127.0.0.1:9/x"
    assert enrich_new_papers(settings, engine).enriched == 0  # nothing left to look up
