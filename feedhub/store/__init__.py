"""The store: SQLAlchemy models, engine/session, migrations and upserts. Knows nothing of HTTP or CLI."""

from feedhub.store.db import make_engine, session_factory, transaction, upgrade

__all__ = ["make_engine", "session_factory", "transaction", "upgrade", "open_store"]


def open_store(url: str):  # type: ignore[no-untyped-def]
    """An engine on ``url``, migrated to head (every command upgrades an empty or older database)."""
    engine = make_engine(url)
    upgrade(engine)
    return engine
