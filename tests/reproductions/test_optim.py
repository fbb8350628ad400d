"""The six optimizers: parity with torch.optim (float64, 300 steps, three parameter groups, weight
decay), the forms of Nesterov agreeing, Adam without bias correction, and hyperparameter validation."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from reproductions.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

STEPS = 300


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def groups(model: nn.Module, overrides: list[dict]) -> list[dict]:
    layers = [m for m in model if isinstance(m, nn.Linear)]
    return [{"params": list(layer.parameters()), **extra} for layer, extra in zip(layers, overrides, strict=False)]


def data(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(16, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (16,), generator=g)
    return x, y


def train(model: nn.Module, opt: torch.optim.Optimizer, steps: int = STEPS, use_closure: bool = False) -> list[float]:
    losses = []
    for t in range(steps):
        x, y = data(t)

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)  # noqa: B023
            loss.backward()
            return loss

        if use_closure:
            loss = opt.step(closure)
        else:
            loss = closure()
            opt.step()
        losses.append(float(loss.detach()))
    return losses


# (ours, its group overrides, torch's, its group overrides): the same hyperparameters under each one's names.
PARITY = {
    "sgd": (
        lambda g: SGD(g, lr=0.05, weight_decay=1e-3),
        [{}, {"lr": 0.1, "weight_decay": 0.0}, {"weight_decay": 1e-2}],
        lambda g: torch.optim.SGD(g, lr=0.05, weight_decay=1e-3, foreach=False),
        [{}, {"lr": 0.1, "weight_decay": 0.0}, {"weight_decay": 1e-2}],
    ),
    "momentum": (
        lambda g: Momentum(g, lr=0.02, rho=0.9, weight_decay=1e-3),
        [{}, {"lr": 0.05, "rho": 0.5}, {"weight_decay": 1e-2, "rho": 0.99}],
        lambda g: torch.optim.SGD(g, lr=0.02, momentum=0.9, weight_decay=1e-3, foreach=False),
        [{}, {"lr": 0.05, "momentum": 0.5}, {"weight_decay": 1e-2, "momentum": 0.99}],
    ),
    "nesterov": (
        lambda g: Nesterov(g, lr=0.02, momentum=0.9, weight_decay=1e-3),
        [{}, {"lr": 0.05, "momentum": 0.5}, {"weight_decay": 1e-2, "momentum": 0.95}],
        lambda g: torch.optim.SGD(g, lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-3, foreach=False),
        [{}, {"lr": 0.05, "momentum": 0.5}, {"weight_decay": 1e-2, "momentum": 0.95}],
    ),
    "adagrad": (
        # torch reads initial_accumulator_value from its constructor only, not from group overrides
        lambda g: AdaGrad(g, lr=0.05, eps=1e-10, initial_accumulator_value=0.1, weight_decay=1e-3),
        [{}, {"lr": 0.1}, {"weight_decay": 1e-2, "eps": 1e-6}],
        lambda g: torch.optim.Adagrad(
            g, lr=0.05, eps=1e-10, initial_accumulator_value=0.1, weight_decay=1e-3, foreach=False
        ),
        [{}, {"lr": 0.1}, {"weight_decay": 1e-2, "eps": 1e-6}],
    ),
    "rmsprop": (
        lambda g: RMSProp(g, lr=1e-3, alpha=0.9, eps=1e-8, weight_decay=1e-3),
        [{}, {"lr": 3e-3, "alpha": 0.99}, {"weight_decay": 1e-2, "eps": 1e-6}],
        lambda g: torch.optim.RMSprop(g, lr=1e-3, alpha=0.9, eps=1e-8, weight_decay=1e-3, foreach=False),
        [{}, {"lr": 3e-3, "alpha": 0.99}, {"weight_decay": 1e-2, "eps": 1e-6}],
    ),
    "adam": (
        lambda g: Adam(g, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-3),
        [{}, {"lr": 3e-3, "betas": (0.8, 0.99)}, {"weight_decay": 1e-2, "eps": 1e-6}],
        lambda g: torch.optim.Adam(g, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-3, foreach=False),
        [{}, {"lr": 3e-3, "betas": (0.8, 0.99)}, {"weight_decay": 1e-2, "eps": 1e-6}],
    ),
}


@pytest.mark.parametrize("name", sorted(PARITY))
def test_parity_with_torch(name: str) -> None:
    make_ours, ours_groups, make_theirs, theirs_groups = PARITY[name]
    ours, theirs = make_model(), make_model()
    opt_ours = make_ours(groups(ours, ours_groups))
    opt_theirs = make_theirs(groups(theirs, theirs_groups))
    losses_ours = train(ours, opt_ours)
    losses_theirs = train(theirs, opt_theirs)
    torch.testing.assert_close(losses_ours, losses_theirs, rtol=1e-10, atol=1e-12)
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=False):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    # the run really trained, and really moved every parameter
    assert losses_ours[-1] < losses_ours[0]
    assert all(not torch.equal(a, b) for a, b in zip(ours.parameters(), make_model().parameters(), strict=False))


@pytest.mark.parametrize("name", sorted(PARITY))
def test_closure_returns_loss_and_steps_with_it(name: str) -> None:
    make_ours, ours_groups, _, _ = PARITY[name]
    a, b = make_model(), make_model()
    losses_a = train(a, make_ours(groups(a, ours_groups)), steps=20, use_closure=True)
    losses_b = train(b, make_ours(groups(b, ours_groups)), steps=20)
    torch.testing.assert_close(losses_a, losses_b)


def test_nesterov_sutskever_and_lecture_forms_agree() -> None:
    """x̃_t = θ_t + μ v_t: the lecture's parameters are Sutskever's plus μ times his velocity."""
    over = [{}, {"lr": 0.05, "momentum": 0.5}, {"weight_decay": 1e-2, "momentum": 0.95}]
    lecture, sutskever = make_model(), make_model()
    opt_l = Nesterov(groups(lecture, over), lr=0.02, momentum=0.9, weight_decay=1e-3, form="lecture")
    opt_s = Nesterov(groups(sutskever, over), lr=0.02, momentum=0.9, weight_decay=1e-3, form="sutskever")
    train(lecture, opt_l)
    train(sutskever, opt_s, use_closure=True)
    moved = 0.0
    for group in opt_s.param_groups:
        for p_s in group["params"]:
            v = opt_s.state[p_s]["velocity"]
            moved = max(moved, float(v.abs().max()))
    assert moved > 1e-4  # the velocities are not trivially zero
    for group_l, group_s in zip(opt_l.param_groups, opt_s.param_groups, strict=False):
        for p_l, p_s in zip(group_l["params"], group_s["params"], strict=False):
            torch.testing.assert_close(p_l, p_s + group_s["momentum"] * opt_s.state[p_s]["velocity"])
            # and both keep the same velocity
            torch.testing.assert_close(opt_l.state[p_l]["velocity"], opt_s.state[p_s]["velocity"])


def test_nesterov_sutskever_form_needs_a_closure() -> None:
    model = make_model()
    opt = Nesterov(model.parameters(), lr=0.1, form="sutskever")
    x, y = data(0)
    nn.functional.cross_entropy(model(x), y).backward()
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()


def test_nesterov_sutskever_takes_gradient_at_lookahead_point() -> None:
    """On f(x) = x²/2 by hand: v1 = −ε x0, x1 = x0 + v1; v2 = μ v1 − ε (x1 + μ v1)."""
    eps, mu, x0 = 0.1, 0.9, 1.0
    x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
    opt = Nesterov([x], lr=eps, momentum=mu, form="sutskever")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = 0.5 * (x**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    opt.step(closure)
    v1 = -eps * x0
    x1 = x0 + v1
    v2 = mu * v1 - eps * (x1 + mu * v1)
    assert float(x.detach()) == pytest.approx(x1 + v2, rel=1e-14)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda p: Momentum(p, lr=0.1, rho=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, foreach=False)),
        (
            lambda p: Nesterov(p, lr=0.1, momentum=0.9),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, foreach=False),
        ),
    ],
)
def test_learning_rate_change_documented_difference(ours, theirs) -> None:
    """Momentum (lecture form) matches torch even after an lr change (lr outside v, as torch);
    Nesterov (lr inside v, as Sutskever and the lecture) differs from torch after one — as documented."""
    a, b = make_model(), make_model()
    opt_a, opt_b = ours(a.parameters()), theirs(b.parameters())
    train(a, opt_a, steps=10)
    train(b, opt_b, steps=10)
    for opt in (opt_a, opt_b):
        for g in opt.param_groups:
            g["lr"] = 0.01
    train(a, opt_a, steps=5)
    train(b, opt_b, steps=5)
    same = all(
        torch.allclose(p, q, rtol=1e-10, atol=1e-12) for p, q in zip(a.parameters(), b.parameters(), strict=False)
    )
    assert same == isinstance(opt_a, Momentum)


def test_adam_without_bias_correction_first_step() -> None:
    """At t = 1: m = (1 − β₁) g, v = (1 − β₂) g², step = α (1 − β₁) / sqrt(1 − β₂) per coordinate (10 α here);
    with bias correction it is α."""
    lr = 1e-3
    for bias_correction, expected in ((False, 0.1 / math.sqrt(1e-4) * lr), (True, lr)):
        x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
        opt = Adam([x], lr=lr, betas=(0.9, 0.9999), eps=0.0, bias_correction=bias_correction)
        (x**2).sum().backward()
        opt.step()
        torch.testing.assert_close(
            x.detach(),
            torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
            - expected * torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64),
        )


def test_adam_without_bias_correction_matches_reference() -> None:
    torch.manual_seed(0)
    x0 = torch.randn(4, dtype=torch.float64)
    x = x0.clone().requires_grad_(True)
    lr, b1, b2, eps, wd = 1e-2, 0.9, 0.99, 1e-8, 1e-2
    opt = Adam([x], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd, bias_correction=False)
    ref, m, v = x0.clone(), torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    target = torch.arange(4.0, dtype=torch.float64)
    for _ in range(200):
        opt.zero_grad()
        ((x - target) ** 4).sum().backward()
        opt.step()
        g = 4 * (ref - target) ** 3 + wd * ref
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        ref = ref - lr * m / (v.sqrt() + eps)
    torch.testing.assert_close(x.detach(), ref, rtol=1e-10, atol=1e-12)
    # and it is not torch's (bias-corrected) Adam
    y = x0.clone().requires_grad_(True)
    opt_t = torch.optim.Adam([y], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd, foreach=False)
    for _ in range(200):
        opt_t.zero_grad()
        ((y - target) ** 4).sum().backward()
        opt_t.step()
    assert not torch.allclose(x, y, rtol=1e-6)


def test_adagrad_honours_per_group_initial_accumulator() -> None:
    """One step from an accumulator G₀: x ← x − η g / (δ + sqrt(G₀ + g²)), with each group's own G₀."""
    a = torch.ones(2, dtype=torch.float64, requires_grad=True)
    b = torch.ones(2, dtype=torch.float64, requires_grad=True)
    opt = AdaGrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}], lr=0.5, eps=0.0)
    (a.sum() + b.sum()).backward()  # g = 1
    opt.step()
    torch.testing.assert_close(a.detach(), torch.full((2,), 1.0 - 0.5, dtype=torch.float64))
    torch.testing.assert_close(b.detach(), torch.full((2,), 1.0 - 0.5 / 2.0, dtype=torch.float64))


