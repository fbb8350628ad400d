"""``feedhub paper ...``: show one paper with its mentions, code and reproductions; link a paper to a repo."""

from __future__ import annotations

from typing import Annotated

import typer

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import safe

app = typer.Typer(no_args_is_help=True, help="Papers: everything known about one, and links to their code.", epilog="Example: feedhub paper show 1706.03762")


@app.command("show")
def show(
    ctx: typer.Context,
    arxiv_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id (1802.03268, 2401.01234v2, hep-th/9901001) or URL.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a paper: authors, abstract, versions, every mention, its code and reproductions.

    Example: feedhub paper show 1802.03268
    """
    from feedhub.papers.show import paper_detail

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        data = paper_detail(session, arxiv_id)
    if json_out:
        print_json(data)
        return
    _print_detail(app_ctx.console, data)


def _print_detail(console, d: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    from rich.table import Table

    escape = safe
    title = d["title"] or "(not looked up yet: the next fetch fills it in)"
    console.print(f"[bold]{escape(title)}[/bold]")
    console.print(f"{safe(d['url'])}  v{d['version']}  {safe(' '.join(d['categories']))}")
    if d["authors"]:
        authors = d["authors"]
        shown = ", ".join(authors[:12]) + (f" and {len(authors) - 12} more" if len(authors) > 12 else "")
        console.print(escape(shown))
    for label, key in (("DOI", "doi"), ("Journal", "journal_ref"), ("Comment", "comment")):
        if d[key]:
            console.print(f"{label}: {escape(str(d[key]))}")
    if d["versions"]:
        console.print("Versions: " + ", ".join(f"v{v['version']} {(v['date'] or '')[:10]}" for v in d["versions"]))
    if d["abstract"]:
        console.print()
        console.print(safe(d["abstract"], one_line=False))
    console.print()
    if d["mentions"]:
        table = Table("date", "source", "how", "entry", title="Mentions", title_justify="left")
        for m in d["mentions"]:
            how = m["provenance"] + (f" ({m['announce_type']})" if m.get("announce_type") else "")
            table.add_row((m["date"] or "")[:10], escape(m["source"] or ""), how, escape(m["link"] or m["title"] or ""))
        console.print(table)
    else:
        console.print("Mentions: none")
    if d["code"]:
        table = Table("repository", "stars", "how", title="Code", title_justify="left")
        for c in d["code"]:
            how = c["provenance"] + (", official" if c["official"] else "")
            table.add_row(safe(c["url"]), "" if c["stars"] is None else f"{c['stars']:,}", how)
        console.print(table)
    else:
        console.print("Code: none known (`feedhub paper link ID REPO` adds one)")
    if d["reproductions"]:
        table = Table("reproduction", "latest run", title="Reproductions", title_justify="left")
        for r in d["reproductions"]:
            run = r["latest_run"]
            table.add_row(safe(r["name"]), f"{run['verdict']} ({run['started_at'][:10]})" if run else f"not run yet: feedhub repro run {r['name']}")
        console.print(table)


@app.command("link")
def link(
    ctx: typer.Context,
    arxiv_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id or URL.")],
    repo: Annotated[str, typer.Argument(metavar="REPO", help="owner/name or a github.com URL.")],
) -> None:
    """Record that a repository implements a paper (provenance "added by user").

    Example: feedhub paper link 1802.03268 https://github.com/carpedm20/ENAS-pytorch
    """
    from feedhub.papers.show import link_paper

    app_ctx = app_context(ctx)
    with app_ctx.session() as session, session.begin():
        key, full_name = link_paper(session, arxiv_id, repo)
    app_ctx.console.print(f"linked {key} -> https://github.com/{safe(full_name)} (added by user)")
