"""``feedhub demo``: load the bundled sample week and show what came in."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from feedhub.cli.context import app_context
from feedhub.cli.text import safe


def demo(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before mixing the sample into your data.")] = False,
) -> None:
    """Load the bundled sample week (2018-W08) into the current data dir.

    Example: FEEDHUB_HOME=$(mktemp -d) feedhub demo && feedhub digest --week 2018-W08
    """
    from feedhub.ops.demo import has_user_sources, load_demo

    app_ctx = app_context(ctx)
    if has_user_sources(app_ctx.engine) and not yes:
        if not typer.confirm("This database already holds your own sources; mix the sample week into it?", default=False):
            app_ctx.console.print("nothing loaded (use a separate data dir: FEEDHUB_HOME=/tmp/feedhub-demo feedhub demo)")
            raise typer.Exit(1)
    report = load_demo(app_ctx.engine, app_ctx.settings)
    table = Table("source", "section", "status", "new", "updated", "note", title="Sample week 2018-W08")
    for r in report.sources:
        table.add_row(safe(r.name), r.section or "", r.status, str(r.new), str(r.updated), safe(r.error or r.warning or ""))
    app_ctx.console.print(table)
    app_ctx.console.print(
        f"{report.entries} entries, {report.papers} papers ({report.enriched} with metadata) in {app_ctx.settings.db_url}"
    )
