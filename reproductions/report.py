"""The page a reviewer reads: every claim, its paper, its design, its verdict with the numbers, its figures, and
the honest count.

Two functions (the CLI's ``feedhub repro report`` is a thin face over them):

``build_report(results, fmt="html", *, mode="", base_dir=None) -> str``
    Render already-computed results. ``results`` is a list of :class:`reproductions.core.Result` (each with its
    ``name`` filled in, as :meth:`Reproduction.run` does) or a ``{name: Result}`` mapping; every registered entry
    appears, those without a result as "not run". ``fmt`` is "html" or "md". ``base_dir``: figure paths are written
    relative to it (the report's folder) when they lie under it. Pure: no torch, no running.

``write_report(out_path, mode="quick", *, names=None, progress=None) -> Path``
    Run the reproductions (all, or ``names``) in ``mode`` ("smoke" | "quick" | "full"), put their figures in
    ``<out_path's folder>/<out_path's stem>-figures/<name>/``, and write the report to ``out_path`` (HTML when the
    suffix is .html/.htm, Markdown otherwise). ``progress(message, fraction)`` is called as each one starts.

The count keeps checks (mathematical identities) apart: the reproduced rate counts reproductions only.
All text that reaches HTML goes through ``html.escape``.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from reproductions.core import Result, as_check_verdict, verdicts_for
from reproductions.registry import Reproduction, all_reproductions

NOT_RUN = "not run"


def design_text(rep: Reproduction) -> str:
    """The experiment module's docstring (its stated design), read from the source without importing it."""
    module = rep.experiment.partition(":")[0]
    func = rep.experiment.partition(":")[2]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not os.path.exists(spec.origin):
        return ""
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    # a check living in another experiment's module documents its design on its own function
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == func and func != "run":
            return ast.get_docstring(node) or ""
    return ast.get_docstring(tree) or ""


def reflow(text: str) -> str:
    """A docstring's hard-wrapped lines joined back into paragraphs and list items, for a page that wraps text
    itself: a blank line, a ``- `` item or a numbered item starts a new line; an indented block after a line
    ending in ``::`` (a formula) is kept as written."""
    import re

    out: list[str] = []
    literal = False
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            out.append("")
            continue
        if literal and raw.startswith("    "):
            out.append(line)
            continue
        literal = False
        new_item = bool(re.match(r"(- |\* |\d+[.)] )", stripped))
        if out and out[-1] and not new_item and not out[-1].endswith("::") and not out[-1].startswith("    "):
            out[-1] += " " + stripped
        else:
            out.append(stripped)
        literal = stripped.endswith("::")
    return "\n".join(out)


def count(reps: Sequence[Reproduction], results: Mapping[str, Result]) -> dict[str, dict[str, int]]:
    """{"reproduction": {verdict: n, "not run": n}, "check": {...}}: checks never enter the reproductions' count."""
    out = {k: {v: 0 for v in (*verdicts_for(k), NOT_RUN)} for k in ("reproduction", "check")}
    for rep in reps:
        res = results.get(rep.name)
        out[rep.kind][shown_verdict(rep, res)] += 1
    return out


def shown_verdict(rep: Reproduction, res: Result | None) -> str:
    """The verdict as every table shows it: a check holds or fails (a result made outside
    :meth:`Reproduction.run` may still carry "reproduced"), and an entry without a result is "not run"."""
    if res is None:
        return NOT_RUN
    return as_check_verdict(res.verdict) if rep.kind == "check" else res.verdict


def _as_mapping(results: Sequence[Result] | Mapping[str, Result]) -> dict[str, Result]:
    if isinstance(results, Mapping):
        return dict(results)
    return {r.name: r for r in results}


def _rel(path: Path | str, base_dir: Path | None) -> str:
    p = Path(path)
    if base_dir is not None:
        try:
            return p.resolve().relative_to(Path(base_dir).resolve()).as_posix()
        except ValueError:
            pass
    return p.as_posix()


def _paper_line(paper: Any) -> tuple[str, str]:
    authors = ", ".join(paper.authors)
    venue = f"{paper.venue} {paper.year}".strip() if paper.venue else str(paper.year)
    arxiv = f", arXiv {paper.arxiv}" if paper.arxiv else ""
    return f"{authors}. “{paper.title}”. {venue}{arxiv}.", paper.link()


