"""``file://`` sources: read the bytes from disk (no HTTP, no conditional GET)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from feedhub.errors import FeedhubError

MAX_FILE_BYTES = 15 * 1024 * 1024


def file_path(url: str) -> Path:
    parts = urlsplit(url)
    return Path(unquote(parts.path))


def read_file_url(url: str) -> bytes:
    path = file_path(url)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FeedhubError(f"{path} is {size // 1024 // 1024} MiB, over the 15 MiB feed limit")
        return path.read_bytes()
    except FileNotFoundError:
        raise FeedhubError(f"cannot read {path}: no such file; fix the source's URL or remove it") from None
    except IsADirectoryError:
        raise FeedhubError(f"cannot read {path}: it is a directory, not a feed file") from None
    except PermissionError:
        raise FeedhubError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise FeedhubError(f"cannot read {path}: {exc.strerror or exc}") from None
