"""``feedhub import ...``: bulk data for offline use — arXiv's metadata snapshot, Papers-with-Code links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import safe

app = typer.Typer(no_args_is_help=True, help="Import bulk data: arXiv's metadata snapshot, Papers-with-Code links.", epilog="Example: feedhub import arxiv-snapshot arxiv-metadata-oai-snapshot.json")


def _update_index(app_ctx) -> None:  # type: ignore[no-untyped-def]
    """The search index catches up with what was imported (incrementally, from its watermark)."""
    from feedhub.search.index import sync

    sync(app_ctx.settings, app_ctx.engine, notify=None if not app_ctx.interactive else lambda m: app_ctx.err.print(safe(m)))


@app.command("arxiv-snapshot")
def arxiv_snapshot(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="arxiv-metadata-oai-snapshot.json (JSON lines), .gz too.")],
    restart: Annotated[bool, typer.Option("--restart", help="Ignore a saved position and start from the first line.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=100, help="Papers per transaction (and resume point).")] = 20_000,
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import arXiv's public metadata snapshot into papers; an interrupted import resumes where it stopped.

    Example: feedhub import arxiv-snapshot arxiv-metadata-oai-snapshot.json.gz
    """
    from feedhub.papers.snapshot import import_snapshot

    app_ctx = app_context(ctx)
    stats = import_snapshot(app_ctx.engine, file, quiet=not app_ctx.interactive, restart=restart, batch_size=batch_size)
    _update_index(app_ctx)
    report = {
        "papers": stats.papers,
        "lines": stats.lines,
        "resumed_from_line": stats.resumed_from_line,
        "bad_lines": stats.bad_lines,
        "bad_line_numbers": stats.bad_line_numbers,
        "code_links": stats.repo_links,
        "seconds": round(stats.seconds, 2),
        "papers_per_second": round(stats.rate),
    }
    if json_out:
        print_json(report)
        return
    out = app_ctx.console
    resumed = f" (resumed at line {stats.resumed_from_line + 1:,})" if stats.resumed_from_line else ""
    out.print(f"imported {stats.papers:,} papers{resumed} in {stats.seconds:.1f} s ({stats.rate:,.0f} papers/s); "
              f"{stats.repo_links:,} code links from abstracts")
    if stats.bad_lines:
        shown = ", ".join(f"{n} ({r})" for n, r in zip(stats.bad_line_numbers[:10], stats.bad_reasons[:10]))
        more = f" and {stats.bad_lines - 10} more" if stats.bad_lines > 10 else ""
        app_ctx.err.print(f"skipped {stats.bad_lines:,} bad line(s): line {safe(shown)}{more}")


@app.command("pwc-links")
def pwc_links(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="links-between-papers-and-code.json (a JSON array), .gz too.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import the archived Papers-with-Code paper <-> code links (provenance "imported", official flag).

    Example: feedhub import pwc-links links-between-papers-and-code.json.gz
    """
    from feedhub.papers.pwc import import_pwc_links

    app_ctx = app_context(ctx)
    stats = import_pwc_links(app_ctx.engine, file, quiet=not app_ctx.interactive)
    _update_index(app_ctx)  # code links changed: has:code and stars in the index
    report = {
        "objects": stats.objects,
        "links": stats.links,
        "official": stats.official,
        "without_arxiv_id": stats.no_arxiv_id,
        "not_github": stats.no_repo,
        "bad": stats.bad,
        "seconds": round(stats.seconds, 2),
    }
    if json_out:
        print_json(report)
        return
    app_ctx.console.print(
        f"imported {stats.links:,} paper-code links ({stats.official:,} official) from {stats.objects:,} records; "
        f"skipped {stats.no_arxiv_id:,} without an arXiv id, {stats.no_repo:,} not on GitHub"
        + (f", {stats.bad:,} malformed" if stats.bad else "")
    )
