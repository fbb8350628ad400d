"""``feedhub member``, ``rule``, ``follow``/``unfollow``/``follows``, ``dismiss``/``undismiss``: what a member likes."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from feedhub.cli.context import app_context, print_json
from feedhub.cli.text import clean
from feedhub.search import rules as rules_doc

member_app = typer.Typer(no_args_is_help=True, help="Members of a group sharing one database (each with their own saved papers, rules, follows).",
                         epilog="Example: feedhub member add alice && feedhub --member alice paper save 1706.03762")  # fmt: skip
rule_app = typer.Typer(no_args_is_help=True, help="Rules: include, exclude or pin items by words, phrases, authors, categories, sources, repos.\n\n"
                       + (rules_doc.__doc__ or "").split("\n\n", 1)[1].replace("\n\n", "\n\n\b\n"),
                       epilog="Example: feedhub rule add pin 'author:\"Yann LeCun\" OR repo:pytorch/pytorch'")  # fmt: skip


def _member_id(app_ctx, session) -> int:  # type: ignore[no-untyped-def]
    from feedhub.search.members import resolve

    return resolve(session, app_ctx.settings.member).id


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The member's name (letters, digits, . - _).")],
    admin: Annotated[bool, typer.Option("--admin", help="May see sources and change the server's settings in `feedhub serve`.")] = False,
    password: Annotated[bool, typer.Option("--password", help="Give them a random password (printed once) to sign in to `feedhub serve`.")] = False,
    url: Annotated[str, typer.Option("--url", help="Where `feedhub serve` is reached, for the printed sign-in link.")] = "http://127.0.0.1:8080",
) -> None:
    """Add a member of the group; prints a one-time sign-in link for `feedhub serve` (and a password with --password).

    Example: feedhub member add alice --admin --password
    """
    from feedhub.search import accounts
    from feedhub.store.db import transaction
    from feedhub.store.types import utcnow

    app_ctx = app_context(ctx)
    secret = accounts.new_password() if password else None
    with transaction(app_ctx.engine) as session:
        row = accounts.add_member(session, name, admin=admin, password=secret)
        token = accounts.signin_link_token(session, row, utcnow())
    app_ctx.console.print(clean(f"added member {row.name}{' (admin)' if admin else ''}; use it with --member {row.name} or FEEDHUB_MEMBER={row.name}"), markup=False)
    app_ctx.console.print(f"sign-in link (works once, for a day): {url.rstrip('/')}/signin/{token}", markup=False, highlight=False, soft_wrap=True)
    if secret:
        app_ctx.console.print(clean(f"password for {row.name} (shown once; they sign in with name and password): {secret}"), markup=False, highlight=False, soft_wrap=True)


@member_app.command("link")
def member_link(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The member (default: the default member).")] = "default",
    url: Annotated[str, typer.Option("--url", help="Where `feedhub serve` is reached.")] = "http://127.0.0.1:8080",
) -> None:
    """Print a new one-time sign-in link for a member of `feedhub serve`.

    Example: feedhub member link alice --url https://feeds.example.org
    """
    from feedhub.search import accounts
    from feedhub.search.members import resolve
    from feedhub.store.db import transaction
    from feedhub.store.types import utcnow

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        token = accounts.signin_link_token(session, resolve(session, name), utcnow())
    app_ctx.console.print(f"{url.rstrip('/')}/signin/{token}", markup=False, highlight=False, soft_wrap=True)


@member_app.command("password")
def member_password(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The member.")],
) -> None:
    """Set a member's password for `feedhub serve` (asked twice, never echoed).

    Example: feedhub member password alice
    """
    from feedhub.search import accounts
    from feedhub.search.members import resolve
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    secret = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    with transaction(app_ctx.engine) as session:
        accounts.set_password(session, resolve(session, name), secret)
    app_ctx.console.print(clean(f"password set for {name}"), markup=False)


@member_app.command("token")
def member_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The member (default: the default member).")] = "default",
) -> None:
    """Print a new API token for a member (`Authorization: Bearer TOKEN`); their old token stops working.

    Example: curl -H "Authorization: Bearer $(feedhub member token alice)" http://127.0.0.1:8080/api/v1/digest
    """
    from feedhub.search import accounts
    from feedhub.search.members import resolve
    from feedhub.store.db import transaction
    from feedhub.store.types import utcnow

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        token = accounts.new_api_token(session, resolve(session, name), utcnow())
    sys.stdout.write(token + "\n")


@member_app.command("list")
def member_list(ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List the members with what each has saved, dismissed, ruled and followed.

    Example: feedhub member list --json
    """
    from rich.table import Table

    from feedhub.search.members import list_members
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        rows = [m.to_json() for m in list_members(session)]
    if json_out:
        print_json(rows)
        return
    table = Table("name", "saved", "dismissed", "rules", "follows")
    for r in rows:
        table.add_row(str(r["name"]), str(r["saved"]), str(r["dismissed"]), str(r["rules"]), str(r["follows"]))
    app_ctx.console.print(table)


@rule_app.command("add")
def rule_add(
    ctx: typer.Context,
    action: Annotated[str, typer.Argument(help="include | exclude | pin")],
    expression: Annotated[str, typer.Argument(help="The rule, e.g. 'author:\"Yann LeCun\" OR cat:cs.CV'.")],
) -> None:
    """Add a rule for the member (a syntax error is one line with its column).

    Example: feedhub rule add exclude 'crypto OR blockchain'
    """
    from feedhub.search.interests import add_rule
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        row = add_rule(session, action, expression, _member_id(app_ctx, session))
    app_ctx.console.print(clean(f"rule {row.id}: {row.action} {row.expression}"), markup=False)


