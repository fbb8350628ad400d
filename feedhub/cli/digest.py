"""``feedhub digest``: the weekly digest (options on the group itself), and ``feedhub digest list``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import clean

app = typer.Typer(
    no_args_is_help=False,
    invoke_without_command=True,
    help="Write the weekly digest: News, Posts, Code, Papers. `feedhub digest list` shows stored ones.",
    epilog="Example: feedhub digest --week 2018-W08 --out digest.html",
)


@app.callback(invoke_without_command=True)
def digest(
    ctx: typer.Context,
    week: Annotated[Optional[str], typer.Option("--week", help="ISO week, e.g. 2018-W08 (or 'this', 'last'). Default: this week.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="First day (YYYY-MM-DD), instead of --week.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Last day, inclusive (YYYY-MM-DD).")] = None,
    tz: Annotated[Optional[str], typer.Option("--tz", help="Time zone of the week, e.g. Asia/Seoul (default: the system's).")] = None,
    per_section: Annotated[int, typer.Option("--per-section", help="Stories per section.")] = 4,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="md | html | json | atom | eml (default: from --out, else md).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file (format from its suffix).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en | ko")] = "en",
    explain: Annotated[bool, typer.Option("--explain", help="Show how every story was scored.")] = False,
    send: Annotated[bool, typer.Option("--send", help="E-mail it (FEEDHUB_SMTP_HOST/PORT/USER/PASSWORD/FROM/TO).")] = False,
    feed_url: Annotated[Optional[str], typer.Option("--feed-url", help="Atom: the URL the feed is published at (rel=self); "
                                                    "each week's page is linked as WEEK.html beside it.")] = None,
    for_member: Annotated[Optional[str], typer.Option("--for", help="One member's digest (their saves, rules, follows); default: the group's.")] = None,
) -> None:
    """Write the digest of a week: News · Posts, Articles & Tutorials · Code, Projects & Data · Highlighted Research Papers.

    Example: feedhub digest --week 2018-W08 --tz Asia/Seoul --out digest.html
    """
    if ctx.invoked_subcommand is not None:
        return
    from feedhub.digest.api import install_id, make_digest, output_format, send_model
    from feedhub.digest.window import resolve

    app_ctx = app_context(ctx)
    window = resolve(week, since, until, tz)
    chosen = output_format(fmt, out)
    result = make_digest(app_ctx.engine, window, lang=lang, per_section=per_section, fmt=chosen, explain=explain, member=for_member,
                         people=app_ctx.settings.section("people"), feed_url=feed_url, install_id=install_id(app_ctx.settings.home) if chosen == "atom" else None)
    if send:
        recipients = send_model(result.model, app_ctx.settings.secret, explain=explain)
        app_ctx.err.print(clean(f"sent the {window.label} digest to {', '.join(recipients)}"), markup=False, highlight=False)
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(result.text, encoding="utf-8")
        except OSError as exc:
            from feedhub.errors import FeedhubError

            raise FeedhubError(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from None
        app_ctx.err.print(clean(f"wrote {out} ({chosen}, {result.stories} stories, {window.label} in {window.tz})"), markup=False, highlight=False)
    elif not send:
        sys.stdout.write(result.text)


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List stored digests, newest week first.

    Example: feedhub digest list --json
    """
    from feedhub.digest.api import stored_digests

    app_ctx = app_context(ctx)
    rows = stored_digests(app_ctx.engine, limit=limit)
    if json_out:
        print_json(rows)
        return
    if not rows:
        app_ctx.console.print("no digests yet: `feedhub digest --week 2018-W08` (after `feedhub demo`)")
        return
    table = Table("id", "week", "tz", "lang", "stories", "written", "hash")
    for r in rows:
        table.add_row(str(r["id"]), str(r["week"]), str(r["tz"]), str(r["lang"]), str(r["stories"]),
                      str(r["created_at"])[:16].replace("T", " "), str(r["content_hash"])[:12])  # fmt: skip
    app_ctx.console.print(table)
