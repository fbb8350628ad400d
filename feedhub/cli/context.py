"""What every command gets on ``ctx.obj``: settings, and the store opened (and migrated) on first use."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console

from feedhub.config import Settings


@dataclass
class AppContext:
    settings: Settings
    debug: bool = False
    quiet: bool = False
    _engine: Any = field(default=None, repr=False)
    console: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        if self._engine is None:
            from feedhub.papers.reproductions import reconcile_registry
            from feedhub.store import open_store

            self._engine = open_store(self.settings.db_url)
            reconcile_registry(self._engine)  # derived links follow the registry on every open
        return self._engine

    def session(self):  # type: ignore[no-untyped-def]
        from feedhub.store.db import session_factory

        return session_factory(self.engine)()

    @property
    def interactive(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


def print_json(data: Any) -> None:
    """Machine-readable output: stable keys, UTF-8, straight to stdout (no rich markup)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
