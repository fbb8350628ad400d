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


def test_0005_up_and_down_keep_every_members_saved_papers(db_url: str) -> None:
    """0005 adds columns to `members`: neither direction may rebuild it (a rebuild's DROP cascades to saved rows)."""
    engine = make_engine(db_url)
    upgrade(engine, "0004")
    with engine.begin() as conn:  # raw SQL: the models describe the newest schema, not 0004's
        conn.exec_driver_sql("INSERT INTO members (id, name, created_at) VALUES (2, 'alice', '2018-01-01 00:00:00+00:00')")
        conn.exec_driver_sql("INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, first_seen_at) "
                             "VALUES ('1706.03762', 1, 'Attention', '', '[]', '[]', '2018-01-01 00:00:00+00:00')")  # fmt: skip
        for member in (1, 2):
            conn.exec_driver_sql(f"INSERT INTO saved (member_id, paper_id, saved_at, tags) VALUES ({member}, '1706.03762', '2018-01-02 00:00:00+00:00', '[]')")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM saved").scalar() == 2
        assert conn.exec_driver_sql("SELECT name FROM members WHERE is_admin ORDER BY id").scalars().all() == ["default"]
    downgrade(engine, "0004")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM saved").scalar() == 2
    engine.dispose()
