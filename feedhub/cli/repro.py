"""``feedhub repro ...``: list, run and show the PyTorch reproductions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json

app = typer.Typer(no_args_is_help=True, help="Runnable PyTorch reproductions of classic methods, checked against their papers.", epilog="Example: feedhub repro run adam --quick")

VERDICT_STYLE = {"reproduced": "green", "not reproduced": "red", "inconclusive": "yellow", "holds": "green", "fails": "red"}


@app.command("list")
def list_(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the reproductions: name, paper, claim, last verdict.

    Example: feedhub repro list
    """
    from feedhub.papers.reproductions import list_reproductions, sync_registry

    app_ctx = app_context(ctx)
    with app_ctx.session() as session, session.begin():
        sync_registry(session)
        rows = list_reproductions(session)
    if json_out:
        print_json(rows)
        return
    table = Table("name", "topic", "paper", "claim", "last verdict")
    for r in rows:
        papers = r["papers"]
        first = papers[0] if papers else {}  # type: ignore[index]
        paper = f"{first.get('authors', [''])[0].split()[-1] if first.get('authors') else ''} {first.get('year', '')}"  # type: ignore[union-attr]
        if first.get("arxiv"):  # type: ignore[union-attr]
            paper += f" (arXiv {first['arxiv']})"  # type: ignore[index]
        verdict = str(r["last_verdict"] or "-")
        table.add_row(str(r["name"]), str(r["topic"]), paper.strip(), str(r["claim"]),
                      f"[{VERDICT_STYLE.get(verdict, 'dim')}]{verdict}[/]")
    app_ctx.console.print(table)


