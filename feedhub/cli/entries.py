"""``feedhub entries``: what was pulled."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import safe


def entries(
    ctx: typer.Context,
    since: Annotated[Optional[str], typer.Option("--since", help="Only entries published on or after (YYYY-MM-DD).")] = None,
    source: Annotated[Optional[int], typer.Option("--source", help="Only this source id.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List pulled entries, newest first.

    Example: feedhub entries --since 2018-02-19 --limit 20
    """
    from feedhub.links.dates import parse_date
    from feedhub.store.queries import entry_json, list_entries
    from feedhub.subscriptions.manage import get_source

    app_ctx = app_context(ctx)
    since_dt = parse_date(since) if since else None
    with app_ctx.session() as session:
        if source is not None:
            get_source(session, source)
        rows = [entry_json(e, s) for e, s in list_entries(session, since=since_dt, source_id=source, limit=limit)]
    if json_out:
        print_json(rows)
        return
    if not rows:
        app_ctx.console.print("no entries: `feedhub fetch` pulls your sources (or try `feedhub demo`)")
        return
    table = Table("id", "published", "source", "title")
    for r in rows:
        table.add_row(str(r["id"]), str(r["published_at"])[:16].replace("T", " "), safe(r["source"]), safe(r["title"]))
    app_ctx.console.print(table)
