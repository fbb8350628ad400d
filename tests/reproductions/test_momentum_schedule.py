"""Sutskever et al.'s momentum schedule: its closed form at hand-computed points, the cap, the optimizer's momentum
it sets at every update (this package's Momentum and torch's SGD), an equal trajectory to momentum changed by
hand, and bad arguments."""

from __future__ import annotations

import pytest
import torch

from reproductions.optimizers import Momentum
from reproductions.schedules.momentum_schedule import MomentumSchedule, sutskever_momentum


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0, 0.5),  # 1 − 2^(−1 − log₂ 1) = 1 − 1/2
        (249, 0.5),
        (250, 0.75),  # 1 − 2^(−1 − log₂ 2) = 1 − 1/4
        (500, 1 - 1 / 6),  # ⌊500/250⌋ + 1 = 3: 1 − 1/(2·3)
        (999, 0.875),
        (1000, 0.9),  # k + 1 = 5: 1 − 1/10
        (2250, 0.95),
        (12249, 1 - 1 / 98),
        (12250, 0.99),
    ],
)
def test_closed_form_values(t: int, expected: float) -> None:
    assert sutskever_momentum(t, 0.999) == pytest.approx(expected, rel=1e-12)


def test_capped_at_mu_max_and_never_decreasing() -> None:
    values = [sutskever_momentum(t, 0.95) for t in range(0, 40_000, 50)]
    assert max(values) == 0.95 and values[-1] == 0.95
    assert all(b >= a for a, b in zip(values, values[1:], strict=False))
    assert sutskever_momentum(10**6, 0.9) == 0.9
    assert sutskever_momentum(0, 0.3) == 0.3  # a cap below 0.5 holds from the first update


@pytest.mark.parametrize(("make", "key"), [(lambda p: Momentum(p, lr=0.1, rho=0.0), "rho"), (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.0), "momentum")])
def test_sets_the_optimizers_momentum_every_update(make, key) -> None:
    p = torch.zeros(3, requires_grad=True)
    opt = make([p])
    sched = MomentumSchedule(opt, 0.99, key=key)
    seen = []
    for _ in range(1300):
        seen.append(opt.param_groups[0][key])
        p.grad = torch.ones(3)
        opt.step()
        sched.step()
    assert seen == [sutskever_momentum(t, 0.99) for t in range(1300)]


def test_same_iterates_as_momentum_set_by_hand() -> None:
    """The schedule only sets μ: a run with it equals a run whose μ is written into the group by hand."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(8, 8, generator=g, dtype=torch.float64)
    h = a @ a.T + torch.eye(8, dtype=torch.float64)
    x1 = torch.ones(8, dtype=torch.float64, requires_grad=True)
    x2 = x1.detach().clone().requires_grad_(True)
    o1, o2 = Momentum([x1], lr=1e-3, rho=0.0), Momentum([x2], lr=1e-3, rho=0.0)
    sched = MomentumSchedule(o1, 0.9)
    for t in range(600):
        o2.param_groups[0]["rho"] = min(1 - 1 / (2 * (t // 250 + 1)), 0.9)
        for x, o in ((x1, o1), (x2, o2)):
            o.zero_grad()
            (0.5 * x @ h @ x).backward()
            o.step()
        sched.step()
    torch.testing.assert_close(x1, x2, rtol=1e-12, atol=1e-14)  # 2^(−log₂ 3) and 1/3 differ in the last bit
    assert not torch.allclose(x1, torch.ones(8, dtype=torch.float64))


@pytest.mark.parametrize("mu_max", [1.0, -0.1, float("nan"), True])
def test_bad_mu_max(mu_max) -> None:
    with pytest.raises(ValueError):
        sutskever_momentum(0, mu_max)
    with pytest.raises(ValueError):
        MomentumSchedule(Momentum([torch.zeros(1, requires_grad=True)]), mu_max)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        sutskever_momentum(-1, 0.9)
    with pytest.raises(ValueError):
        sutskever_momentum(0, 0.9, period=0)
    with pytest.raises(TypeError):
        MomentumSchedule("not an optimizer", 0.9)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no 'momentum'"):
        MomentumSchedule(Momentum([torch.zeros(1, requires_grad=True)]), 0.9, key="momentum")
