"""Helpers for crash and concurrency tests: real `feedhub` processes on real databases."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.httpserver import FeedServer, Reply, rss  # noqa: E402

N_FEEDS = 30
ITEMS = 40


def cli_env(home: Path, db_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    if db_url:
        env["FEEDHUB_DB_URL"] = db_url
    else:
        env.pop("FEEDHUB_DB_URL", None)
    return env


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "feedhub", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedhub", *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def feeds() -> Iterator[list[str]]:
    """N_FEEDS feeds of ITEMS entries each on a loopback server, each answer a little slow."""
    with FeedServer() as server:
        urls = [server.route(f"/feed/{i}.xml", Reply(body=rss(f"Feed {i}", items=ITEMS, prefix=f"f{i}"), delay=0.05))
                for i in range(N_FEEDS)]
        yield urls


class Poller:
    """Reads what is committed, every few milliseconds, from a separate SQLite connection: anything it
    ever saw was committed, so it must still be there after a crash."""

    def __init__(self, db_path: Path, query: str) -> None:
        self.db_path, self.query = db_path, query
        self.seen: set[tuple[object, ...]] = set()
        self.first = threading.Event()  # set once something committed has been seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
                try:
                    self.seen.update(conn.execute(self.query).fetchall())
                    if self.seen:
                        self.first.set()
                finally:
                    conn.close()
            except sqlite3.Error:
                pass  # not created yet, or mid-migration
            time.sleep(0.02)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def integrity(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def tables(db_path: Path) -> set[str]:
    conn = sqlite3.connect(db_path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def rows(db_path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()
