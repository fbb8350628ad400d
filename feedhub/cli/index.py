"""``feedhub index ...``: the search index beside the database (rebuild, status, sync)."""

from __future__ import annotations

import typer

from feedhub.cli.context import app_context, print_json

app = typer.Typer(no_args_is_help=True, help="The search index (rebuilt from the database at any time).", epilog="Example: feedhub index rebuild")


def _notify(app_ctx):  # type: ignore[no-untyped-def]
    return None if app_ctx.quiet else (lambda msg: app_ctx.err.print(msg, markup=False, highlight=False))


@app.command("rebuild")
def rebuild(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Recreate the search index from the database (the old one is replaced when the new one is complete).

    Example: feedhub index rebuild
    """
    from feedhub.search import index as ix

    app_ctx = app_context(ctx)
    engine = app_ctx.engine
    if app_ctx.interactive and not json_out:
        from rich.progress import Progress

        with Progress(transient=True, console=app_ctx.err) as bar:
            task = bar.add_task("indexing", total=None)
            stats = ix.rebuild(app_ctx.settings, engine, notify=_notify(app_ctx),
                               progress=lambda done, total: bar.update(task, completed=done, total=total))  # fmt: skip
    else:
        stats = ix.rebuild(app_ctx.settings, engine, notify=_notify(app_ctx))
    rate = stats.documents / stats.seconds if stats.seconds else 0.0
    if json_out:
        print_json({"papers": stats.papers, "entries": stats.entries, "seconds": round(stats.seconds, 3), "documents_per_s": round(rate)})
        return
    app_ctx.console.print(f"indexed {stats.papers} papers and {stats.entries} entries in {stats.seconds:.1f} s ({rate:,.0f} documents/s)")


@app.command("sync")
def sync(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Index what changed in the database since the last update (fetch and imports do this themselves).

    Example: feedhub index sync
    """
    from feedhub.search import index as ix

    app_ctx = app_context(ctx)
    stats = ix.sync(app_ctx.settings, app_ctx.engine, notify=_notify(app_ctx))
    if json_out:
        print_json({"papers": stats.papers, "entries": stats.entries, "deleted": stats.deleted, "rebuilt": stats.rebuilt,
                    "seconds": round(stats.seconds, 3)})  # fmt: skip
        return
    verb = "rebuilt with" if stats.rebuilt else "updated"
    app_ctx.console.print(f"{verb} {stats.papers} papers and {stats.entries} entries ({stats.deleted} removed) in {stats.seconds:.2f} s")


@app.command("status")
def status(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Documents in the index and in the database, and how many changes wait to be indexed.

    Example: feedhub index status --json
    """
    from feedhub.search import index as ix

    app_ctx = app_context(ctx)
    info = ix.status(app_ctx.settings, app_ctx.engine)
    if json_out:
        print_json(info)
        return
    c = app_ctx.console
    if not info["exists"]:
        c.print(f"no search index at {info['path']} yet: `feedhub index rebuild` (or any search) builds it", markup=False)
        return
    db, lag = info["database"], info["lag"]
    c.print(f"index      {info['path']} ({info['size_bytes'] / 1e6:.1f} MB)", markup=False)
    c.print(f"documents  {info['documents']} ({info['papers']} papers, {info['entries']} entries)", markup=False)
    c.print(f"database   {db['papers']} papers, {db['entries']} entries", markup=False)
    c.print(f"lag        {lag['papers']} papers and {lag['entries']} entries changed since the last update", markup=False)
    c.print(f"updated    {info['synced_at']} (built {info['built_at']})", markup=False)
