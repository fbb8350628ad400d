"""``feedhub fetch``: pull due sources concurrently, then a summary per source."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import safe


def _next_check(r: Any, now: datetime) -> str:
    if r.status == "disabled":
        return "disabled"
    if r.paused:
        return "paused (--force)"
    if r.next_check_at is None:
        return ""
    minutes = max(int((r.next_check_at - now).total_seconds() // 60), 0)
    return f"in {minutes} min" if minutes < 120 else f"in {minutes // 60} h"


def fetch(
    ctx: typer.Context,
    source: Annotated[Optional[list[int]], typer.Option("--source", help="Only this source id, now (repeatable).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Fetch sources that are not due yet or paused after errors.")] = False,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow private, loopback and link-local addresses.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems (errors, warnings): nothing when all went well. For cron.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable summary, one object per source.")] = False,
) -> None:
    """Pull every due source concurrently and store what is new; print a summary per source.

    A source that fails records its error and backs off; after 3 errors in a row it pauses until --force.
    Exit status: 0 when no source failed (warnings included), 2 when some failed, 3 when all failed,
    1 when the fetch could not run at all.

    Example: feedhub fetch --source 2 --force
    """
    from feedhub.fetch.runner import FAILED, run_fetch
    from feedhub.store.types import utcnow

    app_ctx = app_context(ctx)
    quiet = quiet or app_ctx.quiet
    if allow_private:
        app_ctx.settings.allow_private = True
    engine = app_ctx.engine
    progress = None
    task_id = None
    if app_ctx.interactive and not quiet and not json_out:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=app_ctx.err, transient=True)

    def on_start(total: int) -> None:
        nonlocal task_id
        if progress is not None:
            progress.start()
            task_id = progress.add_task("", total=total)

    def on_result(r: Any) -> None:
        if progress is not None and task_id is not None:
            progress.update(task_id, advance=1, description=safe(r.name[:40]))

    from feedhub.store.locks import exclusive

    try:
        # Two fetches of one database take turns (the second one says it waits), so they never race.
        with exclusive(engine, "fetch", notify=lambda msg: app_ctx.err.print(safe(msg))):
            report = run_fetch(engine, app_ctx.settings, source_ids=source, force=force, on_start=on_start, on_result=on_result)
    finally:
        if progress is not None:
            progress.stop()
    if json_out:
        print_json([r.as_json() for r in report.results])
        raise typer.Exit(report.exit_code())
    console = app_ctx.console
    if report.hook_error:
        app_ctx.err.print(f"warning: {safe(report.hook_error)}")
    if not report.results:
        if not quiet:
            console.print("nothing due: every source was checked recently (`feedhub fetch --force` pulls them now)")
        return
    now = utcnow()
    # --quiet (cron): only the sources with something to say, and nothing at all when every one was fine.
    rows = [r for r in report.results if r.status in FAILED or r.warning] if quiet else report.results
    if not rows:
        raise typer.Exit(report.exit_code())
    table = Table("id", "source", "status", "new", "updated", "next check", "note")
    for r in rows:
        status = "warning" if r.status == "ok" and r.warning else r.status  # never a bare "ok" beside a problem
        style = {"error": "red", "disabled": "red", "paused": "yellow", "warning": "yellow", "not modified": "dim"}.get(status, "")
        table.add_row(str(r.source_id), safe(r.name[:40]), f"[{style}]{status}[/]" if style else status, str(r.new), str(r.updated),
                      _next_check(r, now), safe((r.error or r.warning or "")[:120]))
    console.print(table)
    if quiet:
        raise typer.Exit(report.exit_code())
    t = report.totals()
    console.print(
        f"{t['sources']} source{'s' if t['sources'] != 1 else ''} in {report.seconds:.1f} s: {t['new']} new and {t['updated']} updated entries; "
        f"{t['ok']} ok, {t['not_modified']} not modified, {t['errors']} errors"
        + (f", {t['disabled']} disabled" if t["disabled"] else "") + (f", {t['paused']} paused" if t["paused"] else "")
    )
    raise typer.Exit(report.exit_code())
