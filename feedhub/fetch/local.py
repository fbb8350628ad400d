"""``file://`` sources: read the bytes from disk (no HTTP, no conditional GET)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from feedhub.errors import FeedhubError
from feedhub.links.files import TooLarge, read_capped

MAX_FILE_BYTES = 15 * 1024 * 1024


def file_path(url: str) -> Path:
    parts = urlsplit(url)
    return Path(unquote(parts.path))


def read_file_url(url: str) -> bytes:
    """The bytes of a ``file://`` source, at most the 15 MiB feed limit (counted as read)."""
    path = file_path(url)
    try:
        return read_capped(path, MAX_FILE_BYTES, "feed file")
    except TooLarge:
        raise
    except FeedhubError as exc:
        raise FeedhubError(f"{exc}; fix the source's URL or remove it") from None
