"""SIGKILL `feedhub fetch` at random moments (seeded): afterwards the database passes its integrity
check, nothing committed before the kill is missing, there are no duplicates, a re-run completes, and
the search index agrees with the store."""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path

import pytest

from .conftest import ITEMS, N_FEEDS, Poller, cli_env, integrity, rows, run, start, tables

TRIALS = 20
ENTRY_KEYS = "SELECT source_id, key FROM entries"


def _subscribe(home: Path, urls: list[str]) -> None:
    from feedhub.sources.base import SourceSpec
    from feedhub.store import open_store
    from feedhub.store.db import session_factory
    from feedhub.subscriptions.manage import add_source

    engine = open_store(f"sqlite:///{home / 'feedhub.db'}")
    with session_factory(engine)() as session, session.begin():
        for url in urls:
            add_source(session, SourceSpec(kind="rss", url=url, name=url.rsplit("/", 1)[1]))
    engine.dispose()


@pytest.mark.slow
def test_fetch_survives_sigkill(tmp_path: Path, feeds: list[str]) -> None:
    rng = random.Random(20180219)
    # How long an uninterrupted fetch takes here, to spread the kills over it.
    probe_home = tmp_path / "probe"
    env = cli_env(probe_home)
    _subscribe(probe_home, feeds)
    t0 = time.perf_counter()
    full = run(env, "fetch", "--allow-private", "--force", "--quiet", "--json")
    duration = time.perf_counter() - t0
    assert full.returncode == 0, full.stderr
    t0 = time.perf_counter()
    assert run(env, "db", "upgrade").returncode == 0
    startup = time.perf_counter() - t0
    expected = N_FEEDS * ITEMS
    assert len(rows(probe_home / "feedhub.db", ENTRY_KEYS)) == expected

    killed_midway = 0
    for trial in range(TRIALS):
        home = tmp_path / f"t{trial}"
        env = cli_env(home)
        _subscribe(home, feeds)
        db = home / "feedhub.db"
        with Poller(db, ENTRY_KEYS) as poller:
            proc = start(env, "fetch", "--allow-private", "--force", "--quiet")
            time.sleep(rng.uniform(min(startup, duration) * 0.8, duration))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert integrity(db) == ["ok"], f"trial {trial}"
        present = rows(db, ENTRY_KEYS)
        assert len(present) == len(set(present)), f"trial {trial}: duplicate entries"
        missing = poller.seen - set(present)
        assert not missing, f"trial {trial}: {len(missing)} committed entries lost"
        if 0 < len(present) < expected:
            killed_midway += 1
        rerun = run(env, "fetch", "--allow-private", "--force", "--quiet", "--json")
        assert rerun.returncode == 0, f"trial {trial}: {rerun.stderr}"
        assert "Traceback" not in rerun.stderr
        assert all(r["status"] in ("ok", "not modified") for r in json.loads(rerun.stdout)), rerun.stdout
        final = rows(db, ENTRY_KEYS)
        assert len(final) == len(set(final)) == expected, f"trial {trial}"
        doctor = run(env, "doctor", "--json")
        checks = {c["check"]: c for c in json.loads(doctor.stdout)}
        assert all(c["ok"] for c in checks.values()), f"trial {trial}: {checks}"
    assert killed_midway >= 3, f"only {killed_midway} of {TRIALS} kills landed mid-fetch; the test did not test much"


PAPER_IDS = "SELECT arxiv_id FROM papers"


@pytest.mark.slow
def test_snapshot_import_survives_sigkill(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_import import generate  # a realistic snapshot file (the import benchmark's generator)

    n = 30_000
    snapshot = tmp_path / "snapshot.jsonl"
    generate(snapshot, n, gz=False)
    rng = random.Random(1802)

    probe_home = tmp_path / "probe"
    env = cli_env(probe_home)
    t0 = time.perf_counter()
    assert run(env, "db", "upgrade").returncode == 0
    startup = time.perf_counter() - t0  # a process that starts, migrates and stops: kills before this hit nothing
    t0 = time.perf_counter()
    full = run(env, "import", "arxiv-snapshot", str(snapshot), "--batch-size", "1000")
    duration = time.perf_counter() - t0
    assert full.returncode == 0, full.stderr
    assert len(rows(probe_home / "feedhub.db", PAPER_IDS)) == n

    killed_midway = 0
    for trial in range(TRIALS):
        home = tmp_path / f"i{trial}"
        env = cli_env(home)
        db = home / "feedhub.db"
        with Poller(db, PAPER_IDS) as poller:
            proc = start(env, "import", "arxiv-snapshot", str(snapshot), "--batch-size", "1000")
            if trial % 2:  # half the kills at a random moment (start-up, migration, import, the end) ...
                time.sleep(rng.uniform(min(startup, duration) * 0.8, duration))
            else:  # ... and half right after the first batch is committed, so some surely land mid-import
                poller.first.wait(timeout=60)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if db.exists():
            assert integrity(db) == ["ok"], f"trial {trial}"
            # A kill during the first migration leaves the file without its tables (the migration's
            # transaction rolled back): nothing was stored, so nothing the poller saw may be missing.
            present = rows(db, PAPER_IDS) if "papers" in tables(db) else []
            missing = poller.seen - set(present)
            assert not missing, f"trial {trial}: {len(missing)} committed papers lost"
            if 0 < len(present) < n:
                killed_midway += 1
        rerun = run(env, "import", "arxiv-snapshot", str(snapshot), "--batch-size", "1000")
        assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, f"trial {trial}: {rerun.stderr}"
        assert len(rows(db, PAPER_IDS)) == n, f"trial {trial}"
        doctor = run(env, "doctor", "--json")
        checks = {c["check"]: c for c in json.loads(doctor.stdout)}
        if not all(c["ok"] for c in checks.values()):  # the index lags: the next command repairs it
            assert run(env, "search", "learning", "--limit", "1").returncode == 0
            checks = {c["check"]: c for c in json.loads(run(env, "doctor", "--json").stdout)}
        assert all(c["ok"] for c in checks.values()), f"trial {trial}: {checks}"
    assert killed_midway >= 3, f"only {killed_midway} of {TRIALS} kills landed mid-import"
