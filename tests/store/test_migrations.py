"""Migrations: one head, up -> down -> up, and no drift between the models and the migrated schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from feedhub.store.db import alembic_config, current_revision, downgrade, head_revision, make_engine, upgrade
from feedhub.store.models import Base


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several alembic heads: {heads}"


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"sources", "entries", "papers", "repos", "runs", "digests"} <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert "entries" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_autogenerate_finds_no_drift(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; write a revision: {diff}"


def test_sqlite_connection_settings(sqlite_url: str) -> None:
    from feedhub.store import open_store

    with open_store(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_every_command_upgrades_an_empty_database(db_url: str) -> None:
    from feedhub.store import open_store

    engine = open_store(db_url)
    assert current_revision(engine) == head_revision()
    open_store(db_url)  # idempotent: a second start changes nothing
    assert current_revision(engine) == head_revision()
