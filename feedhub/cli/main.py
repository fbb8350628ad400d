"""``feedhub``: the root app. Sub-apps are composed here; errors become one line at this boundary."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from feedhub import __version__
from feedhub.cli import db as db_cli
from feedhub.cli import demo as demo_cli
from feedhub.cli import digest as digest_cli
from feedhub.cli import doctor as doctor_cli
from feedhub.cli import entries as entries_cli
from feedhub.cli import fetch as fetch_cli
from feedhub.cli import repro as repro_cli
from feedhub.cli import sources as sources_cli
from feedhub.cli.context import AppContext
from feedhub.cli.text import clean
from feedhub.config import load_settings
from feedhub.errors import FeedhubError


def _flags_show_no_type() -> None:
    """typer 0.29 labels every flag `<bool>` in --help, as if it took a value; a flag takes none, so it shows none."""
    from typer.core import TyperOption

    original = TyperOption.display_type_rich
    if getattr(original, "feedhub_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else original(self, ctx)

    display_type_rich.feedhub_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_show_no_type()

app = typer.Typer(
    name="feedhub",
    no_args_is_help=True,
    add_completion=True,  # `feedhub --install-completion` (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    help="AI research feeds in one place: a weekly digest, paper search, and runnable reproductions.",
    epilog="Example: feedhub demo && feedhub digest --week 2018-W08",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"feedhub {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option("--db", help="Database: a SQLite file path or a SQLAlchemy URL.", envvar=None)] = None,
    home: Annotated[Optional[Path], typer.Option("--home", help="Data dir (default: $FEEDHUB_HOME or the user data dir).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars; `fetch` prints only problems.")] = False,
    member: Annotated[Optional[str], typer.Option("--member", help="Whose saved papers, rules and follows (default: $FEEDHUB_MEMBER, else the default member).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """AI research feeds in one place: a weekly digest, paper search, and runnable reproductions.

    Example: feedhub demo && feedhub digest --week 2018-W08
    """
    if debug:
        os.environ["FEEDHUB_DEBUG"] = "1"
    ctx.obj = AppContext(settings=load_settings(db=db, home=home, member=member), debug=debug, quiet=quiet)


app.add_typer(sources_cli.app, name="source")
app.command("entries")(entries_cli.entries)
app.command("demo")(demo_cli.demo)
app.command("fetch")(fetch_cli.fetch)
app.add_typer(db_cli.app, name="db")
app.add_typer(repro_cli.app, name="repro")
app.command("doctor")(doctor_cli.doctor)
app.add_typer(digest_cli.app, name="digest")

# papers and bulk imports (issue 4)
from feedhub.cli import imports as imports_cli  # noqa: E402
from feedhub.cli import papers as papers_cli  # noqa: E402

app.add_typer(papers_cli.app, name="paper")
app.add_typer(imports_cli.app, name="import")

# search, saved papers, recommendations (issue 6)
from feedhub.cli import index as index_cli  # noqa: E402
from feedhub.cli import recommend as recommend_cli  # noqa: E402
from feedhub.cli import saved as saved_cli  # noqa: E402
from feedhub.cli import search as search_cli  # noqa: E402

app.command("search", context_settings={"ignore_unknown_options": True})(search_cli.search)  # -word excludes a word
app.add_typer(index_cli.app, name="index")
app.add_typer(saved_cli.app, name="saved")
app.command("recommend")(recommend_cli.recommend)
saved_cli.register(papers_cli.app)  # `paper save/unsave/related` join the `paper` group

# members, feedback, rules, follows (issue 15)
from feedhub.cli import interests as interests_cli  # noqa: E402

interests_cli.register(app, papers_cli.app)
recommend_cli.register(papers_cli.app)
app.command("save", help="Alias of `paper save`. Example: feedhub save 1706.03762 --tag reading-group")(saved_cli.save)
app.command("unsave", help="Alias of `paper unsave`. Example: feedhub unsave 1706.03762")(saved_cli.unsave)


# GitHub repository metadata (issue 4)
from feedhub.cli import github as github_cli  # noqa: E402

app.add_typer(github_cli.app, name="github")

# the group's page (issue 16)
from feedhub.cli import serve as serve_cli  # noqa: E402

app.command("serve")(serve_cli.serve)


INTERRUPTED = "interrupted; what was committed before is kept (the next run completes the rest)"


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is behind ``exc`` (typer raises Exit(130) from it, sys.exit wraps that)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, KeyboardInterrupt):
            return True
        stack += [e.__cause__, e.__context__]
    return False


def _one_line(exc: BaseException) -> str:
    text = clean(" ".join(str(exc).split()))  # an error may quote feed text: no control character reaches the terminal
    return text or type(exc).__name__


def environment_problem(exc: BaseException) -> str | None:
    """One line for the machine refusing a write (read-only data dir, no space, no permission): not a bug."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot write{where}: {exc.strerror}; this command needs write access to the data dir (`feedhub doctor`)"
    return None


def main() -> None:
    """Entry point: run the app; a library error is one line on stderr and exit code 1."""
    debug = "--debug" in sys.argv or os.environ.get("FEEDHUB_DEBUG") == "1"
    try:
        app()
    except FeedhubError as exc:
        if debug:
            raise
        typer.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED, err=True)
        sys.exit(130)
    except SystemExit as exc:
        # typer turns Ctrl-C inside a command into a silent exit 130; the user still gets the one line.
        if exc.code == 130 and _interrupted(exc):
            typer.echo(INTERRUPTED, err=True)
        raise
    except Exception as exc:  # a bug or an environment problem: still one line, unless --debug
        if debug:
            raise
        from feedhub.store.db import describe_error

        problem = describe_error(exc) or environment_problem(exc)
        if problem is not None:
            typer.echo(f"error: {clean(problem)}", err=True)
        else:
            typer.echo(f"error: {type(exc).__name__}: {_one_line(exc)} (this is a bug; rerun with --debug and report it)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
