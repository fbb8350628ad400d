"""The cold-start path of ``feedhub search`` (cli/search_fast.py): same output as the typer command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from feedhub.cli.search_fast import parse_argv


@pytest.fixture()
def cli_home(home, db_url):  # type: ignore[no-untyped-def]
    from feedhub.store import open_store
    from tests.search.conftest import populate

    home.mkdir(parents=True, exist_ok=True)
    engine = open_store(db_url)
    populate(engine)
    engine.dispose()
    return home


@pytest.fixture()
def indexed_home(cli_home):  # type: ignore[no-untyped-def]
    assert feedhub("search", "warm-up", full=True).returncode == 0  # builds the index
    return cli_home


def feedhub(*args: str, full: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("FEEDHUB_FULL_CLI", None)
    if full:
        env["FEEDHUB_FULL_CLI"] = "1"
    # Report which path ran: the fast path never imports typer.
    code = ("import atexit, sys; sys.argv[0] = 'feedhub'; "
            "atexit.register(lambda: sys.stderr.write('TYPER\\n' if 'typer' in sys.modules else '')); "
            "from feedhub.cli.entry import main; main()")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)


def _no_timing(text: str) -> str:
    return re.sub(r'"took_ms": [0-9.]+', '"took_ms": 0', re.sub(r"in \d+ ms", "in N ms", text))


@pytest.mark.parametrize(
    "args",
    [
        ("search", "attention", "--json"),
        ("search", "neural", "--since", "2015", "--category", "cs.CV", "--json"),
        ("search", "--json", "adam", "-n", "1"),
        ("search", "", "--saved", "--tag=optim", "--json"),
        ("search", "--kind", "post", "adam", "--json"),
        ("search", "transform*", "--sort", "date", "--json"),
        ("search", "attention"),  # the rich table
        ("search", "zzzz-nothing"),
        ("-q", "search", "-n2", "networks", "--has-code"),
        ("search", "--", "-survey", "deep"),
        ("search", "-survey", "deep"),  # issue 18: an excluded first word needs no --
        ("search", "deep", "-survey", "-n", "3"),
    ],
)
def test_fast_path_prints_what_typer_prints(indexed_home, args) -> None:  # type: ignore[no-untyped-def]
    full = feedhub(*args, full=True)
    fast = feedhub(*args, full=False)
    assert full.returncode == fast.returncode == 0, (full.stderr, fast.stderr)
    assert "TYPER" in full.stderr and "TYPER" not in fast.stderr
    assert _no_timing(fast.stdout) == _no_timing(full.stdout)
    assert _no_timing(fast.stderr) == _no_timing(full.stderr).replace("TYPER\n", "")
    if "--json" in args:
        json.loads(fast.stdout)


@pytest.mark.parametrize(
    "args",
    [("search", "year:abc"), ("search", "--since", "soon", "x"), ("search", ""), ("search", "x", "--kind", "tweet"), ("search", "x", "--sort", "size")],
)
def test_fast_path_errors_match(indexed_home, args) -> None:  # type: ignore[no-untyped-def]
    full = feedhub(*args, full=True)
    fast = feedhub(*args, full=False)
    assert full.returncode == fast.returncode == 1
    assert fast.stderr.startswith("error: ") and fast.stderr.count("\n") == 1
    assert fast.stderr == full.stderr.replace("TYPER\n", "")


def test_fast_path_builds_a_missing_index_with_the_same_message(cli_home) -> None:  # type: ignore[no-untyped-def]
    import shutil

    fast = feedhub("search", "attention", "--json", full=False)
    shutil.rmtree(cli_home / "index")
    full = feedhub("search", "attention", "--json", full=True)
    assert fast.returncode == full.returncode == 0
    assert fast.stderr == "the search index is missing; rebuilding it from the database...\n"
    assert full.stderr == fast.stderr + "TYPER\n"
    assert _no_timing(fast.stdout) == _no_timing(full.stdout)


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "--help"],
        ["search", "x", "--limit", "0"],
        ["search", "x", "--limit", "1001"],
        ["search", "x", "--limit", "ten"],
        ["search", "x", "--source", " 3"],
        ["search", "x", "--bogus"],
        ["search", "x", "--json=yes"],
        ["search", "x", "--since"],
        ["--version"],
        ["--db", "x.db"],
        ["-qd", "search", "x"],
        ["source", "list"],
        [],
    ],
)
def test_unsupported_arguments_go_to_typer(argv) -> None:  # type: ignore[no-untyped-def]
    assert parse_argv(argv) is None


@pytest.mark.parametrize(
    ("argv", "root", "opts", "words"),
    [
        (["search", "a", "b"], {}, {}, ["a", "b"]),
        (["--db", "x.db", "-q", "search", "a"], {"db": "x.db", "quiet": True}, {}, ["a"]),
        (["--home=/h", "search", "a", "--cat", "cs.LG", "--category=cs.CV", "-n5"], {"home": "/h"}, {"category": ["cs.LG", "cs.CV"], "limit": 5}, ["a"]),
        (["search", "--json", "--", "-x", "--json"], {}, {"json_out": True}, ["-x", "--json"]),
        (["search", "a", "--source", "3", "--saved", "--has-code", "b"], {}, {"source": 3, "saved": True, "has_code": True}, ["a", "b"]),
        (["search", "-"], {}, {}, ["-"]),
    ],
)
def test_parse_argv(argv, root, opts, words) -> None:  # type: ignore[no-untyped-def]
    assert parse_argv(argv) == (root, opts, words)


def test_help_still_lists_every_command() -> None:
    out = subprocess.run([sys.executable, "-m", "feedhub", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("search", "index", "saved", "recommend", "source", "fetch", "digest"):
        assert command in out.stdout