@app.command("run")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Reproduction name (see `feedhub repro list`).")],
    quick: Annotated[bool, typer.Option("--quick", help="The fast check: <= 60 s on 2 CPU cores, fewer seeds.")] = False,
    smoke: Annotated[bool, typer.Option("--smoke", hidden=True, help="Seconds; proves the pipeline (tests).")] = False,
    seed: Annotated[int, typer.Option("--seed", help="First seed; runs use seed, seed+1, ...")] = 0,
    device: Annotated[str, typer.Option("--device", help="cpu or cuda.")] = "cpu",
    out: Annotated[Optional[Path], typer.Option("--out", help="Where metrics.json and figures go.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Run a reproduction's experiment and check the paper's claim.

    Example: feedhub repro run adam --quick
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from feedhub.papers.reproductions import run_json, run_reproduction
    from feedhub.store.models import Run

    app_ctx = app_context(ctx)
    mode = "smoke" if smoke else ("quick" if quick else "full")
    kwargs = dict(runs_dir=app_ctx.settings.runs_dir, mode=mode, seed=seed, device=device, out=out)
    if app_ctx.interactive and not json_out:
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=app_ctx.err, transient=True) as bar:
            task = bar.add_task(f"{name} ({mode})", total=1.0)
            outcome = run_reproduction(app_ctx.session, name,
                                       progress=lambda msg, frac: bar.update(task, completed=frac, description=f"{name}: {msg}"),
                                       **kwargs)  # type: ignore[arg-type]
    else:
        outcome = run_reproduction(app_ctx.session, name, **kwargs)  # type: ignore[arg-type]
    result = outcome.result
    if json_out:
        with app_ctx.session() as session:
            print_json(run_json(session.get(Run, outcome.run_id)))  # type: ignore[arg-type]
        return
    console = app_ctx.console
    console.print(f"[bold]{name}[/] ({mode}, seed {seed}, {device}) in {result.seconds:.1f} s")  # type: ignore[attr-defined]
    console.print(f"claim: {result.claim}")  # type: ignore[attr-defined]
    if result.table:  # type: ignore[attr-defined]
        cols = list(result.table[0].keys())  # type: ignore[attr-defined]
        table = Table(*cols)
        for row in result.table:  # type: ignore[attr-defined]
            table.add_row(*(_cell(row.get(c)) for c in cols))
        console.print(table)
    metrics = Table("metric", "mean ± std (over seeds)")
    for m in result.metrics:  # type: ignore[attr-defined]
        metrics.add_row(m.name, m.fmt())
    console.print(metrics)
    style = VERDICT_STYLE.get(result.verdict, "bold")  # type: ignore[attr-defined]
    console.print(f"paper: {result.paper_figure}")  # type: ignore[attr-defined]
    console.print(f"measured: {result.measured}")  # type: ignore[attr-defined]
    console.print(f"verdict: [{style}]{result.verdict}[/] — {result.reason}")  # type: ignore[attr-defined]
    console.print(f"metrics: {outcome.metrics_path}")
    for fig in result.figures:  # type: ignore[attr-defined]
        console.print(f"figure: {fig}")


@app.command("report")
def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The report: a .html page or a .md file (figures go beside it).")] = Path("report.html"),
    quick: Annotated[bool, typer.Option("--quick", help="Every experiment at its quick size (<= 60 s each; the default).")] = False,
    full: Annotated[bool, typer.Option("--full", help="Every experiment at full size: more seeds and steps (long).")] = False,
    smoke: Annotated[bool, typer.Option("--smoke", hidden=True, help="Seconds; proves the pipeline (tests).")] = False,
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Run only this reproduction (repeatable); the rest show as not run.")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", help="Experiments run at once, one per core (default: every core); those that time themselves run alone.")] = None,
) -> None:
    """Run every reproduction and check, and write the page a reviewer reads: each claim, its paper,
    design, verdict with numbers and interval, figures, and the count (checks apart).

    Example: feedhub repro report --quick --out report.html
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from feedhub.errors import InvalidInput
    from feedhub.papers.reproductions import write_report

    if quick and full:
        raise InvalidInput("give one of --quick and --full")
    mode = "smoke" if smoke else ("full" if full else "quick")
    app_ctx = app_context(ctx)
    if app_ctx.interactive:
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=app_ctx.err, transient=True) as bar:
            task = bar.add_task(f"report ({mode})", total=1.0)
            path = write_report(out, mode, names=only, jobs=jobs, progress=lambda msg, frac: bar.update(task, completed=frac, description=msg))
    else:
        path = write_report(out, mode, names=only, jobs=jobs)
    app_ctx.console.print(f"wrote {path}")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Reproduction name.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a reproduction's papers, claim and past runs.

    Example: feedhub repro show adam
    """
    from feedhub.papers.reproductions import fmt_time, get_reproduction, run_json, runs_of

    app_ctx = app_context(ctx)
    rep = get_reproduction(name)
    with app_ctx.session() as session:
        runs = [run_json(r) for r in runs_of(session, name)]
    if json_out:
        print_json({"name": rep.name, "title": rep.title, "claim": rep.claim, "module": rep.module,
                    "papers": [{"title": p.title, "authors": list(p.authors), "year": p.year, "arxiv": p.arxiv, "url": p.link()}
                               for p in rep.papers], "runs": runs})
        return
    console = app_ctx.console
    console.print(f"[bold]{rep.name}[/]: {rep.title}")
    console.print(f"claim: {rep.claim}")
    for p in rep.papers:
        console.print(f"paper: {p.title} — {', '.join(p.authors[:3])}{' et al.' if len(p.authors) > 3 else ''} ({p.year}) {p.link()}")
    console.print(f"code: {rep.module}")
    if not runs:
        console.print(f"no runs yet: feedhub repro run {rep.name} --quick")
        return
    table = Table("id", "when", "mode", "device", "seconds", "verdict", "measured")
    from datetime import datetime

    for r in runs:
        v = str(r["verdict"])
        table.add_row(str(r["id"]), fmt_time(datetime.fromisoformat(str(r["started_at"]))), str(r["mode"]), str(r["device"]),
                      f"{r['seconds']}", f"[{VERDICT_STYLE.get(v, 'bold')}]{v}[/]", str(r["measured"]))
    console.print(table)
