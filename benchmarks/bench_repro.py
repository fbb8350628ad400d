"""Wall time and verdict of every reproduction's experiment (--quick by default), and of all of them together.

Goal (issue 17): each --quick <= 60 s on 2 CPU cores, all together <= 6 minutes. For each experiment it prints the
kind (reproduction or check), the wall time, the verdict, and the estimate with its interval; the total is split
into reproductions and checks, and the count of verdicts keeps checks apart. The baseline printed beside them is
the cost of starting: importing torch.

The machine is shared: beside the wall time each row prints the process's CPU time (user + system, all threads),
which other people's load does not inflate, and the load average; read the wall time against the 60 s / 360 s
goals and the CPU time as what the experiment costs on its own.

    python benchmarks/bench_repro.py [--topic optimizers] [--name adam] [--quick|--smoke|--full]
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
    args = ap.parse_args()

    t = time.perf_counter()
    import torch  # noqa: F401

    import_s = time.perf_counter() - t
    from reproductions.core import RunContext, verdicts_for
    from reproductions.registry import all_reproductions
    from reproductions.report import build_report

    reps = [
        r
        for r in all_reproductions()
        if (not args.topic or r.topic in args.topic) and (not args.name or r.name in args.name)
    ]
    print(
        f"{len(reps)} entries, mode {args.mode}; import torch: {import_s:.2f} s; "
        f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'name':22} {'kind':12} {'wall s':>7} {'cpu s':>6} {'load':>5}  {'verdict':15} estimate [95 % interval] (n)")
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        for rep in reps:
            ctx = RunContext(quick=args.mode != "full", smoke=args.mode == "smoke", seed=0, out_dir=root / rep.name)
            t, cpu0 = time.perf_counter(), time.process_time()
            result = rep.run(ctx)  # includes importing the experiment module
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu0
            results[rep.name] = result
            estimate = result.judgement.fmt() if result.judgement is not None else ""
            rows.append(
                {
                    "name": rep.name,
                    "topic": rep.topic,
                    "kind": rep.kind,
                    "seconds": round(wall, 2),
                    "cpu_seconds": round(cpu, 2),
                    "load_average": round(os.getloadavg()[0], 1),
                    "verdict": result.verdict,
                    "estimate": estimate,
                    "judgement": result.judgement.to_dict() if result.judgement is not None else None,
                    "measured": result.measured,
                    "reason": result.reason,
                    "figures": [str(p) for p in result.figures],
                }
            )
            flag = "" if wall <= GOAL_EACH_S or args.mode != "quick" else f"  (over {GOAL_EACH_S:.0f} s)"
            print(
                f"{rep.name:22} {rep.kind:12} {wall:7.1f} {cpu:6.1f} {os.getloadavg()[0]:5.1f}  "
                f"{result.verdict:15} {estimate}{flag}",
                flush=True,
            )
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            for fmt in ("md", "html"):
                (args.out / f"report.{fmt}").write_text(build_report(results, fmt, mode=args.mode, base_dir=args.out))
            print(f"report: {args.out / 'report.html'} and {args.out / 'report.md'}")
    total = sum(r["seconds"] for r in rows)
    total_cpu = sum(r["cpu_seconds"] for r in rows)
    goal = (
        f"  [goal <= {GOAL_ALL_S:.0f} s: {'met' if total <= GOAL_ALL_S else 'NOT met'}]" if args.mode == "quick" else ""
    )
    slowest = max(rows, key=lambda r: r["seconds"]) if rows else None
    if slowest:
        print(
            f"total: {total:.1f} s wall ({total_cpu:.1f} s CPU) over {len(rows)} entries; "
            f"slowest {slowest['name']} {slowest['seconds']:.1f} s{goal}"
        )
    for kind in ("reproduction", "check"):
        part = [r for r in rows if r["kind"] == kind]
        if part:
            verdicts = {v: sum(1 for r in part if r["verdict"] == v) for v in verdicts_for(kind)}
            print(
                f"{kind}s: {len(part)}, {sum(r['seconds'] for r in part):.1f} s; "
                + ", ".join(f"{v} {n}" for v, n in verdicts.items())
            )
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
