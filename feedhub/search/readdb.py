"""A lean read path to the store for search: stdlib ``sqlite3`` for SQLite files, SQLAlchemy otherwise.

``feedhub search`` must answer in well under half a second from a cold start, and importing
SQLAlchemy (and alembic's migration check) alone costs more than that on a small machine. Searching
only reads a few rows by primary key, so for a SQLite file it opens the database read-only with the
standard library; PostgreSQL (and a caller that already holds an engine) goes through SQLAlchemy.
The SQL is plain text with ``:name`` parameters, which both drivers accept, and always bound.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from feedhub.errors import FeedhubError, InvalidInput
from feedhub.links.files import sqlite_read_uri

CHUNK = 900  # ids per IN (...) list: below SQLite's old 999-variable limit


def sqlite_path(db_url: str) -> Path | None:
    """The file of a ``sqlite:///...`` URL, or None (not SQLite, in-memory, or with options)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if db_url.startswith(prefix):
            rest = db_url[len(prefix) :]
            if not rest or rest.startswith(":memory:") or "?" in rest:
                return None
            return Path(rest)
    return None


class ReadDB:
    """``rows(sql, params)`` on either a sqlite3 connection or a SQLAlchemy connection."""

    def __init__(self, conn: Any, native: bool):
        self.conn = conn
        self.native = native

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        if self.native:
            return self.conn.execute(sql, params or {}).fetchall()
        from sqlalchemy import text

        return [tuple(r) for r in self.conn.execute(text(sql), params or {})]

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def rows_in(self, sql: str, ids: Sequence[Any], params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """``sql`` with ``{ids}`` replaced by a bound IN list, run in chunks."""
        out: list[tuple[Any, ...]] = []
        ids = list(ids)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            names = {f"i{k}": v for k, v in enumerate(chunk)}
            names.update(params or {})
            out.extend(self.rows(sql.replace("{ids}", ", ".join(f":i{k}" for k in range(len(chunk)))), names))
        return out


@contextmanager
def read_db(db_url: str, engine: Any = None) -> Iterator[ReadDB]:
    """Read-only access: the given engine, else sqlite3 on a SQLite file, else a new SQLAlchemy engine."""
    if engine is not None:
        with engine.connect() as conn:
            yield ReadDB(conn, native=False)
        return
    path = sqlite_path(db_url)
    if path is not None:
        import sqlite3

        if not path.exists():
            raise InvalidInput(f"no database at {path} yet: run `feedhub demo` or `feedhub fetch` first")
        try:
            conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=30)
        except sqlite3.Error as exc:
            raise FeedhubError(f"cannot open {path}: {exc}; run `feedhub db upgrade` or check the file") from None
        try:
            yield ReadDB(conn, native=True)
        finally:
            conn.close()
        return
    from feedhub.store.db import make_engine

    eng = make_engine(db_url)
    try:
        with eng.connect() as conn:
            yield ReadDB(conn, native=False)
    finally:
        eng.dispose()


def as_datetime(value: Any) -> datetime | None:
    """A stored time (datetime from PostgreSQL, text from SQLite) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def as_list(value: Any) -> list[Any]:
    """A JSON list column (decoded already by psycopg, text in SQLite)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    try:
        decoded = json.loads(value)
    except (TypeError, ValueError):
        return []
    return decoded if isinstance(decoded, list) else []
