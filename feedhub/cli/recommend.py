"""``feedhub recommend`` and ``feedhub paper related``: tf-idf + embedding neighbours and per-member classifiers."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import clean, safe


def related(
    ctx: typer.Context,
    paper: Annotated[str, typer.Argument(help="arXiv id.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200, help="How many.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The nearest papers by tf-idf over title + abstract and by meaning (embedding), with the words they share.

    Example: feedhub paper related 1706.03762
    """
    from rich.table import Table

    from feedhub.links.ids import normalize_arxiv_id
    from feedhub.search.recommend import related as find_related

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        rows = find_related(session, normalize_arxiv_id(paper), limit, app_ctx.settings)
    if json_out:
        print_json([r.to_json() for r in rows])
        return
    if not rows:
        app_ctx.console.print("no related papers found (the database has too few papers with abstracts)", markup=False)
        return
    table = Table("id", "similarity", "title", "shared words")
    for r in rows:
        table.add_row(safe(r.id), f"{r.similarity:.3f}", safe(r.title), safe(", ".join(r.shared_words)))
    app_ctx.console.print(table)


def register(paper_app: typer.Typer) -> None:
    paper_app.command("related")(related)


def recommend(
    ctx: typer.Context,
    tag: Annotated[Optional[str], typer.Option("--tag", "-t", help="Only this tag's model.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Rank papers published since (default: the last week of papers).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="Papers per tag.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Recommend new papers: per tag, a model learned from your saves and dismissals ranks the new ones, and says why.

    Example: feedhub recommend --tag reading-group --since 2018-02-01
    """
    from rich.table import Table

    from feedhub.links.dates import parse_date
    from feedhub.search.recommend import recommend as run
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:  # features of new papers are cached as they are computed
        groups = run(session, tag, parse_date(since) if since else None, limit, member=app_ctx.settings.member)
    if json_out:
        print_json([g.to_json() for g in groups])
        return
    for g in groups:
        head = f"{g.tag}: {g.positives} saved, {g.candidates} candidates"
        if g.top_words:
            head += f"; likes: {', '.join(g.top_words[:6])}"
        app_ctx.console.print(clean(head), markup=False, style="bold")
        if g.note:
            app_ctx.console.print(clean(f"  {g.note}"), markup=False)
            continue
        table = Table("id", "score", "published", "title", "why")
        for r in g.results:
            table.add_row(safe(r.id), f"{r.score:.2f}", r.published_at or "", safe(r.title), safe(r.why or ", ".join(r.words)))
        app_ctx.console.print(table)
