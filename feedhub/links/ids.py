"""Finding arXiv identifiers in text and URLs (minimal version; the links issue extends it)."""

from __future__ import annotations

import re

# New-style ids (0704.0001 onwards): YYMM.NNNN (2007-2014) or YYMM.NNNNN (2015-), optional vN.
_NEW = r"(?P<new>(?:0[7-9]|1\d|2\d)(?:0[1-9]|1[0-2])\.\d{4,5})(?:v(?P<newv>\d+))?"
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html|format)/" + _NEW + r"(?!\d)", re.I)
_ARXIV_PREFIX = re.compile(r"(?<![\w.])arxiv:\s*" + _NEW + r"(?!\d)", re.I)


def find_arxiv_ids(text: str) -> list[str]:
    """arXiv ids (without version) in order of appearance, without duplicates."""
    found: list[str] = []
    for pattern in (_ARXIV_URL, _ARXIV_PREFIX):
        for m in pattern.finditer(text):
            if m.group("new") not in found:
                found.append(m.group("new"))
    return found
