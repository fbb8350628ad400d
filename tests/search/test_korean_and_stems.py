"""Korean and English searchable by their word stems (issue 19): a Korean word with a particle attached is
found by the bare word, and English inflections find each other, through the real index."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from feedhub.search import index as ix
from feedhub.search.schema import hangul_pairs
from feedhub.search.service import search
from feedhub.store.db import transaction
from feedhub.store.models import Entry, Source


def hit_titles(settings, q):  # type: ignore[no-untyped-def]
    return [h.title for h in search(settings, q, notify=None).hits]


@pytest.fixture()
def korean(store):  # type: ignore[no-untyped-def]
    settings, engine = store
    with transaction(engine) as s:
        src = Source(url="file:///ko.xml", name="한국 블로그")
        s.add(src)
        s.flush()
        for key, title, summary in [
            ("ko1", "강화학습으로 드론 제어하기", "<p>시뮬레이터에서 배운 정책을 실제 기체로 옮긴다.</p>"),
            ("ko2", "영상처리를 위한 합성곱 신경망", "<p>이미지 분류기의 구조를 비교했다.</p>"),
            ("ko3", "자연어처리 입문", "<p>형태소 분석기와 언어모델의 기초.</p>"),
        ]:
            s.add(Entry(source_id=src.id, key=key, title=title, summary=summary, authors=[],
                        published_at=datetime(2018, 2, 22, tzinfo=timezone.utc), content_hash=key))  # fmt: skip
    ix.sync(settings, engine, notify=None)
    return settings


@pytest.mark.parametrize(("query", "title"), [
    ("강화학습", "강화학습으로 드론 제어하기"),
    ("영상처리", "영상처리를 위한 합성곱 신경망"),
    ("드론", "강화학습으로 드론 제어하기"),
    ("신경망", "영상처리를 위한 합성곱 신경망"),
    ("형태소 분석기", "자연어처리 입문"),
    ('"합성곱 신경망"', "영상처리를 위한 합성곱 신경망"),
])  # fmt: skip
def test_korean_words_are_found_without_their_particles(korean, query: str, title: str) -> None:  # type: ignore[no-untyped-def]
    assert hit_titles(korean, query) == [title]


def test_korean_does_not_match_what_it_does_not_contain(korean) -> None:  # type: ignore[no-untyped-def]
    assert hit_titles(korean, "강화학습 영상처리") == []  # all words must match
    assert hit_titles(korean, "기계번역") == []


@pytest.mark.parametrize(("query", "expected"), [
    ("optimizers", "1412.6980"),        # the abstract says "optimization"; the entry "optimizer"
    ("optimiz*", "1412.6980"),          # a prefix longer than the stem ("optim") still finds it
    ("representation", "1802.05365"),   # the title says "representations"
    ("networking", "1207.0580"),        # "networks"
])  # fmt: skip
def test_english_inflections_find_each_other(store, query: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    assert expected in [h.id for h in search(settings, query, notify=None).hits]


def test_snippets_highlight_the_words_as_typed(store) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    hit = next(h for h in search(settings, "optimization", notify=None).hits if h.id == "1412.6980")
    marked = [hit.snippet[s:e].lower() for s, e in hit.highlights]
    assert "optimization" in marked


def test_hangul_pairs() -> None:
    assert hangul_pairs("강화학습으로 RL") == " 강화 화학 학습 습으 으로  RL"
    assert hangul_pairs("드론 책") == "드론 책"  # one- and two-syllable words stay whole
    assert hangul_pairs("plain English") == "plain English"