def _summary_line(counts: dict[str, dict[str, int]]) -> tuple[str, str]:
    r, c = counts["reproduction"], counts["check"]
    decided = r["reproduced"] + r["not reproduced"] + r["inconclusive"]
    rate = f"{r['reproduced']}/{decided}" if decided else "0/0"
    repro = (
        f"Reproductions: {r['reproduced']} reproduced, {r['not reproduced']} not reproduced, "
        f"{r['inconclusive']} inconclusive"
        + (f", {r[NOT_RUN]} not run" if r[NOT_RUN] else "")
        + f" (reproduced rate {rate} of those run)."
    )
    checks = (
        f"Checks (identities, not counted above): {c['holds']} hold, {c['fails']} fail"
        + (f", {c['inconclusive']} undecided" if c["inconclusive"] else "")
        + (f", {c[NOT_RUN]} not run" if c[NOT_RUN] else "")
        + "."
    )
    return repro, checks


def _judgement_rows(res: Result) -> list[tuple[str, str, str]]:
    """(label, verdict, estimate [interval] (n)) for the overall judgement and each of its parts."""
    return judgement_rows(res.judgement.to_dict() if res.judgement is not None else None, res.kind)


def judgement_rows(judgement: Mapping[str, Any] | None, kind: str = "reproduction") -> list[tuple[str, str, str]]:
    """The rows of a judgement as ``Judgement.to_dict`` writes it (a run's metrics.json, the store's runs): its
    leaves, each (label, verdict, estimate [interval] (n)); a check's verdicts read holds / fails."""
    if not judgement:
        return []
    rows = []
    for p in judgement.get("parts") or [judgement]:
        for q in p.get("parts") or [p]:
            verdict = str(q.get("verdict", ""))
            rows.append((str(q.get("label") or p.get("label") or "verdict"),
                         as_check_verdict(verdict) if kind == "check" else verdict, str(q.get("text", ""))))  # fmt: skip
    return rows


def build_report(
    results: Sequence[Result] | Mapping[str, Result],
    fmt: str = "html",
    *,
    mode: str = "",
    base_dir: Path | None = None,
) -> str:
    """Render every registered claim with its paper, design, verdict (estimate, interval, n, reason) and figures,
    and the count (reproduced / not / inconclusive; checks apart). ``fmt``: "html" (all text escaped) or "md"."""
    if fmt not in ("html", "md"):
        raise ValueError(f"fmt must be 'html' or 'md', got {fmt!r}")
    by_name = _as_mapping(results)
    reps = all_reproductions()
    counts = count(reps, by_name)
    ordered = [r for r in reps if r.kind == "reproduction"] + [r for r in reps if r.kind == "check"]
    return (_html if fmt == "html" else _markdown)(ordered, by_name, counts, mode, base_dir)


def _markdown(
    reps: list[Reproduction],
    results: dict[str, Result],
    counts: dict[str, dict[str, int]],
    mode: str,
    base_dir: Path | None,
) -> str:
    repro, checks = _summary_line(counts)
    lines = [
        f"# Reproductions report{f' ({mode})' if mode else ''}",
        "",
        repro,
        "",
        checks,
        "",
        "| name | kind | claim | verdict | estimate [95 % interval] |",
        "| --- | --- | --- | --- | --- |",
    ]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    for rep in reps:
        res = results.get(rep.name)
        est = res.judgement.fmt() if res is not None and res.judgement is not None else ""
        lines.append(
            f"| {cell(rep.name)} | {rep.kind} | {cell(rep.claim)} | {shown_verdict(rep, res)} | {cell(est)} |"
        )
    for rep in reps:
        res = results.get(rep.name)
        lines += [
            "",
            f"## {rep.name}: {rep.title}",
            "",
            f"*{rep.kind}* · topic {rep.topic}",
            "",
            f"**Claim.** {rep.claim}",
            "",
            "**Papers.**",
        ]
        for paper in rep.papers:
            text, link = _paper_line(paper)
            lines.append(f"- {text} <{link}>")
        design = design_text(rep)
        if design:
            lines += ["", "**Design (stated before the run).**", "", "```", design, "```"]
        if res is None:
            lines += ["", f"**Verdict.** {NOT_RUN}"]
            continue
        lines += ["", f"**Verdict: {shown_verdict(rep, res)}.** {res.reason}", ""]
        rows = _judgement_rows(res)
        if rows:
            lines += ["| part | verdict | estimate [interval] (n) |", "| --- | --- | --- |"]
            lines += [f"| {cell(a)} | {b} | {cell(c)} |" for a, b, c in rows]
            lines.append("")
        lines += [f"**Paper reports.** {res.paper_figure}", "", f"**Measured.** {res.measured}", ""]
        seeds = res.params.get("seeds")
        lines.append(f"Mode {res.params.get('mode', '')}, seeds {seeds}, {res.seconds:.1f} s.")
        for fig in res.figures:
            lines += ["", f"![{rep.name}]({_rel(fig, base_dir)})"]
    return "\n".join(lines) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
