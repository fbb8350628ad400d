"""The table of every experiment from bench_repro.py's --json rows: claim, design, quick and full verdicts.

    python benchmarks/repro_table.py quick.json full.json > table.md

For each entry (catalogue order): its kind, the claim (the catalogue's one sentence), the design's title line
(the experiment's docstring; the whole design is in the report), the verdict and estimate with its interval
in each run, and, where the two verdicts differ, the full run's reason (the verdict library's words). A
combined verdict lists each arm: its label, verdict and interval.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _num(x: object, unit: str) -> str:
    if not isinstance(x, (int, float)) or not math.isfinite(x):
        return "∞" if x is None else str(x)
    return f"{x:.3g}{unit}"


def _estimate(j: dict | None) -> str:
    if not j:
        return ""
    if j.get("scale") == "combined":
        return "; ".join(f"{p['label']}: {p['verdict']} {_estimate(p)}" for p in j.get("parts", []))
    unit = "x" if j.get("scale") == "ratio" else ""
    text = _num(j.get("estimate"), unit)
    if j.get("low") is not None or j.get("high") is not None:
        low = "-∞" if j.get("low") is None else _num(j["low"], unit)
        high = "∞" if j.get("high") is None else _num(j["high"], unit)
        text += f" [{low}, {high}]"
    return f"{text} (n={j.get('n')})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    from reproductions.registry import all_reproductions
    from reproductions.report import design_text

    runs = [{r["name"]: r for r in json.loads(Path(p).read_text())} for p in sys.argv[1:]]
    modes = [Path(p).stem for p in sys.argv[1:]]
    head = ["experiment", "kind", "claim", "design"] + [f"{m}: verdict, estimate [95 % interval]" for m in modes]
    if len(runs) == 2:
        head.append("changed: why (the later run's reason)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for rep in all_reproductions():
        design = (design_text(rep).strip().splitlines() or [""])[0]
        row = [rep.name, rep.kind, rep.claim, design]
        got = [run.get(rep.name) for run in runs]
        for r in got:
            row.append("not run" if r is None else f"**{r['verdict']}**: {_estimate(r.get('judgement'))}")
        if len(runs) == 2:
            a, b = got
            changed = a is not None and b is not None and a["verdict"] != b["verdict"]
            row.append(f"{a['verdict']} → {b['verdict']}: {b['reason']}" if changed else "")  # type: ignore[index]
        print("| " + " | ".join(_cell(str(c)) for c in row) + " |")


if __name__ == "__main__":
    main()
