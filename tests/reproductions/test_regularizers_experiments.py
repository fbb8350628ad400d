"""Smoke runs of the regularizer experiments and their registry entries."""

from __future__ import annotations

import math
import sys

import pytest

from reproductions.core import RunContext
from reproductions.registry import get
from tests.reproductions import assert_judged

NAMES = ["overfitting", "dropout-ensemble", "batchnorm", "stochastic-depth", "fractional-maxpool"]


def test_catalogue_is_torch_free_and_complete() -> None:
    import subprocess

    code = (
        "import sys, reproductions.catalogue.regularizers, reproductions.catalogue.augment; "
        "assert 'torch' not in sys.modules, 'catalogue imported torch'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    for name in NAMES:
        rep = get(name)
        assert rep.topic == "regularizers"
        assert all(p.link().startswith("https://") for p in rep.papers)
        assert callable(rep.load_experiment())


@pytest.mark.parametrize("name", NAMES)
def test_smoke_run(name: str, tmp_path) -> None:
    result = get(name).run(RunContext(smoke=True, out_dir=tmp_path))
    assert_judged(result, get(name).kind)
    assert result.reason and result.metrics
    for m in result.metrics:
        assert m.values and all(math.isfinite(v) for v in m.values), m.name
    assert result.figures
    for fig in result.figures:
        assert fig.exists() and fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.params["mode"] == "smoke" and "init" in result.params
    assert (tmp_path / "metrics.json") == result.write(tmp_path)
