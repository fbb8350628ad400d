"""Every optimizer/schedule reproduction runs end to end at smoke size and returns a valid Result;
the catalogue stays torch-free and points at real modules and experiments."""

from __future__ import annotations

import importlib
import math
import subprocess
import sys

import pytest

from reproductions.core import Result, RunContext
from reproductions.registry import get
from tests.reproductions import assert_judged

NAMES = [
    "sgd-problems",
    "nesterov",
    "adagrad-sparse",
    "rmsprop-vs-adagrad",
    "adam",
    "adam-bias-correction",
    "saddle-points",
    "lr-decay",
    "polyak-averaging",
    "nesterov-lookahead",
    "second-order",
    "momentum-schedule",
    "second-order-ill-conditioned",
]


def test_catalogue_is_torch_free_and_complete() -> None:
    code = (
        "import sys, reproductions.catalogue.optimizers as c; from reproductions.registry import _REGISTRY;"
        "assert 'torch' not in sys.modules, 'catalogue imported torch';"
        "print(sorted(_REGISTRY))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in NAMES:
        assert name in out


@pytest.mark.parametrize("name", NAMES)
def test_entry_metadata(name: str) -> None:
    rep = get(name)
    assert rep.topic == ("schedules" if name == "lr-decay" else "optimizers")
    importlib.import_module(rep.module)
    assert callable(rep.load_experiment())
    assert all(p.link().startswith("https://") for p in rep.papers)


@pytest.mark.parametrize("name", NAMES)
def test_smoke_run(name: str, tmp_path) -> None:
    result = get(name).run(RunContext(smoke=True, out_dir=tmp_path))
    assert isinstance(result, Result)
    assert_judged(result, get(name).kind)
    assert result.reason and result.measured
    assert result.metrics
    for metric in result.metrics:
        assert metric.values and all(math.isfinite(v) for v in metric.values), metric.name
    assert result.figures
    for path in result.figures:
        assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.params["mode"] == "smoke"
    result.write(tmp_path)


def test_lookahead_check_tells_the_two_updates_apart() -> None:
    """The check is not vacuous: the momentum and Nesterov sums it verifies differ by far more than its
    tolerance, so an optimizer that took the gradient at the wrong point would fail it."""
    import torch

    from reproductions.experiments import optim_lookahead as la

    gen = torch.Generator().manual_seed(3)
    a = la.quadratic_2d(gen)
    x0 = torch.randn(2, generator=gen, dtype=torch.float64) * 2
    err_m, err_n, vec = la.one_step_errors(a, x0, lr=0.05)
    assert err_m <= la.TOL and err_n <= la.TOL
    gap = float((vec["gradient step"] - vec["lookahead gradient step"]).abs().max())
    assert gap > 1e6 * la.TOL
    # the look-ahead gradient is the gradient at θ + μv: ∇f = A θ for this quadratic, by hand
    expected = -0.05 * (a @ (vec["theta"] + vec["momentum step"]))  # the momentum step is μv
    torch.testing.assert_close(vec["lookahead gradient step"], expected)
