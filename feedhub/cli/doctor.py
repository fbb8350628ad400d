"""``feedhub doctor``: check the database, migrations, search index and sources; say what to run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import safe


def doctor(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check integrity, migrations, the search index and paused sources; exit 1 if something needs fixing.

    Example: feedhub doctor
    """
    from feedhub.ops.doctor import run_checks

    app_ctx = app_context(ctx)
    checks = run_checks(app_ctx.settings)  # opens the store itself, without upgrading it: it reports instead
    if json_out:
        print_json([c.to_json() for c in checks])
    else:
        table = Table("check", "", "detail", "run")
        for c in checks:
            table.add_row(safe(c.name), "[green]ok[/]" if c.ok else "[red]FIX[/]", safe(c.detail), safe(c.fix or ""))
        app_ctx.console.print(table)
        for c in checks:  # each problem, and its fix, as one line on stderr (for scripts and mail from cron)
            if not c.ok:
                app_ctx.err.print(f"{safe(c.name)}: {safe(c.detail)}; fix: {safe(c.fix or 'see above')}", soft_wrap=True, highlight=False)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
