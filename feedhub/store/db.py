"""Engine, sessions and migrations: the one ``upgrade(engine)`` used by the CLI, the tests and start-up."""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from feedhub.errors import FeedhubError

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise FeedhubError(f"invalid database URL {url!r}; use a file path or e.g. postgresql+psycopg://user@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        # SQLAlchemy issues the BEGIN itself (pysqlite's implicit transactions are off), and an IMMEDIATE
        # one: a deferred transaction that reads, then writes while another process committed, fails at
        # once with "database is locked" (busy_timeout cannot help a stale snapshot); IMMEDIATE takes the
        # write lock up front and so waits its turn. WAL keeps readers free of it.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise FeedhubError(f"the database driver {exc.name!r} is not installed; pip install 'feedhub[postgres]'") from None


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


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.isolation_level = None  # SQLAlchemy issues BEGIN itself (see make_engine)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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
    """Bring the database to ``revision`` (creating it if empty). Safe to call on every start."""
    from alembic import command

    if revision == "head" and is_at_head(engine):
        return
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
    """The driver's error when ``exc`` is the database failing (locked, unreachable, disk full), else None."""
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        return exc.orig or exc
    return None
