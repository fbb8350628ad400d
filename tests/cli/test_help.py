"""Every command's --help ends with an example (CONVENTIONS: the CLI), and --help stays light."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer

from feedhub.cli.main import app


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = [("feedhub", root)]

    def walk(prefix: str, group: Any) -> None:
        for name, cmd in sorted(group.commands.items()):
            out.append((f"{prefix} {name}", cmd))
            if hasattr(cmd, "commands"):  # a group (typer's click, whichever it bundles)
                walk(f"{prefix} {name}", cmd)

    walk("feedhub", root)
    return out


COMMANDS = _commands()


def test_there_are_many_commands() -> None:
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_ends_with_an_example(path: str, command: Any) -> None:
    text = " ".join((command.help or "").split()) + " " + " ".join((command.epilog or "").split())
    last = text.strip().rsplit("Example", 1)
    assert len(last) == 2 and "feedhub " in last[1], f"`{path} --help` does not end with an example: {text[-160:]!r}"


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys, runpy; sys.argv = ['feedhub', '--help']\n"
            "try:\n    runpy.run_module('feedhub', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'tantivy', 'sklearn', 'matplotlib', 'numpy') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout[-300:] + out.stderr[-300:]
