"""``feedhub db ...``: migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from feedhub.cli.context import app_context
from feedhub.cli.text import safe

app = typer.Typer(no_args_is_help=True, help="The database: migrations, status and backups.", epilog="Example: feedhub db upgrade")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Run migrations up to the newest schema (every command also does this by itself).

    Example: feedhub db upgrade
    """
    from feedhub.store.db import current_revision, make_engine
    from feedhub.store.db import upgrade as do_upgrade

    app_ctx = app_context(ctx)
    engine = make_engine(app_ctx.settings.db_url)
    before = current_revision(engine)
    do_upgrade(engine)
    after = current_revision(engine)
    app_ctx.console.print(f"database at {after}" + (f" (was {before or 'empty'})" if before != after else " (already current)"))


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Show the database URL and schema revision (read only: it never creates a database).

    Example: feedhub db current
    """
    from feedhub.store.db import current_revision, head_revision, make_engine, missing_sqlite_file

    app_ctx = app_context(ctx)
    missing = missing_sqlite_file(app_ctx.settings.db_url)
    if missing is not None:
        app_ctx.console.print(f"no database yet at {missing} (head {head_revision()}); any command creates it, e.g. `feedhub db upgrade`",
                              markup=False, highlight=False)
        return
    engine = make_engine(app_ctx.settings.db_url)
    rev = current_revision(engine)
    app_ctx.console.print(f"{engine.url.render_as_string(hide_password=True)}: revision {rev or 'none'} (head {head_revision()})")


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The new file to write the copy to (never overwritten).")],
) -> None:
    """Copy the SQLite store to PATH, consistently even while a fetch runs (PostgreSQL: says how with pg_dump).

    To restore: stop feedhub, then `cp PATH ~/.local/share/feedhub/feedhub.db` (the data dir's feedhub.db;
    remove feedhub.db-wal and feedhub.db-shm beside it first).

    Example: feedhub db backup ~/feedhub-2018-02-25.db
    """
    from feedhub.store.db import backup as do_backup
    from feedhub.store.db import make_engine

    app_ctx = app_context(ctx)
    engine = make_engine(app_ctx.settings.db_url)  # as it is: a backup never migrates the store first
    size = do_backup(engine, path)
    app_ctx.console.print(f"backed up to {safe(path)} ({size:,} bytes); restore: stop feedhub, cp {safe(path)} over the database file")
