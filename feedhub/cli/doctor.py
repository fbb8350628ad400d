"""``feedhub doctor``: check the database, migrations, search index and sources; say what to run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json


def doctor(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check integrity, migrations, the search index and paused sources; exit 1 if something needs fixing.

    Example: feedhub doctor
    """
    from feedhub.ops.doctor import run_checks
    from feedhub.store.db import make_engine

    app_ctx = app_context(ctx)
    checks = run_checks(app_ctx.settings, make_engine(app_ctx.settings.db_url))  # no auto-upgrade: report it
    if json_out:
        print_json([c.to_json() for c in checks])
    else:
        table = Table("check", "", "detail", "run")
        for c in checks:
            table.add_row(c.name, "[green]ok[/]" if c.ok else "[red]FIX[/]", c.detail, c.fix or "")
        app_ctx.console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
