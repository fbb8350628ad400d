"""Engine, sessions and migrations: the one ``upgrade(engine)`` used by the CLI, the tests and start-up."""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from feedhub.errors import FeedhubError
from feedhub.links.files import sqlite_read_uri, writable

BUSY_TIMEOUT_MS = 30_000


SUPPORTED = ("sqlite", "postgresql")
SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(FeedhubError):
    """The database cannot be used as it is (damaged, from a newer feedhub, read-only for a write)."""


def make_engine(url: str) -> Engine:
    """An engine on ``url``. A SQLite file that this process cannot write (a read-only data dir, file or
    mount) is opened read-only: reading commands work, a write fails in one line (``describe_error``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise FeedhubError(f"invalid database URL {url!r}; use a file path or e.g. postgresql+psycopg://user@host/db") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise FeedhubError(f"unsupported database {backend!r} in {parsed.render_as_string(hide_password=True)}; "
                           "feedhub works with SQLite (a file path) or PostgreSQL (postgresql+psycopg://user@host/db)")  # fmt: skip
    if backend == "sqlite":
        read_only = False
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            path = Path(parsed.database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the data dir {path.parent}: {exc.strerror or exc}; "
                                 "set FEEDHUB_HOME (or --db) to a folder you can write") from None  # fmt: skip
            read_only = not writable(path)
            if read_only:
                if not path.exists():
                    raise StoreError(f"no database at {path}, and its folder is read-only so none can be made; "
                                     "set FEEDHUB_HOME (or --db) to a folder you can write")  # fmt: skip
                url = read_only_url(path)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", partial(_sqlite_on_connect, read_only=read_only))
        # SQLAlchemy issues the BEGIN itself (pysqlite's implicit transactions are off), and an IMMEDIATE
        # one: a deferred transaction that reads, then writes while another process committed, fails at
        # once with "database is locked" (busy_timeout cannot help a stale snapshot); IMMEDIATE takes the
        # write lock up front and so waits its turn. WAL keeps readers free of it. A read-only store
        # cannot take that lock: it reads in plain (deferred) transactions.
        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise FeedhubError(f"the database driver {exc.name!r} is not installed; pip install 'feedhub[postgres]'") from None


def reader_engine(engine: Engine) -> Engine:
    """An engine for reads only beside ``engine``: on a SQLite file, read-only connections in plain (deferred)
    transactions, so many readers never queue behind the write lock ``make_engine``'s IMMEDIATE transactions
    take (WAL lets them read while a writer works); on PostgreSQL the engine itself (its reads take no lock)."""
    path = sqlite_file(engine)
    if path is None or is_read_only(engine):
        return engine
    reader = create_engine(read_only_url(path), connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(reader, "connect", partial(_sqlite_on_connect, read_only=True))
    event.listen(reader, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return reader


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist yet (so a read-only command can say so instead
    of creating it); None for a file that exists, an in-memory database or a server."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def read_only_url(path: Path) -> str:
    """A read-only SQLAlchemy URL for the SQLite file ``path`` (see ``links.files.sqlite_read_uri``)."""
    return f"sqlite:///{sqlite_read_uri(path)}&uri=true"


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite file behind ``engine`` (a read-only engine's ``file:`` URI included); None otherwise."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return Path(unquote(database.removeprefix("file:").split("?", 1)[0]))
    return Path(database)


def is_read_only(engine: Engine) -> bool:
    """True for a SQLite store that ``make_engine`` opened read-only."""
    database = engine.url.database or ""
    return engine.dialect.name == "sqlite" and database.startswith("file:") and engine.url.query.get("uri") == "true" and (
        "mode" in engine.url.query or "immutable" in engine.url.query)


def _sqlite_on_connect(dbapi_conn, _record, read_only: bool = False) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.isolation_level = None  # SQLAlchemy issues BEGIN itself (see make_engine)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    if not read_only:
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if not read_only:
        cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def migrations_dir() -> Path:
    """The alembic scripts: ``feedhub.migrations`` when installed, else the checkout's ``migrations/``."""
    try:
        import feedhub.migrations as shipped  # type: ignore[import-not-found]

        return Path(shipped.__file__).resolve().parent
    except ImportError:
        return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(engine: Engine | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating it if empty). Safe to call on every start.

    A database from a newer feedhub (a revision this code does not know) is left alone, in one line; so is
    a read-only store that would need a migration."""
    from alembic import command

    if revision == "head" and is_at_head(engine):
        return
    check_known_revision(engine)
    if is_read_only(engine):
        raise StoreError(f"{store_name(engine)} is read-only and its schema is older than this feedhub's; "
                         "run `feedhub db upgrade` once with write access")  # fmt: skip
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic's ResolutionError / CommandError for an id it has never seen
        return False


def check_known_revision(engine: Engine) -> None:
    """``StoreError`` when the database's schema revision is unknown here: written by a newer feedhub."""
    if not inspect(engine).has_table("alembic_version"):
        return
    current = current_revision(engine)
    if current is not None and not known_revision(current):
        raise StoreError(newer_message(engine, current))


