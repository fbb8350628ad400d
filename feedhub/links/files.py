"""Reading local files safely: the one bounded read and the one gzip-sniffing open.

A file's reported size is not trusted (``/dev/zero`` and ``/proc`` files report 0): reads stop after
the limit's bytes have actually been read.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from feedhub.errors import FeedhubError

MiB = 1024 * 1024


class TooLarge(FeedhubError):
    """A file larger than what it may be for."""


def read_capped(path: Path, limit: int, what: str = "file") -> bytes:
    """At most ``limit`` bytes of ``path``; ``TooLarge`` (one line) when there are more, and a one-line
    ``FeedhubError`` when it cannot be read. ``what`` names it in the messages ("feed file", "OPML file")."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise FeedhubError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise FeedhubError(f"cannot read {path}: it is a directory, not a {what}") from None
    except PermissionError:
        raise FeedhubError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise FeedhubError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TooLarge(f"{path} is over the {_size(limit)} limit for a {what}; not read")
    return data


def open_maybe_gzip(path: Path) -> tuple[BinaryIO, BinaryIO, bool]:
    """(stream of the content, the raw file for progress, compressed?) for a plain or gzip file."""
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise FeedhubError(f"cannot read {path}: {exc.strerror or exc}; check the path") from None
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw, True  # type: ignore[return-value]
    return raw, raw, False


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB else f"{limit // 1024} KiB"


def writable(path: Path) -> bool:
    """Can this process write the SQLite file ``path`` and the -wal/-shm files beside it (its folder)?
    A read-only mount, folder or file says no (``os.access`` checks the mount too)."""
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    if not path.exists():
        return folder_ok
    return folder_ok and os.access(path, os.W_OK)


def sqlite_read_uri(path: Path) -> str:
    """A SQLite URI to read ``path`` without writing anything beside it: ``mode=ro``, or ``immutable=1``
    when the store is read-only and has no -wal/-shm to read through (a WAL database needs a -shm file,
    which a read-only folder cannot get)."""
    resolved = path.resolve()
    if writable(resolved):
        return f"file:{quote(str(resolved))}?mode=ro"
    wal, shm = resolved.with_name(resolved.name + "-wal"), resolved.with_name(resolved.name + "-shm")
    return f"file:{quote(str(resolved))}?" + ("mode=ro" if wal.exists() and shm.exists() else "immutable=1")