@rule_app.command("list")
def rule_list(ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List the member's rules with how many items of the last 7 days each touched.

    Example: feedhub rule list
    """
    from rich.table import Table

    from feedhub.search.interests import list_rules

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        rows = list_rules(session, _member_id(app_ctx, session))
    if json_out:
        print_json([r.to_json() for r in rows])
        return
    if not rows:
        app_ctx.console.print(clean("no rules yet: feedhub rule add pin 'author:\"Yann LeCun\"'"), markup=False)
        return
    table = Table("id", "action", "rule", "touched this week")
    for r in rows:
        table.add_row(str(r.id), r.action, r.expression, str(r.touched))
    app_ctx.console.print(table)


@rule_app.command("remove")
def rule_remove(ctx: typer.Context, rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id (feedhub rule list).")]) -> None:
    """Remove a rule.

    Example: feedhub rule remove 3
    """
    from feedhub.search.interests import remove_rule
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        row = remove_rule(session, rule_id, _member_id(app_ctx, session))
    app_ctx.console.print(clean(f"removed rule {row.id}: {row.action} {row.expression}"), markup=False)


def follow(
    ctx: typer.Context,
    spec: Annotated[str, typer.Argument(help='author:"Name", repo:owner/name or lab:NAME.')],
    author: Annotated[Optional[list[str]], typer.Option("--author", help="A lab's author (repeat).")] = None,
    blog: Annotated[Optional[list[str]], typer.Option("--blog", help="A lab's blog: a source's name or URL (repeat).")] = None,
) -> None:
    """Follow an author, a repository or a lab: their new items are always shown, with "you follow ..." in the why-line.

    Example: feedhub follow author:"Yann LeCun"
    """
    from feedhub.search.interests import follow as do_follow
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        row, created = do_follow(session, spec, _member_id(app_ctx, session), author or (), blog or ())
    extra = f" (authors: {', '.join(row.authors)})" if row.authors else ""
    extra += f" (blogs: {', '.join(row.blogs)})" if row.blogs else ""
    app_ctx.console.print(clean(f"{'following' if created else 'already following'} {row.kind}:{row.value}{extra}"), markup=False)


def unfollow(ctx: typer.Context, spec: Annotated[str, typer.Argument(help='author:"Name", repo:owner/name or lab:NAME.')]) -> None:
    """Stop following an author, a repository or a lab.

    Example: feedhub unfollow repo:pytorch/pytorch
    """
    from feedhub.search.interests import unfollow as do_unfollow
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        do_unfollow(session, spec, _member_id(app_ctx, session))
    app_ctx.console.print(clean(f"unfollowed {spec.strip()}"), markup=False)


def follows(ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List what the member follows.

    Example: feedhub follows --json
    """
    from feedhub.search.interests import list_follows

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        rows = [{"kind": f.kind, "value": f.value, "authors": list(f.authors or []), "blogs": list(f.blogs or [])} for f in list_follows(session, _member_id(app_ctx, session))]
    if json_out:
        print_json(rows)
        return
    if not rows:
        app_ctx.console.print('following nothing yet: feedhub follow author:"Yann LeCun"', markup=False)
    for r in rows:
        app_ctx.console.print(clean(f"{r['kind']}:{r['value']}" + (f"  authors: {', '.join(r['authors'])}" if r["authors"] else "")
                                    + (f"  blogs: {', '.join(r['blogs'])}" if r["blogs"] else "")), markup=False)  # fmt: skip


def dismiss(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="An arXiv id, owner/name, a URL, or entry:N (feedhub entries).")],
    undo: Annotated[bool, typer.Option("--undo", help="Take the dismissal back.")] = False,
) -> None:
    """Not interested: the item never comes back in this member's digest, search or recommendations, and teaches the model.

    Example: feedhub dismiss 1802.03268  (undo: feedhub dismiss 1802.03268 --undo)
    """
    from feedhub.search.interests import dismiss as do_dismiss
    from feedhub.search.interests import undismiss
    from feedhub.store.db import transaction

    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        member = _member_id(app_ctx, session)
        if undo:
            key = undismiss(session, target, member)
        else:
            key, created = do_dismiss(session, target, member)
    if undo:
        app_ctx.console.print(clean(f"{key} is back (dismissal undone)"), markup=False)
    else:
        app_ctx.console.print(clean(f"dismissed {key}" + ("" if created else " (already)") + f"; undo: feedhub dismiss {target.strip()} --undo"), markup=False)


def undismiss(ctx: typer.Context, target: Annotated[str, typer.Argument(help="What was dismissed.")]) -> None:
    """Undo a dismissal.

    Example: feedhub undismiss 1802.03268
    """
    dismiss(ctx, target, undo=True)


def register(app: typer.Typer, paper_app: typer.Typer) -> None:
    app.add_typer(member_app, name="member")
    app.add_typer(rule_app, name="rule")
    app.command("follow")(follow)
    app.command("unfollow")(unfollow)
    app.command("follows")(follows)
    app.command("dismiss")(dismiss)
    app.command("undismiss")(undismiss)
    paper_app.command("dismiss")(dismiss)
    paper_app.command("undismiss")(undismiss)
