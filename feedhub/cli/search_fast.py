"""``feedhub search`` without typer: the cold-start path, and the output both paths share.

Importing typer (which builds pydantic adapters for every parameter) and composing every sub-app costs
over half a second before a search starts, while the search itself needs a few milliseconds. So
``feedhub.cli.main`` first calls :func:`dispatch`: when the process was started as ``feedhub search ...``
(the console script or ``python -m feedhub``) and every argument is one this parser understands exactly
as click would, it runs the search here and exits. Anything else (``--help``, an unknown or malformed
option, a number out of range) returns, and typer handles it as usual, with its own usage messages.
``FEEDHUB_FULL_CLI=1`` turns the fast path off. Both paths build the options and print through the
same functions below, so their output is the same.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

# --name -> (destination, kind); kinds: "str", "int", "list" (repeatable), "flag"
ROOT_OPTIONS = {"--db": ("db", "str"), "--home": ("home", "str"), "--debug": ("debug", "flag"),
                "--quiet": ("quiet", "flag"), "-q": ("quiet", "flag")}  # fmt: skip
SEARCH_OPTIONS = {
    "--since": ("since", "str"), "--until": ("until", "str"), "--category": ("category", "list"),
    "--cat": ("category", "list"), "--author": ("author", "list"), "--source": ("source", "int"),
    "--saved": ("saved", "flag"), "--tag": ("tag", "list"), "--has-code": ("has_code", "flag"),
    "--kind": ("kind", "str"), "--sort": ("sort", "str"), "--limit": ("limit", "int"), "-n": ("limit", "int"),
    "--json": ("json_out", "flag"),
}  # fmt: skip
LIMIT_RANGE = (1, 1000)


class _Unsupported(Exception):
    """An argument this parser does not handle exactly like click: let typer take it."""


def _int(text: str) -> int:
    # Plain digits only; anything else (spaces, signs, "1e3") gets typer's own conversion and message.
    if not text.isascii() or not text.isdigit():
        raise _Unsupported(text)
    return int(text)


def _excluded_word(arg: str, table: dict[str, tuple[str, str]]) -> bool:
    """``-batch``, ``-"exact phrase"``: a query word the query language excludes, not an option (only
    the command's own short options, ``-n 5`` / ``-n5``, are options)."""
    if arg.startswith("--") or len(arg) < 2:
        return False
    short = arg[:2]
    return not (short in table and (arg == short or arg[2:].isdigit()))


def _parse(args: Sequence[str], table: dict[str, tuple[str, str]], positional: bool) -> tuple[dict[str, Any], list[str], list[str]]:
    """(options, positional words, the rest) -- stops at the first positional when ``positional`` is off."""
    opts: dict[str, Any] = {}
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--" and positional:
            words.extend(args[i + 1 :])
            return opts, words, []
        if not arg.startswith("-") or arg == "-" or (positional and _excluded_word(arg, table)):
            if not positional:
                return opts, words, list(args[i:])
            words.append(arg)
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if not eq and name not in table and len(name) > 2 and name[1] != "-":  # -n5: a short option with its value
            name, value, eq = name[:2], name[2:], "="
        if name not in table:
            raise _Unsupported(arg)  # --help, unknown options, bundled short flags: typer's messages
        dest, kind = table[name]
        if kind == "flag":
            if eq:
                raise _Unsupported(arg)
            opts[dest] = True
            i += 1
            continue
        if not eq:
            if i + 1 >= len(args):
                raise _Unsupported(arg)
            value = args[i + 1]
            i += 1
        i += 1
        if kind == "int":
            opts[dest] = _int(value)
        elif kind == "list":
            opts.setdefault(dest, []).append(value)
        else:
            opts[dest] = value
    return opts, words, []


def parse_argv(argv: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any], list[str]] | None:
    """``[root options] search [options and words]`` -> (root options, search options, words), or None
    when typer should handle it."""
    try:
        root, _, rest = _parse(argv, ROOT_OPTIONS, positional=False)
        if not rest or rest[0] != "search":
            return None
        opts, words, _ = _parse(rest[1:], SEARCH_OPTIONS, positional=True)
    except _Unsupported:
        return None
    limit = opts.get("limit", 20)
    if not LIMIT_RANGE[0] <= limit <= LIMIT_RANGE[1]:
        return None
    return root, opts, words


