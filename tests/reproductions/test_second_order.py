"""Newton's method and L-BFGS: L-BFGS in parity with torch.optim.LBFGS (float64, many steps, the history full
and cycling), Newton against the closed-form minimizer of a quadratic and the Hessian against torch.func.hessian,
and hyperparameter validation."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reproductions.optimizers import LBFGS, Newton


def _noisy_regression(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(128, 6, generator=g, dtype=torch.float64)
    y = torch.sin(x[:, :2].sum(1, keepdim=True)) + 0.3 * torch.randn(128, 1, generator=g, dtype=torch.float64)
    return x, y


def _net(seed: int = 1) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 1)).double()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.5, "max_iter": 7, "history_size": 4},  # the history fills and cycles within a few steps
        {"lr": 1.0},  # torch's defaults (max_iter 20, history 100)
        {"lr": 0.2, "max_iter": 3, "max_eval": 2, "history_size": 10},  # the evaluation budget ends each step
    ],
)
def test_lbfgs_matches_torch(kwargs) -> None:
    x, y = _noisy_regression()
    ours, theirs = _net(), _net()
    o_ours, o_theirs = LBFGS(ours.parameters(), **kwargs), torch.optim.LBFGS(theirs.parameters(), **kwargs)
    losses = []
    for _ in range(40):
        for model, opt in ((ours, o_ours), (theirs, o_theirs)):

            def closure(model=model, opt=opt) -> torch.Tensor:
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(x), y)
                loss.backward()
                return loss

            losses.append(float(opt.step(closure).detach()))
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)
    state_ours = o_ours.state[next(iter(ours.parameters()))]
    state_theirs = o_theirs.state[next(iter(theirs.parameters()))]
    assert state_ours["func_evals"] == state_theirs["func_evals"] and state_ours["n_iter"] == state_theirs["n_iter"]
    assert state_ours["n_iter"] >= 40  # it really iterated, not stopped at once by a tolerance
    assert losses[-1] < 0.5 * losses[0]


def test_newton_solves_a_quadratic_in_one_step() -> None:
    g = torch.Generator().manual_seed(0)
    m = torch.randn(10, 10, generator=g, dtype=torch.float64)
    a = m @ m.T + 0.1 * torch.eye(10, dtype=torch.float64)  # ill-conditioned but positive definite
    b = torch.randn(10, generator=g, dtype=torch.float64)
    w = torch.zeros(10, dtype=torch.float64, requires_grad=True)
    opt = Newton([w])
    opt.step(lambda: 0.5 * w @ a @ w - b @ w)  # f = ½ wᵀAw − bᵀw, minimizer A⁻¹b
    torch.testing.assert_close(w.detach(), torch.linalg.solve(a, b))


def test_newton_hessian_matches_torch_func() -> None:
    x, y = _noisy_regression(2)
    net = _net(3)
    names = [n for n, _ in net.named_parameters()]
    params = dict(net.named_parameters())

    def loss_of(flat: torch.Tensor) -> torch.Tensor:
        chunks, offset = {}, 0
        for n in names:
            k = params[n].numel()
            chunks[n] = flat[offset : offset + k].view_as(params[n])
            offset += k
        return nn.functional.mse_loss(torch.func.functional_call(net, chunks, (x,)), y)

    flat = torch.cat([params[n].detach().reshape(-1) for n in names])
    expected = torch.func.hessian(loss_of)(flat)
    opt = Newton(net.parameters())
    _, grad, hess = opt.hessian(lambda: nn.functional.mse_loss(net(x), y))
    torch.testing.assert_close(hess, expected)
    torch.testing.assert_close(grad, torch.func.grad(loss_of)(flat))


def test_damped_newton_step() -> None:
    w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    a = torch.diag(torch.tensor([1.0, 4.0], dtype=torch.float64))
    opt = Newton([w], lr=0.5, damping=1.0)
    opt.step(lambda: 0.5 * w @ a @ w)
    # x − lr (H + λI)⁻¹ ∇f = [1 − 0.5·1/2, −2 + 0.5·8/5]
    torch.testing.assert_close(w.detach(), torch.tensor([0.75, -1.2], dtype=torch.float64))


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (LBFGS, {"lr": -1.0}),
        (LBFGS, {"max_iter": 0}),
        (LBFGS, {"history_size": 0}),
        (LBFGS, {"max_eval": 0}),
        (LBFGS, {"tolerance_grad": -1.0}),
        (Newton, {"lr": -1.0}),
        (Newton, {"damping": -0.1}),
    ],
)
def test_bad_hyperparameters_raise_value_error(cls, kwargs) -> None:
    with pytest.raises(ValueError):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


def test_closure_is_required() -> None:
    w = torch.zeros(2, requires_grad=True)
    for opt in (LBFGS([w]), Newton([w])):
        with pytest.raises(RuntimeError, match="closure"):
            opt.step(None)  # type: ignore[arg-type]
