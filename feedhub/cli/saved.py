"""``feedhub paper save/unsave`` and ``feedhub saved [export]``: the user's saved papers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import clean, safe

app = typer.Typer(invoke_without_command=True, help="Saved papers: list them, export them as BibTeX or CSV.", epilog="Example: feedhub saved --tag reading-group")


def save(
    ctx: typer.Context,
    paper: Annotated[str, typer.Argument(help="arXiv id (1706.03762, arXiv:1706.03762v5 or its URL).")],
    tag: Annotated[Optional[list[str]], typer.Option("--tag", "-t", help="Tag it (repeat for more; added to its tags).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="A note to keep with it.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Save a paper, with tags. Saved papers drive `search --saved`, `recommend` and the digest's ranking.

    Example: feedhub paper save 1706.03762 --tag reading-group
    """
    from feedhub.search.members import resolve
    from feedhub.search.saved import save as do_save
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        res = do_save(session, paper, tag or (), note, member_id=resolve(session, app_ctx.settings.member).id)
    if json_out:
        print_json({"id": res.paper_id, "tags": res.tags, "created": res.created, "stub": res.stub})
        return
    verb = "saved" if res.created else "already saved; tags now"
    tags = f" [{', '.join(res.tags)}]" if res.tags else ""
    app_ctx.console.print(clean(f"{verb} {res.paper_id}{tags}"), markup=False)
    if res.stub:
        app_ctx.err.print(f"note: {res.paper_id} was not in the database yet; it is kept as a stub until it is enriched", markup=False)


def unsave(
    ctx: typer.Context,
    paper: Annotated[str, typer.Argument(help="arXiv id.")],
    tag: Annotated[Optional[list[str]], typer.Option("--tag", "-t", help="Only remove this tag (the paper stays saved).")] = None,
) -> None:
    """Remove a paper from the saved list (or only some of its tags).

    Example: feedhub paper unsave 1706.03762
    """
    from feedhub.search.members import resolve
    from feedhub.search.saved import unsave as do_unsave
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        left = do_unsave(session, paper, tag or (), member_id=resolve(session, app_ctx.settings.member).id)
    if left is None:
        app_ctx.console.print(clean(f"unsaved {paper.strip()}"), markup=False)
    else:
        app_ctx.console.print(clean(f"{paper.strip()} tags now [{', '.join(left)}]"), markup=False)


def register(paper_app: typer.Typer) -> None:
    """Add ``save`` and ``unsave`` to the ``paper`` sub-app (whoever owns it)."""
    paper_app.command("save")(save)
    paper_app.command("unsave")(unsave)


@app.callback()
def saved(
    ctx: typer.Context,
    tag: Annotated[Optional[str], typer.Option("--tag", "-t", help="Only papers with this tag.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List saved papers, newest first.

    Example: feedhub saved --tag reading-group
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from feedhub.search.members import resolve
    from feedhub.search.saved import list_saved

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        rows = [sp.to_json() for sp in list_saved(session, tag, resolve(session, app_ctx.settings.member).id)]
    if json_out:
        print_json(rows)
        return
    if not rows:
        app_ctx.console.print(clean("nothing saved" + (f" with tag {tag!r}" if tag else "") + ": `feedhub paper save ID --tag T`"), markup=False)
        return
    table = Table("id", "published", "tags", "title")
    for r in rows:
        table.add_row(safe(r["id"]), str(r["published_at"] or "")[:10], safe(", ".join(r["tags"] or [])), safe(r["title"] or ""))
    app_ctx.console.print(table)


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="bibtex or csv.")] = "bibtex",
    tag: Annotated[Optional[str], typer.Option("--tag", "-t", help="Only papers with this tag.")] = None,
) -> None:
    """Export saved papers: BibTeX entries (arXiv eprint fields, DOI when known) or CSV, to stdout.

    Example: feedhub saved export --format bibtex --tag reading-group > refs.bib
    """
    import sys

    from feedhub.search.members import resolve
    from feedhub.search.saved import export as do_export

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        sys.stdout.write(do_export(session, fmt.lower(), tag, resolve(session, app_ctx.settings.member).id))


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="BibTeX (.bib), Zotero CSL-JSON (.json) or RDF (.rdf), or arXiv ids one a line.")],
    tag: Annotated[Optional[list[str]], typer.Option("--tag", "-t", help="Also tag every imported paper (repeat for more).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Seed your saved papers from a reference manager's export: every entry with an arXiv id is saved.

    Broken BibTeX entries are reported with their line and the rest is imported; nothing saved is lost.

    Example: feedhub saved import library.bib --tag from-zotero
    """
    from feedhub.search.library import import_library
    from feedhub.search.members import resolve
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        report = import_library(session, path, resolve(session, app_ctx.settings.member).id, tag or [])
    if json_out:
        print_json(report.to_json())
        return
    for line in report.problems:
        app_ctx.err.print(f"warning: {path.name}: {line}", markup=False, highlight=False, soft_wrap=True)
    app_ctx.console.print(f"{path.name} ({report.format}): {report.saved} saved, {report.already} already saved"
                          + (f", {report.stubs} new to feedhub (looked up at the next fetch)" if report.stubs else "")
                          + (f", {report.without_id} without an arXiv id skipped" if report.without_id else "")
                          + (f", {len(report.problems)} unreadable" if report.problems else ""), markup=False, highlight=False, soft_wrap=True)  # fmt: skip
