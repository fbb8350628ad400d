"""Two `feedhub fetch` runs, a digest and searches at the same time, on SQLite and on PostgreSQL:
no "database is locked" reaches the user, no duplicates, both fetches finish (the second says it waits)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from .conftest import ITEMS, N_FEEDS, cli_env, run, start


@pytest.mark.slow
def test_two_fetches_a_digest_and_searches_at_once(tmp_path: Path, db_url: str, feeds: list[str]) -> None:
    from feedhub.sources.base import SourceSpec
    from feedhub.store import open_store
    from feedhub.store.db import session_factory
    from feedhub.store.models import Entry
    from feedhub.subscriptions.manage import add_source

    home = tmp_path / "home"
    engine = open_store(db_url)
    with session_factory(engine)() as session, session.begin():
        for url in feeds:
            add_source(session, SourceSpec(kind="rss", url=url, name=url.rsplit("/", 1)[1]))
    env = cli_env(home, db_url)
    assert run(env, "demo", "--yes").returncode == 0  # something for the digest and the searches to read

    procs = {
        "fetch-1": start(env, "fetch", "--allow-private", "--force", "--json"),
        "fetch-2": start(env, "fetch", "--allow-private", "--force", "--json"),
    }
    procs["digest"] = start(env, "digest", "--week", "2018-W08", "--format", "json")
    for i, q in enumerate(["neural architecture search", "item", "author:peters", "cat:cs.LG"]):
        procs[f"search-{i}"] = start(env, "search", q, "--json")
    outputs = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        outputs[name] = (proc.returncode, out, err)
    for name, (code, out, err) in outputs.items():
        assert code == 0, f"{name} exited {code}: {err}"
        assert "locked" not in (out + err).lower(), f"{name}: {err}"
        assert "Traceback" not in err, f"{name}: {err}"
    waited = [n for n in ("fetch-1", "fetch-2") if "waiting for it to finish" in outputs[n][2]]
    assert len(waited) == 1, "the second fetch should say that it waits for the first"
    for n in ("fetch-1", "fetch-2"):
        results = json.loads(outputs[n][1])
        assert {r["status"] for r in results if r["url"].startswith("http://127.")} <= {"ok", "not modified"}, results
    with session_factory(engine)() as session:
        keys = session.execute(select(Entry.source_id, Entry.key)).all()
        assert len(keys) == len(set(keys))
        fetched = session.scalar(select(func.count()).select_from(Entry).where(Entry.key.like("f%-%")))
    assert fetched == N_FEEDS * ITEMS
    digest = json.loads(outputs["digest"][1])
    assert digest and "sections" in json.dumps(digest)
    engine.dispose()
