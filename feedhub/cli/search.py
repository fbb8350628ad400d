"""``feedhub search``: ranked papers and posts from everything ever pulled."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from feedhub.cli.context import app_context, print_json

QUERY_HELP = """Words to find (all must match; titles weigh more than abstracts). Also: "exact phrase",
prefix*, -excluded, a OR b, (grouping), and filters: author:hinton cat:cs.CV year:2018 year:2015..2018
since:2018-02 has:code is:saved is:paper is:post tag:reading-group source:3 id:1706.03762.
Start the query with -- if its first word is excluded: feedhub search -- -survey gan"""


def search(
    ctx: typer.Context,
    query: Annotated[Optional[list[str]], typer.Argument(help=QUERY_HELP, show_default=False)] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Published on or before (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    category: Annotated[Optional[list[str]], typer.Option("--category", "--cat", help="arXiv category, e.g. cs.LG (repeat: all must match).")] = None,
    author: Annotated[Optional[list[str]], typer.Option("--author", help="An author's name or part of it.")] = None,
    source: Annotated[Optional[int], typer.Option("--source", help="Only what this source id carried.")] = None,
    saved: Annotated[bool, typer.Option("--saved", help="Only saved papers.")] = False,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="Only saved papers with this tag.")] = None,
    has_code: Annotated[bool, typer.Option("--has-code", help="Only papers and posts with linked code.")] = False,
    kind: Annotated[Optional[str], typer.Option("--kind", help="paper or post.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date (newest first).")] = "relevance",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="At most this many hits.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Search papers and entries: ranked hits with id, title, first authors, date, code stars and a snippet.

    Example: feedhub search "adam optimizer" --since 2015 --has-code
    """
    from feedhub.errors import InvalidInput
    from feedhub.search.service import Options
    from feedhub.search.service import search as run_search
    from feedhub.timeparse import parse_date

    app_ctx = app_context(ctx)
    if kind not in (None, "paper", "post", "entry"):
        raise InvalidInput(f"unknown --kind {kind!r}; use paper or post")
    opts = Options(
        since=parse_date(since) if since else None,
        until=parse_date(until, end=True) if until else None,
        categories=category or (),
        authors=author or (),
        source=source,
        saved=saved,
        tags=tag or (),
        has_code=has_code,
        kind={"post": "entry"}.get(kind or "", kind),
        sort=sort,
        limit=limit,
    )
    notify = None if app_ctx.quiet else (lambda msg: app_ctx.err.print(msg, markup=False, highlight=False))
    result = run_search(app_ctx.settings, " ".join(query or []), opts, notify=notify)
    if json_out:
        print_json({"query": result.query, "took_ms": result.took_ms, "notes": result.notes, "hits": [h.to_json() for h in result.hits]})
        return
    _print(app_ctx, result)


def _print(app_ctx, result) -> None:  # type: ignore[no-untyped-def]
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    for note in result.notes:
        app_ctx.err.print(f"note: {note}", markup=False, highlight=False)
    if not result.hits:
        app_ctx.console.print("no results; try fewer words, a prefix (transform*), or drop a filter", markup=False)
        return
    table = Table("id", "date", "code", "title / authors / snippet", show_lines=True)
    for h in result.hits:
        cell = Text()
        cell.append(h.title, style="bold")
        if h.saved_tags is not None:
            cell.append("  [saved" + (": " + ", ".join(h.saved_tags) if h.saved_tags else "") + "]", style="green")
        who = ", ".join(h.authors) + (f" +{h.more_authors}" if h.more_authors else "")
        if h.source:
            who = f"{who} · {h.source}" if who else h.source
        if who:
            cell.append("\n" + who, style="dim")
        if h.snippet:
            snip = Text("\n" + h.snippet)
            for s, e in h.highlights:
                snip.stylize("bold yellow", s + 1, e + 1)
            cell.append_text(snip)
        ident = h.id if h.kind == "paper" else f"post {h.id}"
        stars = "" if h.stars is None else f"★{h.stars}"
        table.add_row(escape(ident), h.date or "", stars, cell)
    app_ctx.console.print(table)
    app_ctx.err.print(f"{len(result.hits)} hits in {result.took_ms:.0f} ms", style="dim", highlight=False)
