"""``feedhub doctor``: is everything consistent, and if not, what to run.

Checks: the database's integrity, migrations at head, the search index in sync with the store, no
duplicate entries or papers, and sources paused by errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text

from feedhub.config import Settings
from feedhub.store.db import current_revision, head_revision, session_factory
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


def check_integrity(engine: Engine) -> Check:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            ok = rows == ["ok"] and not fk
            detail = "integrity_check ok, no foreign-key violations" if ok else f"{'; '.join(rows[:3])}; {len(fk)} foreign-key violations"
            return Check("database integrity", ok, detail, None if ok else "restore a backup, or `sqlite3 feedhub.db .recover`")
        conn.execute(text("SELECT 1"))
        return Check("database integrity", True, f"{engine.dialect.name} reachable (the server keeps its own integrity)")


def check_migrations(engine: Engine) -> Check:
    cur, head = current_revision(engine), head_revision()
    ok = cur == head
    return Check("migrations at head", ok, f"database at {cur or 'empty'}, code at {head}", None if ok else "feedhub db upgrade")


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


def run_checks(settings: Settings, engine: Engine) -> list[Check]:
    checks = [check_integrity(engine), check_migrations(engine)]
    if checks[1].ok:
        checks += [check_duplicates(engine), check_index(settings, engine), check_sources(engine)]
    return checks
