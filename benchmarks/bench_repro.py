"""Wall time of every reproduction's --quick experiment, and of all of them together.

Goal (issue 7): each --quick <= 60 s on 2 CPU cores; all of issue 7's (activations, optimizers,
schedules) together <= 5 minutes. Issue 8's (regularizers, augment, transfer) are timed too.
The baseline printed beside them is the cost of starting: importing torch and the experiment module.

    python benchmarks/bench_repro.py [--topic optimizers] [--name adam] [--mode quick|smoke|full]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ISSUE7 = ("activations", "optimizers", "schedules")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--topic", action="append")
    ap.add_argument("--name", action="append")
    ap.add_argument("--mode", default="quick", choices=("smoke", "quick", "full"))
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args()

    t = time.perf_counter()
    import torch  # noqa: F401

    import_s = time.perf_counter() - t
    from reproductions.core import RunContext
    from reproductions.registry import all_reproductions

    reps = [r for r in all_reproductions()
            if (not args.topic or r.topic in args.topic) and (not args.name or r.name in args.name)]
    print(f"{len(reps)} reproductions, mode {args.mode}; import torch: {import_s:.2f} s; "
          f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'name':24} {'topic':13} {'wall s':>8}  {'verdict':15} measured")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in reps:
            mod = rep.experiment.partition(":")[0]
            t = time.perf_counter()
            importlib.import_module(mod)
            imp = time.perf_counter() - t
            ctx = RunContext(quick=args.mode != "full", smoke=args.mode == "smoke", seed=0, out_dir=Path(tmp) / rep.name)
            t = time.perf_counter()
            result = rep.run(ctx)
            wall = time.perf_counter() - t + imp
            rows.append({"name": rep.name, "topic": rep.topic, "seconds": round(wall, 2), "verdict": result.verdict,
                         "measured": result.measured, "paper": result.paper_figure, "reason": result.reason})
            flag = "" if wall <= 60 or args.mode != "quick" else "  (over 60 s)"
            print(f"{rep.name:24} {rep.topic:13} {wall:8.1f}  {result.verdict:15} {result.measured}{flag}", flush=True)
    for label, topics in (("issue 7 (activations, optimizers, schedules)", ISSUE7), ("issue 8 (regularizers, augment, transfer)", None)):
        part = [r for r in rows if (r["topic"] in ISSUE7) == (topics is not None)]
        if part:
            total = sum(r["seconds"] for r in part)
            goal = f"  [goal <= 300 s: {'met' if total <= 300 else 'NOT met'}]" if topics and args.mode == "quick" else ""
            print(f"total {label}: {total:.1f} s over {len(part)} experiments; slowest {max(r['seconds'] for r in part):.1f} s{goal}")
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
