"""The index beside the database: incremental sync, hooks, deletions, rebuild of a damaged index, the lock."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from feedhub.search import index as ix
from feedhub.search.service import search
from feedhub.store.db import transaction
from feedhub.store.models import Entry, Paper, PaperRepo, Repo, Source


def hit_ids(settings, q):  # type: ignore[no-untyped-def]
    return [h.id for h in search(settings, q, notify=None).hits]


def test_sync_is_incremental_and_idempotent(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    assert ix.sync(settings, engine, notify=None).documents == 0  # nothing changed
    with transaction(engine) as s:
        s.add(Paper(arxiv_id="1409.0473", title="Neural Machine Translation by Jointly Learning to Align and Translate",
                    abstract="Soft alignment.", authors=["Dzmitry Bahdanau"], categories=["cs.CL"]))  # fmt: skip
    stats = ix.update_papers(settings, engine, ["1409.0473"], notify=None)
    assert stats.papers == 1 and stats.entries == 0
    assert hit_ids(settings, "bahdanau") == ["1409.0473"]
    info = ix.status(settings, engine)
    assert info["documents"] == 8 and info["lag"] == {"papers": 0, "entries": 0}


def test_enrichment_is_picked_up_by_the_watermark(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    with transaction(engine) as s:
        p = s.get(Paper, "1412.6980")
        p.title = "Adam: a method renamed"
        p.enriched_at = datetime.now(timezone.utc)
    assert ix.status(settings, engine)["lag"]["papers"] == 1
    ix.sync(settings, engine, notify=None)
    assert hit_ids(settings, "renamed") == ["1412.6980"]


def test_search_syncs_a_lagging_index_itself(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    with transaction(engine) as s:
        s.add(Paper(arxiv_id="1301.3781", title="Efficient Estimation of Word Representations in Vector Space", abstract="word2vec"))
    assert hit_ids(settings, "word2vec") == ["1301.3781"]


def test_after_fetch_hook_indexes_entries_and_their_papers(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    with transaction(engine) as s:
        src = Source(url="file:///other.xml", name="Lab blog")
        s.add(src)
        s.flush()
        e = Entry(source_id=src.id, key="z", title="Zebra stripes and attention", summary="", published_at=datetime(2018, 2, 22, tzinfo=timezone.utc), content_hash="z")
        s.add(e)
        s.flush()
        eid, sid = e.id, src.id
    ix.update_after_fetch(settings, engine, [eid], notify=None)
    assert hit_ids(settings, "zebra") == [str(eid)]
    assert hit_ids(settings, f"zebra source:{sid}") == [str(eid)]


def test_code_links_change_has_code(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    with transaction(engine) as s:
        r = Repo(full_name="kaiminghe/deep-residual-networks", stars=6000)
        s.add(r)
        s.flush()
        s.add(PaperRepo(paper_id="1512.03385", repo_id=r.id))
    ix.sync(settings, engine, notify=None)
    assert "1512.03385" in hit_ids(settings, "has:code")


def test_deleted_entries_leave_the_index(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    with transaction(engine) as s:
        s.delete(s.get(Source, 1))  # cascades to its entries
    stats = ix.sync(settings, engine, notify=None)
    assert stats.deleted >= 1
    assert ix.status(settings, engine)["entries"] == 0


def test_damaged_or_missing_index_is_rebuilt_with_a_message(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    for f in settings.index_dir.iterdir():
        if f.suffix in (".idx", ".store", ".term", ".pos", ".fast", ".fieldnorm") or f.name == "meta.json":
            f.write_bytes(b"garbage")
    messages: list[str] = []
    assert hit_ids_with(settings, "adam", messages.append) == ["1412.6980", "1"]
    assert messages and "rebuilding" in messages[0]
    import shutil

    shutil.rmtree(settings.index_dir)
    messages.clear()
    assert hit_ids_with(settings, "adam", messages.append) == ["1412.6980", "1"]
    assert "missing" in messages[0]


def hit_ids_with(settings, q, notify):  # type: ignore[no-untyped-def]
    return [h.id for h in search(settings, q, notify=notify).hits]


def test_writers_take_turns(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    messages: list[str] = []
    told = threading.Event()

    def notify(message: str) -> None:
        messages.append(message)
        told.set()

    with ix.writer_lock(settings.index_dir, notify=None):
        done = threading.Event()

        def other() -> None:
            # flock is per open file: a second open in another thread behaves like another process.
            ix.sync(settings, engine, notify=notify)
            done.set()

        th = threading.Thread(target=other)
        th.start()
        assert told.wait(30)  # it said it waits for us ...
        assert not done.is_set()  # ... and it does
    th.join(30)
    assert done.is_set() and "waiting" in messages[0]


def test_rebuild_counts(store) -> None:  # type: ignore[no-untyped-def]
    settings, engine = store
    stats = ix.rebuild(settings, engine, notify=None)
    assert (stats.papers, stats.entries) == (5, 2)
    assert ix.status(settings, engine)["documents"] == 7


@given(st.lists(st.text(max_size=12), max_size=4), st.sampled_from([", ", ","]), st.booleans())
def test_category_fast_path_reads_json_lists_like_json_loads(cats, sep, ascii_only) -> None:  # type: ignore[no-untyped-def]
    import json

    text = json.dumps(cats, separators=(sep, ": "), ensure_ascii=ascii_only)
    assert ix.categories_of(text) == [c.lower() for c in cats]
    assert ix.categories_of(cats) == [c.lower() for c in cats]


def test_category_fast_path_rejects_what_is_not_a_list() -> None:
    assert ix.categories_of(None) == [] and ix.categories_of("cs.LG") == [] and ix.categories_of('{"a": 1}') == []
