"""``feedhub fetch``: pull due sources."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json


def fetch(
    ctx: typer.Context,
    source: Annotated[Optional[list[int]], typer.Option("--source", help="Only this source id (repeatable).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Pull sources and store what is new.

    Example: feedhub fetch --source 2
    """
    from feedhub.fetch.runner import fetch_local

    app_ctx = app_context(ctx)
    results = fetch_local(app_ctx.engine, source)
    rows = [
        {"id": r.source_id, "name": r.name, "status": r.status, "new": r.new, "updated": r.updated, "error": r.error,
         "warning": r.warning, "next_check_at": r.next_check_at.isoformat() if r.next_check_at else None}
        for r in results
    ]
    if json_out:
        print_json(rows)
        return
    table = Table("id", "source", "status", "new", "updated", "next check", "note")
    for r in rows:
        table.add_row(str(r["id"]), str(r["name"]), str(r["status"]), str(r["new"]), str(r["updated"]),
                      str(r["next_check_at"] or "")[:16].replace("T", " "), str(r["error"] or r["warning"] or ""))
    app_ctx.console.print(table)