.reproduced,.holds{color:#176917}.not-reproduced,.fails{color:#a31515}.inconclusive,.not-run{color:#8a6d00}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}img{max-width:100%}section{margin-top:2.5rem}"""


def _html(
    reps: list[Reproduction],
    results: dict[str, Result],
    counts: dict[str, dict[str, int]],
    mode: str,
    base_dir: Path | None,
) -> str:
    e = html.escape
    repro, checks = _summary_line(counts)

    def badge(verdict: str) -> str:
        return f'<span class="{e(verdict.replace(" ", "-"))}">{e(verdict)}</span>'

    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Reproductions report{e(f' ({mode})' if mode else '')}</title>",
        f"<style>{_CSS}</style>",
        "</head><body>",
        f"<h1>Reproductions report{e(f' ({mode})' if mode else '')}</h1>",
        f"<p><strong>{e(repro)}</strong></p>",
        f"<p>{e(checks)}</p>",
        "<table><tr><th>name</th><th>kind</th><th>claim</th><th>verdict</th><th>estimate [95 % interval]</th></tr>",
    ]
    for rep in reps:
        res = results.get(rep.name)
        est = res.judgement.fmt() if res is not None and res.judgement is not None else ""
        out.append(
            f'<tr><td><a href="#{e(rep.name)}">{e(rep.name)}</a></td><td>{e(rep.kind)}</td>'
            f"<td>{e(rep.claim)}</td><td>{badge(shown_verdict(rep, res))}</td><td>{e(est)}</td></tr>"
        )
    out.append("</table>")
    for rep in reps:
        res = results.get(rep.name)
        out += [
            f'<section id="{e(rep.name)}">',
            f"<h2>{e(rep.name)}: {e(rep.title)}</h2>",
            f"<p><em>{e(rep.kind)}</em> · topic {e(rep.topic)}</p>",
            f"<p><strong>Claim.</strong> {e(rep.claim)}</p>",
            "<p><strong>Papers.</strong></p><ul>",
        ]
        for paper in rep.papers:
            text, link = _paper_line(paper)
            out.append(f'<li>{e(text)} <a href="{e(link)}">{e(link)}</a></li>')
        out.append("</ul>")
        design = design_text(rep)
        if design:
            out.append(f"<p><strong>Design (stated before the run).</strong></p><pre>{e(design)}</pre>")
        if res is None:
            out += [f"<p><strong>Verdict.</strong> {badge(NOT_RUN)}</p>", "</section>"]
            continue
        out.append(f"<p><strong>Verdict: {badge(shown_verdict(rep, res))}.</strong> {e(res.reason)}</p>")
        rows = _judgement_rows(res)
        if rows:
            out.append("<table><tr><th>part</th><th>verdict</th><th>estimate [interval] (n)</th></tr>")
            out += [f"<tr><td>{e(a)}</td><td>{badge(b)}</td><td>{e(c)}</td></tr>" for a, b, c in rows]
            out.append("</table>")
        out += [
            f"<p><strong>Paper reports.</strong> {e(res.paper_figure)}</p>",
            f"<p><strong>Measured.</strong> {e(res.measured)}</p>",
            f"<p>Mode {e(str(res.params.get('mode', '')))}, seeds {e(str(res.params.get('seeds')))}, "
            f"{res.seconds:.1f} s.</p>",
        ]
        for fig in res.figures:
            src = _rel(fig, base_dir)
            out.append(
                f'<figure><img src="{e(src)}" alt="{e(rep.name)} figure"><figcaption>{e(Path(fig).name)}'
                "</figcaption></figure>"
            )
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(
    out_path: Path,
    mode: str = "quick",
    *,
    names: Sequence[str] | None = None,
    progress: Callable[[str, float], None] | None = None,
    jobs: int = 1,
) -> Path:
    """Run the reproductions in ``mode`` and write the report to ``out_path`` (.html/.htm: HTML, else Markdown).

    ``jobs``: how many run at once, one per core (``reproductions.runner``; entries that measure time run alone)."""
    if mode not in ("smoke", "quick", "full"):
        raise ValueError(f"mode must be smoke, quick or full, got {mode!r}")
    from reproductions.runner import run_many

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig_root = out_path.parent / f"{out_path.stem}-figures"
    reps = [r for r in all_reproductions() if names is None or r.name in names]
    ran = run_many(reps, mode, fig_root, jobs=jobs, progress=progress)
    results: dict[str, Result] = {name: r.result for name, r in ran.items()}
    fmt = "html" if out_path.suffix.lower() in (".html", ".htm") else "md"
    out_path.write_text(build_report(results, fmt, mode=mode, base_dir=out_path.parent), encoding="utf-8")
    return out_path