def build_options(*, since: str | None = None, until: str | None = None, category: Sequence[str] | None = None,
                  author: Sequence[str] | None = None, source: int | None = None, saved: bool = False,
                  tag: Sequence[str] | None = None, has_code: bool = False, kind: str | None = None,
                  sort: str = "relevance", limit: int = 20) -> Any:  # fmt: skip
    """The command's options as ``search.service.Options`` (raises InvalidInput on a bad value)."""
    from feedhub.errors import InvalidInput
    from feedhub.links.dates import parse_date
    from feedhub.search.service import Options

    if kind not in (None, "paper", "post", "entry"):
        raise InvalidInput(f"unknown --kind {kind!r}; use paper or post")
    return Options(
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


def print_json(data: Any) -> None:
    """Machine-readable output: stable keys, UTF-8, straight to stdout (no rich markup)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_result(console: Any, err: Any, result: Any, json_out: bool) -> None:
    """The hits as JSON, or as a rich table (notes and the timing line on stderr)."""
    if json_out:
        print_json({"query": result.query, "took_ms": result.took_ms, "notes": result.notes, "hits": [h.to_json() for h in result.hits]})
        return
    from rich.table import Table
    from rich.text import Text

    from feedhub.cli.text import clean, safe, spaced

    for note in result.notes:
        err.print(f"note: {clean(note)}", markup=False, highlight=False)
    if not result.hits:
        console.print("no results; try fewer words, a prefix (transform*), or drop a filter", markup=False)
        return
    table = Table("id", "date", "code", "title / authors / snippet", show_lines=True)
    for h in result.hits:
        cell = Text()
        cell.append(clean(h.title), style="bold")
        if h.saved_tags is not None:
            cell.append("  [saved" + (": " + clean(", ".join(h.saved_tags)) if h.saved_tags else "") + "]", style="green")
        who = ", ".join(h.authors) + (f" +{h.more_authors}" if h.more_authors else "")
        if h.source:
            who = f"{who} · {h.source}" if who else h.source
        if who:
            cell.append("\n" + clean(who), style="dim")
        if h.snippet:
            snip = Text("\n" + spaced(h.snippet))
            for s, e in h.highlights:
                snip.stylize("bold yellow", s + 1, e + 1)
            cell.append_text(snip)
        ident = h.id if h.kind == "paper" else f"post {h.id}"
        # Stars never fetched are unknown, not zero: the column says "code" until `feedhub github refresh`.
        stars = f"★{h.stars}" if h.stars is not None else ("code" if h.has_code else "")
        table.add_row(safe(ident), h.date or "", stars, cell)
    console.print(table)
    err.print(f"{len(result.hits)} hits in {result.took_ms:.0f} ms", style="dim", highlight=False)


class _LazyConsole:
    """A rich Console made on first use: the JSON path never imports rich."""

    def __init__(self, stderr: bool):
        self.stderr = stderr
        self.console: Any = None

    def print(self, *args: Any, **kwargs: Any) -> None:
        if self.console is None:
            from rich.console import Console

            self.console = Console(stderr=self.stderr)
        self.console.print(*args, **kwargs)


def run(root: dict[str, Any], opts: dict[str, Any], words: list[str]) -> None:
    """The search command itself (the same steps as ``feedhub.cli.search.search``)."""
    from feedhub.config import load_settings
    from feedhub.search.service import search as run_search

    if root.get("debug"):
        os.environ["FEEDHUB_DEBUG"] = "1"
    settings = load_settings(db=root.get("db"), home=Path(root["home"]) if root.get("home") else None)
    json_out = bool(opts.pop("json_out", False))
    options = build_options(**opts)
    console, err = _LazyConsole(stderr=False), _LazyConsole(stderr=True)
    notify = None if root.get("quiet") else (lambda msg: err.print(_clean_line(msg), markup=False, highlight=False))
    result = run_search(settings, " ".join(words), options, notify=notify)
    print_result(console, err, result, json_out)


def _started_as_feedhub() -> bool:
    argv0 = sys.argv[0] if sys.argv else ""
    name = os.path.basename(argv0)
    if name in ("feedhub", "feedhub.exe", "feedhub-script.py"):
        return True
    return argv0.endswith(os.path.join("feedhub", "__main__.py"))


def dispatch() -> None:
    """Run ``feedhub search ...`` here and exit, if this process is one and we parse it exactly; else return."""
    if os.environ.get("FEEDHUB_FULL_CLI") or not _started_as_feedhub():
        return
    parsed = parse_argv(sys.argv[1:])
    if parsed is None:
        return
    root, opts, words = parsed
    debug = bool(root.get("debug")) or os.environ.get("FEEDHUB_DEBUG") == "1"
    from feedhub.errors import FeedhubError

    try:
        run(root, opts, words)
    except FeedhubError as exc:
        if debug:
            raise
        sys.stderr.write(f"error: {_one_line(exc)}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; what was committed before is kept\n")
        sys.exit(130)
    except Exception as exc:  # the same one line as feedhub.cli.main.main
        if debug:
            raise
        from feedhub.cli.main import environment_problem
        from feedhub.store.db import describe_error

        problem = describe_error(exc) or environment_problem(exc)
        if problem is not None:
            sys.stderr.write(f"error: {_clean_line(problem)}\n")
        else:
            sys.stderr.write(f"error: {type(exc).__name__}: {_one_line(exc)} (this is a bug; rerun with --debug and report it)\n")
        sys.exit(1)
    sys.stdout.flush()
    sys.exit(0)


def _clean_line(text: str) -> str:
    from feedhub.links.text import terminal_text

    return terminal_text(text)


def _one_line(exc: BaseException) -> str:
    text = _clean_line(" ".join(str(exc).split()))
    return text or type(exc).__name__
