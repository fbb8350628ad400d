"""Max-norm: the projection matches torch.renorm, leaves short rows alone, bounds every row, bad input raises, and
the dropout + max-norm experiment runs end to end at smoke size (where it never decides)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from reproductions.core import RunContext
from reproductions.registry import get
from reproductions.regularizers.max_norm import max_norm_


@pytest.mark.parametrize("c", [0.5, 1.0, 3.0])
def test_max_norm_matches_torch_renorm(c: float) -> None:
    w = torch.randn(32, 17, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    w *= torch.linspace(0.02, 1.5, 32, dtype=torch.float64)[:, None]  # row norms from ~0.1 to ~6
    ours = max_norm_(w.clone(), c)
    ref = torch.renorm(w, p=2, dim=0, maxnorm=c)  # divides by ‖w‖ + 1e-7
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=1e-7)
    norms = ours.norm(dim=1)
    assert bool((norms <= c * (1 + 1e-12)).all())
    short = w.norm(dim=1) <= c
    assert bool(short.any()) and bool((~short).any())  # the case mixes rows inside and outside the ball
    torch.testing.assert_close(ours[short], w[short], rtol=0, atol=0)  # rows inside the ball are untouched
    torch.testing.assert_close(norms[~short], torch.full_like(norms[~short], c))  # the others land on the sphere


def test_max_norm_is_in_place_and_rejects_bad_input() -> None:
    w = torch.full((3, 4), 2.0)
    assert max_norm_(w, 1.0) is w and torch.allclose(w.norm(dim=1), torch.ones(3))
    with pytest.raises(ValueError):
        max_norm_(w, 0.0)
    with pytest.raises(ValueError):
        max_norm_(torch.ones(4), 1.0)


def test_smoke_run_never_decides(tmp_path: Path) -> None:
    result = get("max-norm-dropout").run(RunContext(smoke=True, out_dir=tmp_path))
    assert result.verdict == "inconclusive"
    assert set(result.params["chosen"]) == {"dropout + L2", "dropout + max-norm"}  # type: ignore[arg-type]
    assert all(Path(f).exists() for f in result.figures)
