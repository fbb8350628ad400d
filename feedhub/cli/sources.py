"""``feedhub source ...``: add, list, remove, enable, disable."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json

app = typer.Typer(no_args_is_help=True, help="Manage the feeds and endpoints feedhub pulls.")


@app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Feed URL, file path, or a shorthand such as arxiv:cs.LG.")],
    name: Annotated[Optional[str], typer.Option("--name", help="Display name.")] = None,
    section: Annotated[Optional[str], typer.Option("--section", help="news | posts | code | papers")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="Source kind (default: guessed from the URL).")] = None,
) -> None:
    """Add a source.

    Example: feedhub source add https://example.org/feed.xml --name "Lab blog" --section posts
    """
    from feedhub.subscriptions import add_source, resolve_spec

    app_ctx = app_context(ctx)
    spec = resolve_spec(url, name=name, section=section, kind=kind)
    with app_ctx.session() as session, session.begin():
        source, created = add_source(session, spec)
        sid, sname, surl = source.id, source.name, source.url
    if created:
        app_ctx.console.print(f"added source {sid}: {sname} ({surl})")
    else:
        app_ctx.console.print(f"already subscribed as source {sid}: {sname} ({surl})")


@app.command("list")
def list_(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List sources with their state.

    Example: feedhub source list --json
    """
    from feedhub.subscriptions import list_sources, source_json

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        rows = [source_json(s, n) for s, n in list_sources(session)]
    if json_out:
        print_json(rows)
        return
    if not rows:
        app_ctx.console.print("no sources yet: `feedhub source add URL` or `feedhub demo`")
        return
    table = Table("id", "name", "kind", "section", "entries", "state", "url")
    for r in rows:
        state = "disabled" if not r["enabled"] else ("error: " + str(r["last_error"])[:40] if r["last_error"] else "ok")
        table.add_row(str(r["id"]), str(r["name"]), str(r["kind"]), str(r["section"] or ""), str(r["entries"]), state, str(r["url"]))
    app_ctx.console.print(table)


@app.command("remove")
def remove(ctx: typer.Context, source_id: Annotated[int, typer.Argument(help="Source id (see `source list`).")]) -> None:
    """Remove a source and its entries.

    Example: feedhub source remove 3
    """
    from feedhub.subscriptions import remove_source

    app_ctx = app_context(ctx)
    with app_ctx.session() as session, session.begin():
        source = remove_source(session, source_id)
        name = source.name
    app_ctx.console.print(f"removed source {source_id}: {name}")


@app.command("enable")
def enable(ctx: typer.Context, source_id: Annotated[int, typer.Argument(help="Source id.")]) -> None:
    """Enable a source (and clear its error back-off).

    Example: feedhub source enable 3
    """
    _set(ctx, source_id, True)


@app.command("disable")
def disable(ctx: typer.Context, source_id: Annotated[int, typer.Argument(help="Source id.")]) -> None:
    """Disable a source without losing its entries.

    Example: feedhub source disable 3
    """
    _set(ctx, source_id, False)


def _set(ctx: typer.Context, source_id: int, enabled: bool) -> None:
    from feedhub.subscriptions import set_enabled

    app_ctx = app_context(ctx)
    with app_ctx.session() as session, session.begin():
        source = set_enabled(session, source_id, enabled)
        name = source.name
    app_ctx.console.print(f"{'enabled' if enabled else 'disabled'} source {source_id}: {name}")
