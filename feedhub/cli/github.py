"""``feedhub github ...``: repository metadata from the GitHub REST API (stars, topics, README links)."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import clean, safe

app = typer.Typer(no_args_is_help=True, help="GitHub repositories linked to papers: metadata and README links.", epilog="Example: feedhub github refresh")


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    repos: Annotated[Optional[list[str]], typer.Argument(metavar="[REPO]...", help="owner/name or URL (default: every repository linked to a paper).")] = None,
    all_repos: Annotated[bool, typer.Option("--all", help="Also repositories only linked from entries, not papers.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also those refreshed in the last 24 hours.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most this many repositories now.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="When the rate limit runs out, sleep until it resets (up to an hour) and go on.")] = False,
    no_readme: Annotated[bool, typer.Option("--no-readme", help="Metadata only; do not read READMEs for paper links.")] = False,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow private and loopback addresses (a local API mirror).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
) -> None:
    """Refresh stars, topics, description and README paper links of repositories linked to papers.

    Fetches description, stars, topics and last push from the GitHub REST API; a README or description
    that names an arXiv paper links it to the repository ("in README").

    Conditional requests (ETag) make unchanged repositories cheap. Set GITHUB_TOKEN for 5,000 requests
    an hour instead of 60. When the limit runs out the refresh stops, says when it resets, and the next
    run resumes with the repositories not yet done.

    Example: feedhub github refresh --limit 50
    """
    from feedhub.github.refresh import refresh_repos

    app_ctx = app_context(ctx)
    if allow_private:
        app_ctx.settings.allow_private = True
    progress = None
    task_id = None
    if app_ctx.interactive and not quiet and not json_out:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(TextColumn("github"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                            console=app_ctx.err, transient=True)

    def on_start(total: int) -> None:
        nonlocal task_id
        if progress is not None and total:
            progress.start()
            task_id = progress.add_task("", total=total)

    def on_result(r: Any) -> None:
        if progress is not None and task_id is not None:
            progress.update(task_id, advance=1, description=safe(r.full_name[:40]))

    try:
        report = refresh_repos(app_ctx.settings, app_ctx.engine, names=repos, all_repos=all_repos, force=force, limit=limit,
                               wait=wait, readme=not no_readme, on_start=on_start, on_result=on_result)
    finally:
        if progress is not None:
            progress.stop()
    if json_out:
        print_json(report.as_json())
    else:
        _print(app_ctx, report)
    if report.stopped and report.count("updated") + report.count("not modified") == 0 and not report.results:
        raise typer.Exit(1)


def _print(app_ctx: Any, report: Any) -> None:
    console = app_ctx.console
    if report.results:
        table = Table("repo", "status", "stars", "papers from README", "note")
        for r in report.results:
            style = {"error": "red", "not found": "yellow", "not modified": "dim"}.get(r.status, "")
            table.add_row(safe(r.full_name), f"[{style}]{r.status}[/]" if style else r.status, "" if r.stars is None else str(r.stars),
                          safe(", ".join(r.papers)), safe((r.error or "")[:100]))
        console.print(table)
    elif not report.stopped:
        console.print("nothing to refresh: no repository linked to a paper is older than a day (--force, --all, or name one)")
    rate = f"; {report.rate_remaining} of {report.rate_limit} requests left this hour" if report.rate_remaining is not None else ""
    console.print(
        f"{report.count('updated')} updated, {report.count('not modified')} not modified, {report.count('not found')} not found, "
        f"{report.count('error')} errors, {report.skipped_fresh} fresh skipped; {report.requests} requests"
        + ("" if report.authenticated else " (no GITHUB_TOKEN: 60 requests an hour)") + rate, markup=False, highlight=False,
    )
    if report.stopped:
        app_ctx.err.print(clean(f"stopped: {report.stopped}"), markup=False, highlight=False)


@app.command("repos")
def repos_(
    ctx: typer.Context,
    all_repos: Annotated[bool, typer.Option("--all", help="Also repositories only linked from entries.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List repositories linked to papers, most stars first.

    Example: feedhub github repos --json
    """
    from feedhub.github.refresh import list_repos

    app_ctx = app_context(ctx)
    rows = list_repos(app_ctx.engine, all_repos=all_repos)
    if json_out:
        print_json(rows)
        return
    if not rows:
        app_ctx.console.print("no repositories yet: they come from papers' abstracts, posts and GitHub sources (`feedhub fetch`)")
        return
    table = Table("repo", "stars", "papers", "last push", "description")
    for r in rows:
        table.add_row(safe(r["repo"]), "" if r["stars"] is None else str(r["stars"]), str(r["papers"]), (r["pushed_at"] or "")[:10],
                      safe((r["description"] or "")[:60]))
    app_ctx.console.print(table)
