"""``INSERT ... ON CONFLICT`` for SQLite and PostgreSQL, always with bound parameters."""

from __future__ import annotations

from typing import Any, Iterable, Sequence, cast

from sqlalchemy import FromClause, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: FromClause) -> Any:  # the dialect's Insert: both have on_conflict_*
    target = cast(Table, table)  # a model's __table__ is typed FromClause; it is a Table
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


def upsert(
    session: Session,
    table: FromClause,
    rows: Sequence[dict[str, Any]],
    conflict: Iterable[str],
    update: Iterable[str] = (),
) -> None:
    """Insert ``rows``; on a conflict on ``conflict`` columns, update ``update`` columns (or do nothing)."""
    if not rows:
        return
    stmt = _insert(session, table)
    update = list(update)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=list(conflict), set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    session.execute(stmt, list(rows))


def insert_returning(
    session: Session, table: FromClause, rows: Sequence[dict[str, Any]], conflict: Iterable[str], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert ``rows``, skipping those that conflict on ``conflict`` columns; the ``returning`` columns of
    the rows inserted (one statement: no read-back query)."""
    if not rows:
        return []
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=list(conflict))
    return [tuple(r) for r in session.execute(stmt.returning(*(table.c[c] for c in returning)), list(rows))]
