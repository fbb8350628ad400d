"""Every command a message, a help text or a template tells users to run exists (issue 19: a hint named
`feedhub paper enrich`, which never existed)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from feedhub.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def _missing(text: str, root) -> list[str]:  # type: ignore[no-untyped-def]
    """``feedhub GROUP WORD`` mentions whose GROUP is a command group and WORD none of its commands."""
    bad = []
    for m in re.finditer(r"\bfeedhub ([a-z][a-z-]*)(?: ([a-z][a-z0-9-]*))?", text):
        group = root.commands.get(m.group(1))
        if group is None or not hasattr(group, "commands") or m.group(2) is None:
            continue
        if m.group(2) not in group.commands:
            bad.append(m.group(0))
    return bad


def test_the_scanner_finds_a_command_that_does_not_exist() -> None:
    root = typer.main.get_command(app)
    assert _missing("enrich it first (feedhub paper enrich)", root) == ["feedhub paper enrich"]
    assert _missing("run `feedhub paper show 1706.03762`; feedhub fetches it", root) == []


def test_every_hint_names_a_real_command() -> None:
    root = typer.main.get_command(app)
    found = {}
    files = [*ROOT.joinpath("feedhub").rglob("*.py"), *ROOT.joinpath("feedhub").rglob("*.html"), ROOT / "README.md"]
    for path in files:
        bad = _missing(path.read_text(encoding="utf-8"), root)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    assert found == {}
