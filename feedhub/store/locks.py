"""Cross-process locks for work that must take turns (two `feedhub fetch` runs on one database).

SQLite: an exclusive ``flock`` on a file beside the database (the same machine shares the file).
PostgreSQL: a session-level advisory lock, so fetches on different machines of a group take turns too.
The caller is told when it has to wait, so the user sees why nothing happens yet; ``wait=False`` does not wait
(a background fetch that finds another one running skips its turn).
"""

from __future__ import annotations

import os
import time
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Engine, text

Notify = Callable[[str], None]

def posix_locks():  # type: ignore[no-untyped-def]
    """The ``fcntl`` module, or the one-line error that says where feedhub runs (not on Windows)."""
    try:
        import fcntl
    except ImportError:
        from feedhub.errors import UNSUPPORTED_PLATFORM, FeedhubError

        raise FeedhubError(UNSUPPORTED_PLATFORM) from None
    return fcntl


@contextmanager
def exclusive(engine: Engine, name: str, notify: Notify | None = None, poll: float = 0.2, wait: bool = True) -> Iterator[bool]:
    """Hold the lock ``name`` for this database while the block runs; wait (saying so once) if taken. The block
    gets True when it holds the lock; with ``wait=False`` and the lock taken, it gets False at once (and runs
    without it: the caller decides)."""
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"feedhub:{name}".encode())
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                if not wait:
                    conn.commit()
                    yield False
                    return
                if notify:
                    notify(f"another feedhub {name} is running on this database; waiting for it to finish…")
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield True
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    from feedhub.store.db import sqlite_file

    database = sqlite_file(engine)  # the file itself, also when the engine reads it through a file: URI
    if database is None:  # an in-memory database: no other process can share it
        yield True
        return
    fcntl = posix_locks()
    path = Path(f"{database}.{name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            fh.seek(0)
            holder = fh.read().strip() or "?"
            if notify:
                notify(f"another feedhub {name} is running (pid {holder}); waiting for it to finish…")
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(poll)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
