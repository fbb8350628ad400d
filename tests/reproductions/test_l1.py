"""The lasso's pieces: soft thresholding is the prox of the L1 norm, FISTA's solution agrees with scikit-learn's
coordinate-descent Lasso (exact zeros included) in float64, batching changes nothing, and bad input raises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reproductions.regularizers.l1 import l1_penalty, lasso_fista, soft_threshold


def _data(seed: int, n: int = 40, p: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, p, generator=g, dtype=torch.float64)
    beta = torch.zeros(p, dtype=torch.float64)
    beta[:3] = torch.tensor([3.0, -1.5, 2.0], dtype=torch.float64)
    return x, x @ beta + torch.randn(n, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("alpha", [0.01, 0.3, 1.0, 5.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_lasso_matches_sklearn(alpha: float, seed: int) -> None:
    from sklearn.linear_model import Lasso

    x, y = _data(seed)
    ours = lasso_fista(x, y, alpha, iters=4000)
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(x.numpy(), y.numpy()).coef_
    torch.testing.assert_close(ours, torch.from_numpy(ref), rtol=1e-8, atol=1e-9)
    assert np.array_equal(ours.numpy() == 0, ref == 0)  # the same exact zeros


def test_batched_equals_one_at_a_time() -> None:
    sets = [_data(s) for s in range(3)]
    x = torch.stack([a for a, _ in sets])
    y = torch.stack([b for _, b in sets])
    alphas = torch.tensor([0.1, 0.5, 2.0], dtype=torch.float64)
    batched = lasso_fista(x, y, alphas, iters=1500)
    for i in range(3):
        torch.testing.assert_close(batched[i], lasso_fista(x[i], y[i], float(alphas[i]), iters=1500))


def test_soft_threshold_is_the_prox_of_l1() -> None:
    # prox_{τ‖·‖₁}(v) = argmin_b ½(b − v)² + τ|b|: check against a fine grid search per coordinate
    v = torch.tensor([-2.0, -0.3, 0.0, 0.2, 1.7], dtype=torch.float64)
    tau = 0.5
    grid = torch.linspace(-3, 3, 600_001, dtype=torch.float64)
    brute = torch.stack([grid[(0.5 * (grid - vi) ** 2 + tau * grid.abs()).argmin()] for vi in v])
    torch.testing.assert_close(soft_threshold(v, tau), brute, atol=2e-5, rtol=0)
    assert soft_threshold(v, tau).tolist() == [-1.5, 0.0, 0.0, 0.0, 1.2]
    assert float(l1_penalty(v, 2.0)) == pytest.approx(2.0 * 4.2)


@pytest.mark.parametrize(
    "call",
    [
        lambda: l1_penalty(torch.ones(2), -1.0),
        lambda: soft_threshold(torch.ones(2), -0.1),
        lambda: lasso_fista(torch.ones(4, 2), torch.ones(4), -1.0),
        lambda: lasso_fista(torch.ones(4, 2), torch.ones(4), 0.1, iters=0),
    ],
)
def test_bad_hyperparameters_raise_value_error(call) -> None:
    with pytest.raises(ValueError):
        call()
