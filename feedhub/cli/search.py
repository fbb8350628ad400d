"""``feedhub search``: ranked papers and posts from everything ever pulled.

The typer command (help, usage errors, CliRunner). A plain ``feedhub search ...`` from a shell is usually
answered by ``feedhub.cli.search_fast`` before typer is imported; both share its option building and output.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from feedhub.cli.context import app_context

QUERY_HELP = """Words to find (all must match; titles weigh more than abstracts). Also: "exact phrase",
prefix*, -excluded, a OR b, (grouping), and filters: author:hinton cat:cs.CV year:2018 year:2015..2018
since:2018-02 has:code is:saved is:paper is:post tag:reading-group source:3 id:1706.03762.
An excluded word may come first: feedhub search -survey gan"""


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
    from feedhub.cli.search_fast import build_options, print_result
    from feedhub.search.service import search as run_search

    unknown = [w for w in query or [] if w.startswith("--") and w != "--"]
    if unknown:  # unknown options reach here as words (so that -word can exclude one): refuse them
        from feedhub.errors import InvalidInput

        raise InvalidInput(f"no such option {unknown[0]}; see feedhub search --help")
    app_ctx = app_context(ctx)
    opts = build_options(since=since, until=until, category=category, author=author, source=source, saved=saved,
                         tag=tag, has_code=has_code, kind=kind, sort=sort, limit=limit)  # fmt: skip
    notify = None if app_ctx.quiet else (lambda msg: app_ctx.err.print(msg, markup=False, highlight=False))
    result = run_search(app_ctx.settings, " ".join(query or []), opts, notify=notify)
    print_result(app_ctx.console, app_ctx.err, result, json_out)
