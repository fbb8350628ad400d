"""Shared pieces of the optimizer and schedule experiments: the six optimizers by name, learning-rate
grids that are extended until the best value is interior, seeding, plotting setup."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import torch

from reproductions.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
LABELS = {
    "sgd": "SGD",
    "momentum": "SGD+Momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}
COLORS = {
    "sgd": "tab:blue",
    "momentum": "tab:orange",
    "nesterov": "tab:green",
    "adagrad": "tab:red",
    "rmsprop": "tab:purple",
    "adam": "tab:brown",
}
# The fixed hyperparameters each optimizer runs with (the papers' / lecture's defaults); only lr is tuned.
FIXED = {
    "sgd": {},
    "momentum": {"rho": 0.9},
    "nesterov": {"momentum": 0.9},
    "adagrad": {"eps": 1e-10},
    "rmsprop": {"alpha": 0.9, "eps": 1e-8},
    "adam": {"betas": (0.9, 0.999), "eps": 1e-8},
}
_CLASSES = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, params: Iterable, lr: float, **overrides: object) -> torch.optim.Optimizer:
    kwargs = {**FIXED[name], **overrides}
    return _CLASSES[name](params, lr=lr, **kwargs)  # type: ignore[arg-type]


@dataclass
class Tuning:
    """A learning-rate search: every lr tried with its score (lower is better), the best, and whether it is interior."""

    grid: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    @property
    def best_index(self) -> int:
        finite = [s if math.isfinite(s) else math.inf for s in self.scores]
        return min(range(len(finite)), key=lambda i: (finite[i], i))

    @property
    def best(self) -> float:
        return self.grid[self.best_index]

    @property
    def interior(self) -> bool:
        return 0 < self.best_index < len(self.grid) - 1

    def record(self) -> dict[str, object]:
        return {
            "grid": [float(f"{lr:.6g}") for lr in self.grid],
            "scores": [float(f"{s:.6g}") if math.isfinite(s) else "diverged" for s in self.scores],
            "best": float(f"{self.best:.6g}"),
            "interior": self.interior,
        }


def tune_lr(
    evaluate: Callable[[float], float], grid: Sequence[float], factor: float | None = None, max_extend: int = 4
) -> Tuning:
    """Score every lr of ``grid`` (lower is better; NaN/inf for a diverged run). While the best sits at an
    edge, extend the grid past that edge by ``factor`` (default: the grid's own ratio), at most ``max_extend``
    times; the returned Tuning says whether the best ended interior."""
    grid = sorted(grid)
    if factor is None:
        factor = grid[1] / grid[0] if len(grid) > 1 else 10.0
    tuning = Tuning()
    for lr in grid:
        tuning.grid.append(lr)
        tuning.scores.append(_clean(evaluate(lr)))
    for _ in range(max_extend):
        if tuning.interior:
            break
        if tuning.best_index == 0:
            lr = tuning.grid[0] / factor
            tuning.grid.insert(0, lr)
            tuning.scores.insert(0, _clean(evaluate(lr)))
        else:
            lr = tuning.grid[-1] * factor
            tuning.grid.append(lr)
            tuning.scores.append(_clean(evaluate(lr)))
    return tuning


def _clean(score: float) -> float:
    score = float(score)
    return score if math.isfinite(score) else math.inf


def log_grid(low: float, high: float, per_decade: int = 2) -> list[float]:
    """Log-spaced learning rates from ``low`` to ``high`` with ``per_decade`` values per factor of 10."""
    n = round(math.log10(high / low) * per_decade)
    return [low * 10 ** (i / per_decade) for i in range(n + 1)]


def edge_note(tunings: dict[str, Tuning]) -> str:
    """A sentence naming the optimizers whose best learning rate stayed at a grid edge (empty if none)."""
    at_edge = [LABELS.get(k, k) for k, t in tunings.items() if not t.interior]
    return f" Best lr still at a grid edge for: {', '.join(at_edge)}." if at_edge else ""


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}g}"


# ---------------------------------------------------------------------------------------------------------------
# Many small networks trained side by side: one per (optimizer, lr, ...) spec, stacked so that a single batched
# matmul runs them all on the same minibatches. Each spec has its own optimizer (and scheduler), so the optimizers
# see exactly the per-network gradients they would see alone.


@dataclass
class Spec:
    optimizer: str
    lr: float
    kwargs: dict = field(default_factory=dict)
    schedule: Callable | None = None  # optimizer -> LRScheduler, stepped once per epoch
    label: str = ""
    per_update: Callable | None = None  # optimizer -> anything with step() (a momentum schedule), stepped per update


@dataclass
class Curves:
    train_loss: torch.Tensor  # (n_specs, n_evals): full training-set loss at each evaluation
    test_loss: torch.Tensor  # (n_specs, n_evals)
    test_acc: torch.Tensor  # (n_specs, n_evals); nan for regression losses
    eval_steps: list[int]
    lrs: torch.Tensor  # (n_specs, n_evals) learning rate in force


def init_layers(
    sizes: Sequence[int], n: int, gen: torch.Generator, init: str, dtype=torch.float32
) -> list[list[torch.Tensor]]:
    """Weights for ``n`` networks with layer sizes ``sizes``: He (std sqrt(2/fan_in)) for ReLU nets, Xavier
    (std sqrt(2/(fan_in+fan_out))) for sigmoid/tanh or linear models, zeros for a linear model's "zeros"."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=False):
        if init == "he":
            std = math.sqrt(2.0 / fan_in)
        elif init == "xavier":
            std = math.sqrt(2.0 / (fan_in + fan_out))
        elif init == "zeros":
            std = 0.0
        else:
            raise ValueError(init)
        w = torch.randn(n, fan_in, fan_out, generator=gen, dtype=dtype) * std
        b = torch.zeros(n, 1, fan_out, dtype=dtype)
        layers.append([w, b])
    return layers


def train_side_by_side(
    specs: Sequence[Spec],
    sizes: Sequence[int],
    data: dict[str, torch.Tensor],
    *,
    epochs: int,
    batch: int,
    seed: int,
    init: str = "he",
    loss: str = "ce",
    evals_per_epoch: int = 1,
    device: str = "cpu",
    same_init: bool = True,
) -> Curves:
    """Train one network per spec (hidden ReLU layers, linear output) on ``data`` (x_train, y_train, x_test, y_test).

    ``same_init``: every network starts from the same weights (drawn from ``seed``) and sees the same minibatches,
    so specs differ only by their optimizer. ``loss``: "ce" (classification) or "mse" (regression/autoencoding)."""
    gen = torch.Generator().manual_seed(seed)
    k = len(specs)
    base = init_layers(sizes, 1 if same_init else k, gen, init)
    # One leaf per layer tensor holds all k networks' copies, (k, ...): the forward pass reads it directly, with no
    # torch.stack (and no stack backward) per step. params[i] are views of network i's slices, which its own
    # optimizer updates in place; after each backward they receive their slice of the leaf's gradient.
    stacked = [
        torch.stack([t[0 if same_init else i] for i in range(k)]).to(device).requires_grad_(True)
        for layer in base
        for t in layer
    ]
    params: list[list[torch.Tensor]] = [[s.detach()[i] for s in stacked] for i in range(k)]
    optimizers = [make_optimizer(s.optimizer, params[i], lr=s.lr, **s.kwargs) for i, s in enumerate(specs)]
    schedulers = [s.schedule(o) if s.schedule else None for s, o in zip(specs, optimizers, strict=False)]
    per_update = [s.per_update(o) for s, o in zip(specs, optimizers, strict=True) if s.per_update is not None]
    x_train, y_train = data["x_train"].to(device), data["y_train"].to(device)
    x_test, y_test = data["x_test"].to(device), data["y_test"].to(device)
    n = x_train.shape[0]
    steps_per_epoch = max(1, n // batch)
    n_layers = len(sizes) - 1

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = x.unsqueeze(0).expand(k, *x.shape)
        for layer in range(n_layers):
            h = torch.baddbmm(stacked[2 * layer + 1], h, stacked[2 * layer])
            if layer < n_layers - 1:
                h = torch.relu(h)
        return h  # (k, batch, out)

    def losses(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if loss == "ce":
            return torch.nn.functional.cross_entropy(
                out.transpose(1, 2), y.unsqueeze(0).expand(k, -1), reduction="none"
            ).mean(1)
        return ((out - y.unsqueeze(0)) ** 2).mean((1, 2))

    evals: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    eval_steps: list[int] = []
    lrs: list[list[float]] = []

    def evaluate(step: int) -> None:
        with torch.no_grad():
            tr = losses(forward(x_train), y_train)
            out = forward(x_test)
            te = losses(out, y_test)
            acc = (out.argmax(-1) == y_test).float().mean(1) if loss == "ce" else torch.full((k,), math.nan)
        evals.append((tr.cpu(), te.cpu(), acc.cpu()))
        eval_steps.append(step)
        lrs.append([o.param_groups[0]["lr"] for o in optimizers])

    order_gen = torch.Generator().manual_seed(seed + 1)
    step = 0
    evaluate(0)
    eval_every = max(1, steps_per_epoch // evals_per_epoch)
    for _epoch in range(epochs):
        perm = torch.randperm(n, generator=order_gen).to(device)
        for s in range(steps_per_epoch):
            idx = perm[s * batch : (s + 1) * batch]
            for t in stacked:
                t.grad = None
            # each network's loss depends only on its own parameters: one backward gives every gradient
            losses(forward(x_train[idx]), y_train[idx]).sum().backward()
            for i, p in enumerate(params):
                for view, t in zip(p, stacked, strict=True):
                    view.grad = t.grad[i]  # type: ignore[index]
            for o in optimizers:
                o.step()
            for u in per_update:
                u.step()
            step += 1
            if step % eval_every == 0:
                evaluate(step)
        for sch in schedulers:
            if sch is not None:
                sch.step()
    tr, te, acc = (torch.stack(v, 1) for v in zip(*evals, strict=False))
    return Curves(tr, te, acc, eval_steps, torch.tensor(lrs).T)


def digits(seed: int, test_fraction: float = 0.2) -> dict[str, torch.Tensor]:
    """sklearn's 8x8 digits (1,797 images, bundled with sklearn: no download), scaled to [0, 1], split by seed."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x, dtype=torch.float32) / 16.0
    y = torch.tensor(y, dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(y) * test_fraction)
    test, train = perm[:n_test], perm[n_test:]
    return {"x_train": x[train], "y_train": y[train], "x_test": x[test], "y_test": y[test]}


def tune_side_by_side(
    grids: dict[str, list[float]],
    sizes: Sequence[int],
    data: dict[str, torch.Tensor],
    *,
    kwargs: dict[str, dict] | None = None,
    score: Callable[[Curves], torch.Tensor] | None = None,
    schedules: dict[str, Callable] | None = None,
    per_updates: dict[str, Callable] | None = None,
    max_rounds: int = 4,
    **train: object,
) -> dict[str, Tuning]:
    """Tune each key's lr on its grid, all runs side by side; extend any grid whose best is at an edge and run
    the new lr(s), up to ``max_rounds`` rounds. Keys name optimizers (or "optimizer:variant" with ``kwargs``).
    ``score`` maps Curves to one number per run (default: the mean training loss over the run, lower is better)."""
    kwargs = kwargs or {}
    score = score or (lambda c: c.train_loss[:, 1:].mean(1))
    tunings = {key: Tuning() for key in grids}
    pending = {key: list(g) for key, g in grids.items()}
    ratios = {key: (g[1] / g[0] if len(g) > 1 else 10.0) for key, g in grids.items()}
    for _round in range(max_rounds + 1):
        specs = [
            Spec(
                key.split(":")[0],
                lr,
                kwargs.get(key, {}),
                (schedules or {}).get(key),
                label=key,
                per_update=(per_updates or {}).get(key),
            )
            for key, lrs in pending.items()
            for lr in lrs
        ]
        if not specs:
            break
        curves = train_side_by_side(specs, sizes, data, **train)  # type: ignore[arg-type]
        for spec, value in zip(specs, score(curves), strict=False):
            t = tunings[spec.label]
            t.grid.append(spec.lr)
            t.scores.append(float(value) if math.isfinite(float(value)) else math.inf)
        for t in tunings.values():
            order = sorted(range(len(t.grid)), key=lambda i: t.grid[i])
            t.grid[:] = [t.grid[i] for i in order]
            t.scores[:] = [t.scores[i] for i in order]
        pending = {}
        if _round < max_rounds:
            for key, t in tunings.items():
                if not t.interior:
                    pending[key] = [t.grid[0] / ratios[key]] if t.best_index == 0 else [t.grid[-1] * ratios[key]]
    return tunings
