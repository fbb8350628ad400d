"""The title-first plan for one very common word (index.top_hits) gives exactly the full query's hits."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedhub.config import Settings
from feedhub.search import compiler, schema
from feedhub.search import index as ix
from feedhub.search.query import parse_query
from feedhub.store import open_store
from feedhub.store.db import transaction
from feedhub.store.models import Paper

WORDS = [f"w{i}" for i in range(40)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """4,000 papers over a 40-word Zipf vocabulary: the first words are in most abstracts and many titles,
    so scores tie often (the hard case for an exact shortcut)."""
    home: Path = tmp_path_factory.mktemp("title-first")
    settings = Settings(home=home, db_url=f"sqlite:///{home / 'feedhub.db'}")
    engine = open_store(settings.db_url)
    rng = random.Random(5)
    weights = [1 / (r + 1) for r in range(len(WORDS))]
    start = datetime(2010, 1, 1, tzinfo=timezone.utc)
    with transaction(engine) as s:
        for i in range(4000):
            title = " ".join(rng.choices(WORDS, weights, k=rng.randint(3, 9)))
            abstract = " ".join(rng.choices(WORDS, weights, k=rng.randint(20, 60)))
            s.add(Paper(arxiv_id=f"1801.{i:05d}", title=title, abstract=abstract, authors=[f"Author {rng.choice(WORDS[20:])}"],
                        categories=[rng.choice(["cs.LG", "cs.CV"])], published_at=start + timedelta(days=rng.randint(0, 3000))))  # fmt: skip
    ix.rebuild(settings, engine, notify=None)
    engine.dispose()
    opened = schema.open_dir(Path(settings.index_dir), settings.db_url)
    assert opened is not None
    return opened


def _both(opened, text: str, limit: int):  # type: ignore[no-untyped-def]
    compiled = compiler.compile_query(opened, parse_query(text), lambda: {})
    searcher = opened.index.searcher()
    full = [(round(score, 4), addr.segment_ord, addr.doc) for score, addr in searcher.search(compiled.query, limit, count=False).hits]
    fast = [(round(score, 4), addr.segment_ord, addr.doc) for score, addr in compiler.top_hits(opened, searcher, compiled, limit)]
    return compiled, full, fast


@pytest.mark.parametrize("text", ["w0", "w1", "w2", "w3", "w0 cat:cs.LG", "w1 year:2012", "w0 cat:cs.CV since:2015-01-01", "W0"])
@pytest.mark.parametrize("limit", [1, 7, 20, 100])
def test_same_hits_scores_and_order_as_the_full_query(corpus, monkeypatch, text: str, limit: int) -> None:  # type: ignore[no-untyped-def]
    used = _spy(monkeypatch)
    compiled, full, fast = _both(corpus, text, limit)
    assert used == [True]  # these words are in most abstracts: the title-first plan answered
    assert fast == full


def _spy(monkeypatch) -> list[bool]:  # type: ignore[no-untyped-def]
    used: list[bool] = []
    real = compiler.title_first_hits

    def spy(*args, **kw):  # type: ignore[no-untyped-def]
        out = real(*args, **kw)
        used.append(out is not None)
        return out

    monkeypatch.setattr(compiler, "title_first_hits", spy)
    return used


def test_other_query_shapes_and_rare_words_run_the_full_query(corpus, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    used = _spy(monkeypatch)
    for text in ("w30", "w0 w1", "w0*", "title:w0", '"w0 w1"', "w0 -w1", "w0 OR w1"):
        compiled, full, fast = _both(corpus, text, 20)
        assert compiled.title_first is None and fast == full  # rare words and other shapes: the full query
    assert used == []