def test_state_is_lazy_and_skips_params_without_grad() -> None:
    a = torch.zeros(3, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    for cls in (Momentum, Nesterov, AdaGrad, RMSProp, Adam):
        opt = cls([a, b])
        assert len(opt.state) == 0
        opt.zero_grad()
        (a * torch.ones(3)).sum().backward()
        opt.step()
        assert a in opt.state and b not in opt.state
        assert torch.equal(b, torch.zeros(3))


BAD = [
    (SGD, {"lr": -0.1}),
    (SGD, {"weight_decay": -1.0}),
    (SGD, {"lr": float("nan")}),
    (Momentum, {"rho": 1.0}),
    (Momentum, {"rho": -0.1}),
    (Momentum, {"lr": -1.0}),
    (Nesterov, {"momentum": 1.5}),
    (Nesterov, {"form": "polyak"}),
    (Nesterov, {"weight_decay": -0.1}),
    (AdaGrad, {"eps": -1e-10}),
    (AdaGrad, {"initial_accumulator_value": -1.0}),
    (AdaGrad, {"lr": -0.1}),
    (RMSProp, {"alpha": 1.0}),
    (RMSProp, {"alpha": -0.5}),
    (RMSProp, {"eps": -1.0}),
    (Adam, {"betas": (1.0, 0.999)}),
    (Adam, {"betas": (0.9, 1.0)}),
    (Adam, {"betas": (0.9, -0.1)}),
    (Adam, {"eps": -1e-8}),
    (Adam, {"lr": -1e-3}),
    (Adam, {"bias_correction": "yes"}),
]


@pytest.mark.parametrize(("cls", "kwargs"), BAD, ids=[f"{c.__name__}-{next(iter(k))}" for c, k in BAD])
def test_bad_hyperparameters_raise_value_error(cls, kwargs) -> None:
    with pytest.raises(ValueError):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


def test_no_kwargs_catch_all() -> None:
    for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam):
        with pytest.raises(TypeError):
            cls([torch.zeros(2, requires_grad=True)], nonsense=1.0)
