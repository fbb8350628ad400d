"""Several entries at once (``reproductions.runner``): the same results as one after another, and an entry
that measures wall-clock time never has a neighbour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reproductions.registry import get
from reproductions.runner import run_many

# two that time themselves (exp-cost's verdict is a ratio of kernel times; stochastic depth prints seconds
# beside its blocks) and three cheap ones that do not
NAMES = ["exp-cost", "stochastic-depth", "max-norm-dropout", "running-average", "model-ensemble"]


def _same(a: object, b: object) -> None:
    ra, rb = a.result, b.result  # type: ignore[attr-defined]
    assert ra.verdict == rb.verdict and ra.table == rb.table
    assert [(m.name, m.values) for m in ra.metrics] == [(m.name, m.values) for m in rb.metrics]


def test_two_at_a_time_gives_the_same_results_and_timed_entries_run_alone(tmp_path: Path) -> None:
    reps = [get(n) for n in NAMES]
    assert [r.timed for r in reps] == [True, True, False, False, False]
    seen: list[str] = []
    fractions: list[float] = []
    alone = run_many(reps, "smoke", tmp_path / "seq", jobs=1)
    both = run_many(reps, "smoke", tmp_path / "par", jobs=2, done=lambda rep, ran: seen.append(rep.name),
                    progress=lambda msg, frac: fractions.append(frac))  # fmt: skip
    assert list(both) == NAMES and sorted(seen) == sorted(NAMES)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    for name in NAMES:
        if not get(name).timed:
            _same(alone[name], both[name])
        assert both[name].result.figures and all(Path(f).is_file() for f in both[name].result.figures)
        assert all(str(f).startswith(str(tmp_path / "par" / name)) for f in both[name].result.figures)
    # nothing else ran while a timed entry did (the clock is the system's monotonic one, shared by processes)
    for name in ("exp-cost", "stochastic-depth"):
        t = both[name]
        for other, r in both.items():
            if other != name:
                assert r.ended <= t.started or r.started >= t.ended, (name, other)
    # in worker processes; one after another, in this one
    assert all(r.pid != os.getpid() for r in both.values()) and all(r.pid == os.getpid() for r in alone.values())


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_many([get("running-average")], "smoke", tmp_path, jobs=0)
