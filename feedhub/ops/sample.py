"""The bundled sample week (2018-02-19 .. 2018-02-25): realistic feeds written for the project.

``feedhub demo`` subscribes to them as ``file://`` sources and pulls them like any other source, so
digest, search and paper commands then work on the sample as on pulled data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


@dataclass(frozen=True)
class SampleFeed:
    file: str
    name: str
    kind: str
    section: str | None


def sample_feeds() -> list[SampleFeed]:
    manifest = json.loads((SAMPLE_DIR / "manifest.json").read_text(encoding="utf-8"))
    return [SampleFeed(**f) for f in manifest["feeds"]]


def sample_snapshot() -> Path:
    """The week's papers in arXiv's metadata-snapshot format (JSON lines), for offline enrichment."""
    return SAMPLE_DIR / "arxiv-snapshot.jsonl"
