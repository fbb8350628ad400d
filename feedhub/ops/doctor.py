"""``feedhub doctor``: is everything consistent, and if not, what to run.

Checks: the database file (a SQLite file at all, writable), its integrity, migrations at head (or a
database from a newer feedhub), the search index in sync with the store, no duplicate entries or papers,
and sources paused by errors. A damaged store is diagnosed, never a traceback: each problem is one line
with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from feedhub.config import Settings
from feedhub.errors import FeedhubError
from feedhub.store.db import (
    SQLITE_MAGIC,
    current_revision,
    head_revision,
    is_read_only,
    known_revision,
    make_engine,
    newer_message,
    session_factory,
    writable,
)
from feedhub.store.models import Entry, Source

PAUSE_AFTER_ERRORS = 3


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None  # the command to run when not ok

    def to_json(self) -> dict[str, object]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database.removeprefix("file:").split("?")[0])


def restore_fix(path: Path | None) -> str:
    """What to do about a damaged SQLite file: the backup first, else salvage what SQLite can read."""
    if path is None:
        return "restore the server's last backup (pg_dump / pg_restore)"
    wal = path.with_name(path.name + "-wal")
    keep = f" (copy {wal.name} with it: it holds the latest writes)" if wal.exists() and wal.stat().st_size else ""
    return (f"restore a backup made by `feedhub db backup PATH`: cp PATH {path}{keep}; without one, salvage what is "
            f"readable: sqlite3 {path} .recover | sqlite3 {path}.recovered && mv {path}.recovered {path}")


def check_file(settings: Settings) -> list[Check]:
    """The SQLite file itself, before SQLite is asked anything: there, a database at all, writable."""
    path = sqlite_path(settings.db_url)
    if path is None:
        return []
    if not path.exists():
        if path.parent.exists() and not writable(path):
            return [Check("database file", False, f"no database at {path}, and {path.parent} is read-only",
                          "set FEEDHUB_HOME (or --db) to a folder you can write")]
        return [Check("database file", True, f"no database at {path} yet; the first command creates it")]
    if not path.is_file():
        return [Check("database file", False, f"{path} is not a file", "point --db (or FEEDHUB_HOME) at a database file")]
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        return [Check("database file", False, f"cannot read {path}: {exc.strerror or exc}", f"give yourself read access: chmod u+r {path}")]
    checks = []
    if head != SQLITE_MAGIC and (head or path.stat().st_size):
        checks.append(Check("database file", False, f"{path} is not a SQLite database (damaged or overwritten)", restore_fix(path)))
    else:
        checks.append(Check("database file", True, f"{path} ({path.stat().st_size:,} bytes)"))
    if not writable(path):
        checks.append(Check("write access", False, f"{path} (or its folder) is read-only: reading commands work (source list, "
                            "entries, search, paper show, doctor); fetch, source add and digest need write access",
                            f"chmod u+w {path.parent} {path} (or mount it read-write); or copy it: feedhub db backup COPY, "
                            "then feedhub --db COPY ..."))  # fmt: skip
    return checks


def check_integrity(engine: Engine) -> Check:
    path = sqlite_path(str(engine.url))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
                fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                ok = rows == ["ok"] and not fk
                detail = "integrity_check ok, no foreign-key violations" if ok else f"{'; '.join(rows[:3])}; {len(fk)} foreign-key violations"
                return Check("database integrity", ok, detail, None if ok else restore_fix(path))
            conn.execute(text("SELECT 1"))
            return Check("database integrity", True, f"{engine.dialect.name} reachable (the server keeps its own integrity)")
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig or exc).split())
        if engine.dialect.name != "sqlite":
            return Check("database integrity", False, f"cannot reach the database: {reason}", "check the server and the URL (FEEDHUB_DB_URL)")
        return Check("database integrity", False, f"SQLite cannot read {path}: {reason}", restore_fix(path))


def check_migrations(engine: Engine) -> Check:
    cur, head = current_revision(engine), head_revision()
    if cur is not None and not known_revision(cur):
        return Check("migrations at head", False, newer_message(engine, cur), "pip install -U feedhub (then feedhub doctor again)")
    ok = cur == head
    fix = None if ok else ("feedhub db upgrade, with write access to the data dir" if is_read_only(engine) else "feedhub db upgrade")
    return Check("migrations at head", ok, f"database at {cur or 'empty'}, code at {head}", fix)


def check_duplicates(engine: Engine) -> Check:
    with session_factory(engine)() as s:
        dup_entries = s.scalar(
            select(func.count()).select_from(
                select(Entry.source_id, Entry.key).group_by(Entry.source_id, Entry.key).having(func.count() > 1).subquery()
            )
        )
    ok = not dup_entries
    return Check("no duplicates", ok, "entries unique per source and key" if ok else f"{dup_entries} duplicated entry keys",
                 None if ok else "feedhub db upgrade (restores the unique constraint)")


def check_index(settings: Settings, engine: Engine) -> Check:
    try:
        from feedhub.search.index import status
    except ImportError:
        return Check("search index", True, "search not installed")
    try:
        st = status(settings, engine)
    except Exception as exc:  # a damaged index: report, the next search rebuilds it
        return Check("search index", False, f"cannot read the index: {type(exc).__name__}: {exc}", "feedhub index rebuild")
    if not st.get("exists"):
        db = st.get("database", {})
        empty = not (db.get("papers") or db.get("entries"))
        return Check("search index", empty, "no index yet" + ("" if empty else f" for {db}"), None if empty else "feedhub index rebuild")
    lag = st.get("lag", {})
    db = st.get("database", {})
    missing = (db.get("papers", 0) - st.get("papers", 0), db.get("entries", 0) - st.get("entries", 0))
    ok = not any(lag.values()) and missing == (0, 0)
    detail = (f"{st.get('papers', 0)} papers and {st.get('entries', 0)} entries indexed; database has "
              f"{db.get('papers', 0)} and {db.get('entries', 0)}; waiting: {lag}")
    return Check("search index in sync", ok, detail, None if ok else "feedhub index rebuild")


def check_sources(engine: Engine) -> Check:
    with session_factory(engine)() as s:
        paused = list(s.execute(select(Source.id, Source.name, Source.last_error).where(
            Source.enabled.is_(True), Source.error_count >= PAUSE_AFTER_ERRORS)))
        disabled = s.scalar(select(func.count()).select_from(Source).where(Source.enabled.is_(False))) or 0
    if not paused:
        return Check("sources healthy", True, f"no source paused by errors ({disabled} disabled by you or by a 410)")
    names = "; ".join(f"{sid} {name}: {err}" for sid, name, err in paused[:5])
    return Check("sources healthy", False, f"{len(paused)} paused after {PAUSE_AFTER_ERRORS}+ errors: {names}",
                 f"fix the URL (feedhub source list), then feedhub fetch --force --source {paused[0][0]}")


def run_checks(settings: Settings, engine: Engine | None = None) -> list[Check]:
    """Every check, each one line; a damaged or foreign store stops at the check that found it."""
    checks = check_file(settings)
    if any(not c.ok and c.name == "database file" for c in checks):
        return checks
    path = sqlite_path(settings.db_url)
    if path is not None and not path.exists():
        return checks
    if engine is None:
        try:
            engine = make_engine(settings.db_url)  # no auto-upgrade: report it
        except FeedhubError as exc:
            return [*checks, Check("database", False, str(exc), "fix the database URL or the data dir")]
    checks.append(check_integrity(engine))
    if not checks[-1].ok:
        return checks
    checks.append(check_migrations(engine))
    if checks[-1].ok:
        checks += [check_duplicates(engine), check_index(settings, engine), check_sources(engine)]
    return checks
