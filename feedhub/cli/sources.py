"""``feedhub source ...``: add, list, remove, enable, disable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import safe
from feedhub.errors import FeedhubError, InvalidInput

app = typer.Typer(no_args_is_help=True, help="Manage the feeds and endpoints feedhub pulls.", epilog="Example: feedhub source add arxiv:cs.LG")


@app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[Optional[str], typer.Argument(help="Feed URL, a site's home page, a file path, or a shorthand such as arxiv:cs.LG.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="Display name.")] = None,
    section: Annotated[Optional[str], typer.Option("--section", help="news | posts | code | papers")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="Source kind (default: guessed from the URL).")] = None,
    starter: Annotated[bool, typer.Option("--starter", help="Add the curated starter set for following AI research.")] = False,
    no_check: Annotated[bool, typer.Option("--no-check", help="Add the URL as given, without fetching it to find the feed.")] = False,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow private and loopback addresses when checking.")] = False,
    releases: Annotated[bool, typer.Option("--releases", help="github:owner/name: the releases feed (the default).")] = False,
    tags: Annotated[bool, typer.Option("--tags", help="github:owner/name: the tags feed.")] = False,
    commits: Annotated[bool, typer.Option("--commits", help="github:owner/name[@branch]: the commits feed.")] = False,
    max_posts: Annotated[Optional[int], typer.Option("--max-posts", min=1, max=100, help="X lists: posts read per fetch (1-100, default 20). X bills every post read.")] = None,
) -> None:
    """Add a source. Given a home page, finds its feed (<link rel="alternate">, then common paths).

    Also: github:owner/name (--releases, --tags, --commits), github:USER (public activity), Bluesky lists
    (https://bsky.app/profile/HANDLE/lists/RKEY, read without login) and profiles, Mastodon profiles
    (https://HOST/@USER) and tags (mastodon:#TAG@HOST), Nitter/RSSHub bridge URLs, and X lists
    (https://x.com/i/lists/ID, needs X_BEARER_TOKEN). X cost: the API bills every post it returns
    (pay-per-usage, prices in X's Developer Console; a post read again the same day counts once). One
    fetch reads at most --max-posts posts (default 20); X lists are fetched every 4 hours, so at most
    6 x 20 = 120 post reads a day per list.

    Example: feedhub source add github:pytorch/pytorch --releases
    """
    from feedhub.fetch.subscribe import source_options, subscribe, subscribe_starter

    app_ctx = app_context(ctx)
    if starter:
        if url:
            raise InvalidInput("give either a URL or --starter, not both")
        added = subscribe_starter(app_ctx.session)
        for a in added:
            app_ctx.console.print(f"{'added' if a.created else 'already subscribed as'} source {a.id}: {safe(a.name)}" + (f" ({safe(a.url)})" if a.created else ""))
        made = sum(a.created for a in added)
        app_ctx.console.print(f"starter set: {made} added, {len(added) - made} already there; `feedhub fetch` pulls them")
        return
    if not url:
        raise InvalidInput("give a feed URL, a home page, a file path or a shorthand (or --starter); e.g. feedhub source add arxiv:cs.LG")
    options = source_options([f for f, on in (("releases", releases), ("tags", tags), ("commits", commits)) if on], max_posts)
    if allow_private:
        app_ctx.settings.allow_private = True
    a = subscribe(app_ctx.session, app_ctx.settings, url, name=name, section=section, kind=kind, options=options or None,
                  check=not no_check)
    for warning in a.warnings:
        app_ctx.err.print(f"warning: {safe(warning)}")
    for note in a.notes:
        app_ctx.console.print(safe(note))
    if a.created:
        app_ctx.console.print(f"added source {a.id}: {safe(a.name)} ({safe(a.url)})")
    else:
        app_ctx.console.print(f"already subscribed as source {a.id}: {safe(a.name)} ({safe(a.url)})")


@app.command("import-opml")
def import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file exported from Feedly, Miniflux, newsboat, ...")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
    allow_files: Annotated[bool, typer.Option("--allow-files", help="Import file:// feeds too (skipped by default).")] = False,
) -> None:
    """Subscribe to every feed in an OPML file; folders are kept, duplicates reported and not added twice.

    Example: feedhub source import-opml feedly.opml
    """
    from feedhub.subscriptions.opml import import_opml as do_import
    from feedhub.subscriptions.opml import read_opml_file

    app_ctx = app_context(ctx)
    data = read_opml_file(file)
    with app_ctx.session() as session, session.begin():
        report = do_import(session, data, str(file), allow_files=allow_files)
    if json_out:
        print_json(report.as_json())
        return
    for sid, sname, surl in report.added:
        app_ctx.console.print(f"added source {sid}: {safe(sname)} ({safe(surl)})")
    for u, why in report.duplicates:
        app_ctx.console.print(f"[yellow]duplicate[/] {safe(u)}: {safe(why)}")
    for item, why in report.invalid:
        app_ctx.console.print(f"[red]skipped[/] {safe(item)}: {safe(why)}")
    app_ctx.console.print(f"{len(report.added)} added, {len(report.duplicates)} duplicates, {len(report.invalid)} skipped")


@app.command("export-opml")
def export_opml(
    ctx: typer.Context,
    file: Annotated[Optional[Path], typer.Argument(help="Where to write (default: standard output).")] = None,
) -> None:
    """Write every source as OPML 2.0 (folders as nested outlines), for any feed reader.

    Example: feedhub source export-opml feeds.opml
    """
    import sys

    from feedhub.subscriptions.opml import export_opml as do_export

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        data = do_export(session)
    if file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        file.write_bytes(data)
    except OSError as exc:
        raise FeedhubError(f"cannot write {file}: {exc.strerror or exc}") from None
    app_ctx.err.print(f"wrote {data.count(b'xmlUrl=')} sources to {safe(file)}")


@app.command("list")
def list_(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List sources with their state.

    Example: feedhub source list --json
    """
    from feedhub.subscriptions.manage import list_sources, source_json

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
        table.add_row(str(r["id"]), safe(r["name"]), str(r["kind"]), str(r["section"] or ""), str(r["entries"]), safe(state), safe(r["url"]))
    app_ctx.console.print(table)


@app.command("set")
def set_(
    ctx: typer.Context,
    source_id: Annotated[int, typer.Argument(help="Source id (see `source list`).")],
    name: Annotated[Optional[str], typer.Option("--name", help="A new display name.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="A new feed URL (the entries stay; the next fetch starts afresh).")] = None,
    section: Annotated[Optional[str], typer.Option("--section", help="news | posts | code | papers: the digest section it feeds.")] = None,
    clear_section: Annotated[bool, typer.Option("--clear-section", help="Let the digest decide per entry again.")] = False,
    weight: Annotated[Optional[float], typer.Option("--weight", help="Ranking weight in the digest (default 1).")] = None,
) -> None:
    """Change a source's name, URL, digest section or ranking weight.

    Example: feedhub source set 3 --url https://example.org/feed.xml --name "Lab blog"
    """
    from feedhub.errors import InvalidInput
    from feedhub.subscriptions.manage import set_source

    if section is None and weight is None and not clear_section and name is None and url is None:
        raise InvalidInput("nothing to change; give --name, --url, --section, --clear-section or --weight")
    app_ctx = app_context(ctx)
    with app_ctx.session() as session, session.begin():
        source = set_source(session, source_id, section=section, weight=weight, clear_section=clear_section, name=name, url=url)
        new_name, new_url, sec, w = source.name, source.url, source.section, source.weight
    app_ctx.console.print(f"source {source_id}: {safe(new_name)} ({safe(new_url)}) — section {sec or '(per entry)'}, weight {w:g}", highlight=False)


@app.command("remove")
def remove(
    ctx: typer.Context,
    source_id: Annotated[int, typer.Argument(help="Source id (see `source list`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")] = False,
) -> None:
    """Remove a source and its entries, after saying how many and asking (--yes skips the question).

    Papers stay, with their other mentions; `source disable` keeps the entries instead.

    Example: feedhub source remove 3 --yes
    """
    from feedhub.subscriptions.manage import entry_count, get_source, remove_source

    app_ctx = app_context(ctx)
    if not yes:
        with app_ctx.session() as session:
            source = get_source(session, source_id)
            name, count = source.name, entry_count(session, source_id)
        try:
            sure = typer.confirm(f"remove source {source_id} ({name}) and its {count} entr{'y' if count == 1 else 'ies'}?", default=False, err=True)
        except typer.Abort:  # no answer (stdin closed, as under cron)
            typer.echo("", err=True)
            sure = None
        if sure is None:
            raise InvalidInput(f"source {source_id} not removed: nobody answered the question; add --yes to remove without asking")
        if not sure:
            app_ctx.err.print(f"not removed (`feedhub source disable {source_id}` stops fetching it and keeps its entries)", markup=False, highlight=False)
            raise typer.Exit(1)
    with app_ctx.session() as session, session.begin():
        source, count = remove_source(session, source_id)
        name = source.name
    app_ctx.console.print(f"removed source {source_id}: {safe(name)}, and its {count} entr{'y' if count == 1 else 'ies'}", highlight=False)


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
    from feedhub.subscriptions.manage import set_enabled

    app_ctx = app_context(ctx)
    with app_ctx.session() as session, session.begin():
        source = set_enabled(session, source_id, enabled)
        name = source.name
    app_ctx.console.print(f"{'enabled' if enabled else 'disabled'} source {source_id}: {safe(name)}")
