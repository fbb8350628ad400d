"""Run many entries, one per core: what ``feedhub repro report`` and ``benchmarks/bench_repro.py`` use.

Every experiment trains tiny networks on one thread (``experiments.threads.one_thread``), so run one after
another they leave all but one core idle. Here up to ``jobs`` of them run at once, each in its own worker
process (spawned, so no torch state is shared or forked), and each result is the same as when it runs alone:
an experiment seeds its own generators and nothing it computes depends on what ran before it in the process.

Except wall-clock time. An entry marked ``timed`` in the catalogue reports seconds (exp-cost's verdict is a
ratio of kernel times; second-order and stochastic depth print seconds beside their counts), and a
neighbour on the other core changes those (exp-cost at smoke size: 4.23 with a neighbour, 4.34 alone).
Timed entries therefore run first, one at a time, with nothing beside them; the rest follow, ``jobs`` at
a time. With ``jobs=1`` everything runs in this process, in order, as before.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from reproductions.core import Result, RunContext
from reproductions.registry import Reproduction, get


@dataclass
class Ran:
    """One entry's result, with the wall and CPU seconds of its run in the process that ran it, and when it
    started and ended on the system-wide monotonic clock (comparable across processes on Linux)."""

    result: Result
    wall_s: float
    cpu_s: float
    started: float = 0.0
    ended: float = 0.0
    pid: int = 0  # the process that ran it


def cores() -> int:
    """The cores this process may run on (the affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _run_one(name: str, mode: str, seed: int, device: str, out_dir: str) -> Ran:
    """Run one entry (in a worker process, or in this one when jobs=1)."""
    rep = get(name)
    ctx = RunContext(quick=mode != "full", smoke=mode == "smoke", seed=seed, device=device, out_dir=Path(out_dir))
    started, wall, cpu = time.monotonic(), time.perf_counter(), time.process_time()
    result = rep.run(ctx)  # includes importing the experiment module
    return Ran(result, time.perf_counter() - wall, time.process_time() - cpu, started, time.monotonic(), os.getpid())


def run_many(
    reps: Sequence[Reproduction],
    mode: str,
    out_root: Path,
    *,
    jobs: int = 1,
    seed: int = 0,
    device: str = "cpu",
    progress: Callable[[str, float], None] | None = None,
    done: Callable[[Reproduction, Ran], None] | None = None,
) -> dict[str, Ran]:
    """Run ``reps`` in ``mode`` (figures under ``out_root / name``), ``jobs`` at a time, timed entries alone.

    Returns the runs by name in the order of ``reps``. ``progress(message, fraction)`` is called before the
    runs start and as each one ends; ``done(rep, ran)`` as each ends. An experiment's exception is raised
    here, after the runs already under way have ended."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    ran: dict[str, Ran] = {}
    total = max(1, len(reps))

    def finished(rep: Reproduction, r: Ran) -> None:
        ran[rep.name] = r
        if done is not None:
            done(rep, r)
        if progress is not None:
            progress(f"{rep.name} done ({len(ran)} of {len(reps)})", len(ran) / total)

    def args(rep: Reproduction) -> tuple[str, str, int, str, str]:
        return rep.name, mode, seed, device, str(out_root / rep.name)

    if progress is not None:
        progress(f"{len(reps)} entries ({mode}), {min(jobs, len(reps))} at a time", 0.0)
    if jobs == 1 or len(reps) <= 1:
        for rep in reps:
            finished(rep, _run_one(*args(rep)))
        return {rep.name: ran[rep.name] for rep in reps}

    timed = [r for r in reps if r.timed]
    rest = [r for r in reps if not r.timed]
    # spawn, never fork: a forked child would inherit torch's thread pools and any state of the parent
    pool = ProcessPoolExecutor(max_workers=min(jobs, max(1, len(rest))), mp_context=multiprocessing.get_context("spawn"))
    try:
        for rep in timed:  # alone: nothing else runs while it measures time
            finished(rep, pool.submit(_run_one, *args(rep)).result())
        pending: dict[Future[Ran], Reproduction] = {pool.submit(_run_one, *args(rep)): rep for rep in rest}
        failure: BaseException | None = None
        while pending:
            ended, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in ended:
                rep = pending.pop(fut)
                error = fut.exception()
                if error is not None:
                    if failure is None:
                        failure = error
                        for other in pending:  # no new runs once one has failed; those under way finish
                            other.cancel()
                    continue
                finished(rep, fut.result())
            pending = {f: r for f, r in pending.items() if not f.cancelled()}
        if failure is not None:
            raise failure
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return {rep.name: ran[rep.name] for rep in reps}
