"""Helpers for the hostile-input suite: real `feedhub` processes on real stores, and what a user sees.

Every case asserts three things: exactly one line on stderr (starting ``error:`` where the command fails,
never "(this is a bug)" nor a traceback), the exit status, and that what was stored is unchanged
(``store_dump``: every row of every table, in order; or the file's bytes where the file is the point).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import missing

RSS = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
       "<link>https://lab.example/</link>{items}</channel></rss>")


def rss(title: str = "Lab", items: tuple[tuple[str, str], ...] = (("Post one", "p1"),)) -> str:
    body = "".join(f"<item><title>{t}</title><guid>{g}</guid><link>https://lab.example/{g}</link></item>" for t, g in items)
    return RSS.format(title=title, items=body)


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "FEEDHUB_ARXIV_ENRICH": "0", **extra}
    env.pop("FEEDHUB_DB_URL", None)  # these cases are about the SQLite file itself
    return env


def feedhub(home: Path, *args: str | bytes, env: dict[str, str] | None = None, timeout: float = 120,
            wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``feedhub ARGS`` in a real process (``wrap``: a command line to run it under, e.g. a read-only mount)."""
    cmd = [*(wrap or []), sys.executable, "-m", "feedhub", *args]
    out = subprocess.run(cmd, capture_output=True, env=env or env_for(home), timeout=timeout)
    return subprocess.CompletedProcess(out.args, out.returncode, out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace"))


def stderr_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def assert_one_line(proc: subprocess.CompletedProcess[str], needle: str, status: int = 1) -> str:
    """The command failed with ``status`` and said so in one line holding ``needle``; no bug, no traceback."""
    lines = stderr_lines(proc)
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout and "this is a bug" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert needle in lines[0], lines[0]
    return lines[0]


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    """The command worked: exit 0, no error line, no bug."""
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "this is a bug" not in proc.stderr and "error:" not in proc.stderr, proc.stderr


def store_dump(db: Path) -> str:
    """Every row of every table, in a stable order, read without writing anything (immutable)."""
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    """A data dir with one source and one entry, fetched by feedhub itself; returns the home."""
    home = tmp_path / "home"
    home.mkdir()
    feed = tmp_path / "lab.xml"
    feed.write_text(rss(), encoding="utf-8")
    assert_clean(feedhub(home, "source", "add", str(feed), "--name", "Lab"))
    assert_clean(feedhub(home, "fetch", "--quiet"))
    return home


def read_only_wrap(path: Path) -> list[str]:
    """A command prefix that runs the command with ``path`` mounted read-only (a private mount namespace;
    root only), or [] after making it read-only with chmod (not root). Skips where neither works."""
    if os.geteuid() != 0:
        for p in [path, *path.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        return []
    if shutil.which("unshare") is None:
        missing("unshare(1) is not installed: cannot make a read-only mount for root (apt-get install util-linux)")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {path} {path} && mount -o remount,bind,ro {path} {path}"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        missing(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    return ["unshare", "-m", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"', str(path)]
