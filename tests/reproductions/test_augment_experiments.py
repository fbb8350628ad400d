"""Smoke run of the augmentation experiment and its registry entry."""

from __future__ import annotations

import math

from reproductions.core import RunContext
from reproductions.registry import get
from tests.reproductions import assert_judged


def test_augmentation_smoke_run(tmp_path) -> None:
    rep = get("augmentation")
    assert rep.topic == "augment"
    assert {p.link() for p in rep.papers} >= {"https://arxiv.org/abs/1512.03385"}
    result = rep.run(RunContext(smoke=True, out_dir=tmp_path))
    assert_judged(result)
    for m in result.metrics:
        assert m.values and all(math.isfinite(v) for v in m.values), m.name
    names = {p.name for p in result.figures}
    assert names == {"augmentation.png", "pca_colour.png"}
    for fig in result.figures:
        assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.params["mode"] == "smoke"
