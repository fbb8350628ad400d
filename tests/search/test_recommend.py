"""Related papers and recommendations: tf-idf neighbours, per-tag classifiers, the digest's 0..1 score."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from importlib.util import find_spec

import pytest

from feedhub.errors import InvalidInput
from feedhub.search.recommend import recommend, related, saved_similarity
from feedhub.store.db import transaction
from feedhub.store.models import Paper, Saved
from tests.conftest import missing

U = timezone.utc
TOPICS = {
    "optim": "stochastic gradient descent optimizer learning rate momentum adaptive convergence",
    "vision": "convolutional image recognition pixels object detection segmentation camera",
    "speech": "audio speech recognition acoustic waveform phoneme speaker",
}


@pytest.fixture()
def corpus(engine):  # type: ignore[no-untyped-def]
    base = datetime(2018, 1, 1, tzinfo=U)
    with transaction(engine) as s:
        k = 0
        for _topic, words in TOPICS.items():
            w = words.split()
            for i in range(12):
                k += 1
                title = f"{w[i % len(w)].title()} {w[(i + 1) % len(w)]} study {k}"
                abstract = " ".join(w[(i + j) % len(w)] for j in range(20)) + f" experiments number{k}"
                s.add(Paper(arxiv_id=f"1801.{k:05d}", title=title, abstract=abstract, authors=["A B"], categories=["cs.LG"],
                            published_at=base + timedelta(days=i if i < 8 else 60 + i)))  # fmt: skip
        # saved: the first optim and vision papers
        for k in range(1, 5):
            s.add(Saved(paper_id=f"1801.{k:05d}", tags=["optim"]))
        for k in range(13, 17):
            s.add(Saved(paper_id=f"1801.{k:05d}", tags=["vision"]))
    return engine


def test_related_finds_the_same_topic(corpus) -> None:  # type: ignore[no-untyped-def]
    with transaction(corpus) as s:
        rows = related(s, "1801.00001", limit=5)
    assert len(rows) == 5
    assert all(1 <= int(r.id.split(".")[1]) <= 12 for r in rows)  # all optimization papers
    assert rows[0].similarity >= rows[-1].similarity > 0 and rows[0].shared_words


def test_related_unknown_paper(corpus) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="unknown paper"), transaction(corpus) as s:
        related(s, "9999.99999")


def test_recommend_per_tag_ranks_the_tags_topic_first(corpus) -> None:  # type: ignore[no-untyped-def]
    with transaction(corpus) as s:
        groups = recommend(s, since=datetime(2018, 2, 1, tzinfo=U), limit=3)
    by_tag = {g.tag: g for g in groups}
    assert set(by_tag) == {"optim", "vision"}
    optim = by_tag["optim"]
    assert optim.positives == 4 and optim.candidates == 12  # 4 new papers per topic
    assert all(1 <= int(r.id.split(".")[1]) <= 12 for r in optim.results)
    assert all(r.words for r in optim.results) and any(w in TOPICS["optim"] for w in optim.top_words)
    assert all(13 <= int(r.id.split(".")[1]) <= 24 for r in by_tag["vision"].results)


def test_recommend_needs_saved_papers(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="no saved papers"), transaction(engine) as s:
        recommend(s)


def test_recommend_unknown_tag(corpus) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="tags: optim, vision"), transaction(corpus) as s:
        recommend(s, tag="nope")


def test_saved_similarity_for_the_digest(corpus) -> None:  # type: ignore[no-untyped-def]
    with transaction(corpus) as s:
        scores = saved_similarity(s, ["1801.00010", "1801.00034", "1801.00001", "9999.00001"])
    assert set(scores) == {"1801.00010", "1801.00034", "1801.00001", "9999.00001"}
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    assert scores["1801.00001"] == 1.0 and scores["9999.00001"] == 0.0
    assert scores["1801.00010"] > scores["1801.00034"]  # optimization (saved topic) above speech


def test_saved_similarity_without_saved_papers(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        assert saved_similarity(s, ["1801.00001"]) == {}


MEANING = [  # no word in common with the first paper beyond stop-words; only their meaning tells them apart
    ("1901.00001", "Photographs classified by deep networks", "Pictures taken by cameras are labelled with convolutional networks."),
    ("1901.00002", "Canines and felines", "Dogs, puppies, kittens and cats: pets people keep at home."),
    ("1901.00003", "Sovereign bond yields", "Interest rates, inflation, treasury auctions and central bank monetary policy."),
]


@pytest.fixture()
def meaning_store(engine):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for pid, title, abstract in MEANING:
            s.add(Paper(arxiv_id=pid, title=title, abstract=abstract, authors=["A B"], categories=["cs.LG"], published_at=datetime(2019, 1, 1, tzinfo=U)))
    return engine


def test_related_uses_the_embedding_when_installed(meaning_store) -> None:  # type: ignore[no-untyped-def]
    from feedhub.search import embedding

    if not embedding.available():  # the [recommend] extra: setup.sh (and so CI) installs it, where its absence fails
        missing("wordllama (the [recommend] extra's embedding model) is not installed: pip install -e '.[recommend]'")
    with transaction(meaning_store) as s:
        rows = related(s, "1901.00002", limit=5)
    # tf-idf alone finds nothing (no shared word); the embedding puts the photos paper above the bond yields
    sims = {r.id: r.similarity for r in rows}
    assert sims and all(0 < v <= 1 for v in sims.values())
    assert sims.get("1901.00001", 0.0) > sims.get("1901.00003", 0.0)


def test_related_falls_back_to_tf_idf_without_the_embedding(meaning_store, corpus, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from feedhub.search import embedding

    with transaction(corpus) as s:
        with_meaning = related(s, "1801.00001", limit=5)
    monkeypatch.setattr(embedding, "available", lambda: False)
    with transaction(corpus) as s:
        words_only = related(s, "1801.00001", limit=5)
        assert related(s, "1901.00002", limit=5) == []  # no shared word: tf-idf alone finds nothing
    assert all(1 <= int(r.id.split(".")[1]) <= 12 for r in words_only if r.id.startswith("1801."))
    assert words_only and all(r.shared_words for r in words_only)
    if find_spec("wordllama") is not None:  # with the embedding the scores are the mean of both similarities
        assert [r.similarity for r in with_meaning] != [r.similarity for r in words_only]
