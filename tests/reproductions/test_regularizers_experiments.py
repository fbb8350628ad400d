"""Smoke runs of the regularizer experiments and their registry entries."""

from __future__ import annotations

import math
import sys

import pytest

from reproductions.core import RunContext
from reproductions.registry import get
from tests.reproductions import assert_judged

NAMES = [
    "overfitting",
    "dropout-ensemble",
    "batchnorm",
    "stochastic-depth",
    "fractional-maxpool",
    "inverted-dropout-identity",
    "inverted-dropout",
    "lasso-vs-ridge",
    "model-ensemble",
]


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


def test_inverted_dropout_identity_holds_and_is_not_vacuous() -> None:
    """The check's identities hold to rounding, the Monte-Carlo mean is centred on h, and the same comparison
    tells the wrong scaling apart: the paper's net with W against the inverted net with W (not qW) differs."""
    import torch

    from reproductions.experiments import regularizers_inverted_dropout as inv
    from reproductions.regularizers.dropout import dropout

    for q in (0.5, 0.8):
        errors, z = inv.identity_errors(3, q, units=1024, draws=400)
        assert max(errors.values()) <= inv.TOL
        assert abs(float(z.mean())) < 0.2 and 0.7 < float(z.std()) < 1.3
    h = torch.relu(torch.randn(16, 32, dtype=torch.float64)) + 0.1
    w = torch.randn(10, 32, dtype=torch.float64)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    paper = dropout(h, 0.5, training=True, inverted=False, generator=g1) @ w.T
    unscaled = dropout(h, 0.5, training=True, inverted=True, generator=g2) @ w.T  # W where qW is needed
    assert float((paper - unscaled).abs().max()) > 1e3 * inv.TOL
