"""JSON: the digest as ``build`` made it (stable keys, sorted), for scripts and other tools."""

from __future__ import annotations

import json
from typing import Any


def render(model: dict[str, Any], *, explain: bool = False) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