def newer_message(engine: Engine, current: str) -> str:
    return (f"{store_name(engine)} was written by a newer feedhub (schema {current}; this one knows up to {head_revision()}); "
            "upgrade feedhub (pip install -U feedhub), or use --db with another database")


def store_name(engine: Engine) -> str:
    """The database as the user knows it: the SQLite file's path, else the URL without its password."""
    path = sqlite_file(engine)
    if path is not None:
        return f"the database {path}"
    return "the database " + engine.url.render_as_string(hide_password=True)


def is_at_head(engine: Engine) -> bool:
    if not inspect(engine).has_table("alembic_version"):
        return False
    return current_revision(engine) == head_revision()


def session_factory(engine: Engine) -> Callable[[], Session]:
    """Sessions on ``engine`` (objects stay readable after commit). Not a ``sessionmaker``: that builds a
    new Session subclass on every call, and registering its events cost a millisecond a fetched feed."""
    return partial(Session, bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back everything on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


def database_problem(exc: BaseException) -> BaseException | None:
    """The driver's error when ``exc`` is the database failing (locked, unreachable, disk full, damaged), else None."""
    import sqlite3

    from sqlalchemy.exc import DatabaseError, OperationalError

    if isinstance(exc, (OperationalError, DatabaseError)):
        return exc.orig or exc
    if isinstance(exc, sqlite3.DatabaseError):  # the search's read path uses sqlite3 directly
        return exc
    return None


DAMAGED = ("file is not a database", "database disk image is malformed", "malformed database schema", "file is encrypted")


def describe_error(exc: BaseException) -> str | None:
    """One line saying what is wrong with the store and what to do, for an error the driver raised; None
    when ``exc`` is not the database failing."""
    problem = database_problem(exc)
    if problem is None:
        return None
    text = " ".join(str(problem).split())
    low = text.lower()
    if any(d in low for d in DAMAGED):
        return f"the database is damaged ({text}); `feedhub doctor` says how to restore it"
    if "readonly database" in low or "read-only" in low:
        return f"the database is read-only ({text}); this command writes: run it with write access to the data dir"
    if "unable to open database file" in low:
        return f"cannot open the database ({text}); check that the data dir exists and you may read it (`feedhub doctor`)"
    return f"database problem: {text} (run `feedhub doctor`, or --debug)"


def backup(engine: Engine, target: Path) -> int:
    """A consistent copy of the SQLite store at ``target`` (SQLite's online backup: safe while another
    feedhub writes), checked with ``quick_check``; returns its size in bytes. PostgreSQL: one line naming
    the server's own tools. ``target`` must not exist yet."""
    import sqlite3

    if engine.dialect.name != "sqlite":
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
        raise StoreError(f"a PostgreSQL store is backed up with the server's tools: pg_dump -Fc -f {target} '{url}' "
                         f"(restore: pg_restore --clean -d '{url}' {target})")  # fmt: skip
    target = target.expanduser()
    if target.exists():
        raise StoreError(f"{target} already exists; give a new file name (a backup never overwrites)")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist; create it first (mkdir -p {target.parent})")
    partial = target.with_name(target.name + ".partial")
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(str(partial))
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            verdict = dest.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dest.close()
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"backup failed: {exc}; the store may be damaged (`feedhub doctor`)") from None
    finally:
        raw.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise StoreError(f"the copy does not pass quick_check ({verdict}); the store is damaged: `feedhub doctor`")
    os.replace(partial, target)
    return target.stat().st_size
