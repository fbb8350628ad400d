"""Wall time and verdict of every reproduction's experiment (--quick by default), and of all of them together.

Goal (issue 17): each --quick <= 60 s on 2 CPU cores, all together <= 6 minutes. "All together" is what
`feedhub repro report --quick` does: the entries run --jobs at a time (default: every core), one per core in
worker processes, and the entries that measure wall-clock time (marked ``timed`` in the catalogue) run first,
alone (reproductions/runner.py). The total printed is the wall time of that whole run; beside it, the sum of
the entries' own wall times, which is what running them one after another costs (the baseline: --jobs 1
runs them that way and prints the same sum as its total). The cost of starting is printed too: importing torch.

For each experiment it prints the kind (reproduction or check), its wall time and its process's CPU time (user
+ system), the verdict, and the estimate with its interval; the count of verdicts keeps checks apart. The
machine is shared: read the CPU time as what the experiment costs on its own, which other people's load does
not inflate; the load average is printed beside each row.

    python benchmarks/bench_repro.py [--topic optimizers] [--name adam] [--quick|--smoke|--full] [--jobs N]
                                     [--out DIR]  (keep the figures and write DIR/report.md and DIR/report.html)
                                     [--json rows.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_EACH_S, GOAL_ALL_S = 60.0, 360.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--topic", action="append")
    ap.add_argument("--name", action="append")
    ap.add_argument("--mode", default="quick", choices=("smoke", "quick", "full"))
    for mode in ("smoke", "quick", "full"):  # --quick is --mode quick, as `feedhub repro report --quick` spells it
        ap.add_argument(f"--{mode}", dest="mode", action="store_const", const=mode)
    ap.add_argument("--out", type=Path, help="keep figures here and write report.md / report.html")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    ap.add_argument("--jobs", type=int, help="entries run at once (default: every core; 1 = one after another)")
    args = ap.parse_args()

    t = time.perf_counter()
    import torch  # noqa: F401

    import_s = time.perf_counter() - t
    from reproductions.core import verdicts_for
    from reproductions.registry import Reproduction, all_reproductions
    from reproductions.report import build_report
    from reproductions.runner import Ran, cores, run_many

    jobs = args.jobs or cores()

    reps = [
        r
        for r in all_reproductions()
        if (not args.topic or r.topic in args.topic) and (not args.name or r.name in args.name)
    ]
    print(
        f"{len(reps)} entries, mode {args.mode}, {jobs} at a time; import torch: {import_s:.2f} s; "
        f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'name':22} {'kind':12} {'wall s':>7} {'cpu s':>6} {'load':>5}  {'verdict':15} estimate [95 % interval] (n)")
    rows: dict[str, dict[str, object]] = {}

    def done(rep: Reproduction, ran: Ran) -> None:
        result = ran.result
        estimate = result.judgement.fmt() if result.judgement is not None else ""
        rows[rep.name] = {
            "name": rep.name,
            "topic": rep.topic,
            "kind": rep.kind,
            "timed": rep.timed,
            "seconds": round(ran.wall_s, 2),
            "cpu_seconds": round(ran.cpu_s, 2),
            "load_average": round(os.getloadavg()[0], 1),
            "verdict": result.verdict,
            "estimate": estimate,
            "judgement": result.judgement.to_dict() if result.judgement is not None else None,
            "measured": result.measured,
            "reason": result.reason,
            "figures": [str(p) for p in result.figures],
        }
        flag = "" if ran.wall_s <= GOAL_EACH_S or args.mode != "quick" else f"  (over {GOAL_EACH_S:.0f} s)"
        alone = " (alone)" if rep.timed and jobs > 1 else ""
        print(
            f"{rep.name:22} {rep.kind:12} {ran.wall_s:7.1f} {ran.cpu_s:6.1f} {os.getloadavg()[0]:5.1f}  "
            f"{result.verdict:15} {estimate}{flag}{alone}",
            flush=True,
        )

    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        t = time.perf_counter()
        ran = run_many(reps, args.mode, root, jobs=jobs, done=done)
        together = time.perf_counter() - t
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            results = {name: r.result for name, r in ran.items()}
            for fmt in ("md", "html"):
                (args.out / f"report.{fmt}").write_text(build_report(results, fmt, mode=args.mode, base_dir=args.out))
            print(f"report: {args.out / 'report.html'} and {args.out / 'report.md'}")
    ordered = [rows[r.name] for r in reps]
    summed = sum(float(r["seconds"]) for r in ordered)  # type: ignore[arg-type]
    summed_cpu = sum(float(r["cpu_seconds"]) for r in ordered)  # type: ignore[arg-type]
    goal = (
        f"  [goal <= {GOAL_ALL_S:.0f} s: {'met' if together <= GOAL_ALL_S else 'NOT met'}]"
        if args.mode == "quick"
        else ""
    )
    over = [r["name"] for r in ordered if float(r["seconds"]) > GOAL_EACH_S]  # type: ignore[arg-type]
    each = f"  [each <= {GOAL_EACH_S:.0f} s: {'met' if not over else 'NOT met: ' + ', '.join(map(str, over))}]"
    slowest = max(ordered, key=lambda r: float(r["seconds"])) if ordered else None  # type: ignore[arg-type]
    if slowest:
        print(
            f"all together: {together:.1f} s wall, "
            + (f"{jobs} at a time (timed entries alone)" if jobs > 1 else "one after another")
            + f"{goal}\n"
            f"one after another (baseline, the sum of the entries' own times): {summed:.1f} s wall, "
            f"{summed_cpu:.1f} s CPU over {len(ordered)} entries; slowest {slowest['name']} "
            f"{float(slowest['seconds']):.1f} s{each if args.mode == 'quick' else ''}"  # type: ignore[arg-type]
        )
    for kind in ("reproduction", "check"):
        part = [r for r in ordered if r["kind"] == kind]
        if part:
            verdicts = {v: sum(1 for r in part if r["verdict"] == v) for v in verdicts_for(kind)}
            print(
                f"{kind}s: {len(part)}, {sum(float(r['seconds']) for r in part):.1f} s; "  # type: ignore[arg-type]
                + ", ".join(f"{v} {n}" for v, n in verdicts.items())
            )
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(ordered, indent=2))


if __name__ == "__main__":
    main()
