"""Shared pieces of the activation experiments: data, networks with explicit initialisation,
a small training loop, learning-rate grids that must not peak at an edge, and verdict helpers.

Imported only when an activation experiment runs (it imports torch).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from reproductions.activations import ELU, LeakyReLU, PReLU, ReLU, Sigmoid, Tanh
from reproductions.experiments.figures import savefig  # noqa: F401  (re-exported for this topic's experiments)

# ---- activations and their initialisation --------------------------------------------------------

# name -> (module factory taking the width, initialisation used with it)
ACTIVATIONS: dict[str, tuple[Callable[[int], nn.Module], str]] = {
    "sigmoid": (lambda width: Sigmoid(), "xavier"),
    "tanh": (lambda width: Tanh(), "xavier"),
    "relu": (lambda width: ReLU(), "he"),
    "leaky_relu": (lambda width: LeakyReLU(0.01), "he"),
    "prelu": (lambda width: PReLU(width), "he"),
    "elu": (lambda width: ELU(1.0), "he"),
}

INIT_DESCRIPTION = {
    "xavier": "Xavier/Glorot uniform, gain 1 (U[-a, a], a = sqrt(6 / (fan_in + fan_out))), zero bias",
    "he": "He/Kaiming normal, fan_in, gain sqrt(2) (std = sqrt(2 / fan_in)), zero bias",
    "he_prelu": "He/Kaiming normal for PReLU, fan_in, std = sqrt(2 / ((1 + a^2) fan_in)) with a = 0.25, zero bias",
}


def init_layer(layer: nn.Module, kind: str) -> None:
    """Explicit initialisation of a Linear or Conv layer: "he", "he_prelu" or "xavier"."""
    weight = layer.weight  # type: ignore[union-attr]
    if kind == "xavier":
        nn.init.xavier_uniform_(weight, gain=1.0)
    elif kind == "he":
        nn.init.kaiming_normal_(weight, a=0.0, mode="fan_in", nonlinearity="relu")
    elif kind == "he_prelu":
        nn.init.kaiming_normal_(weight, a=0.25, mode="fan_in", nonlinearity="leaky_relu")
    else:
        raise ValueError(f"unknown init {kind!r}")
    if getattr(layer, "bias", None) is not None:
        nn.init.zeros_(layer.bias)  # type: ignore[union-attr]


def mlp(in_dim: int, widths: Sequence[int], out_dim: int, activation: str, init: str | None = None) -> nn.Sequential:
    """An MLP with the given hidden widths; every layer initialised explicitly (default: the
    activation's own init, He for the ReLU family and Xavier for sigmoid/tanh)."""
    factory, default_init = ACTIVATIONS[activation]
    init = init or default_init
    layers: list[nn.Module] = []
    prev = in_dim
    for width in widths:
        linear = nn.Linear(prev, width)
        init_layer(linear, init)
        layers += [linear, factory(width)]
        prev = width
    head = nn.Linear(prev, out_dim)
    # the output layer feeds a softmax, not the activation: Xavier for it in every network
    init_layer(head, "xavier")
    layers.append(head)
    return nn.Sequential(*layers)


# ---- data ----------------------------------------------------------------------------------------


@dataclass
class Data:
    x: Tensor
    y: Tensor
    x_test: Tensor
    y_test: Tensor
    name: str
    classes: int = 10

    def to(self, device: str) -> Data:
        return Data(
            self.x.to(device),
            self.y.to(device),
            self.x_test.to(device),
            self.y_test.to(device),
            self.name,
            self.classes,
        )


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's digits, read straight from the CSV that ``load_digits`` reads (importing
    sklearn.datasets costs seconds on a busy 2-core machine); falls back to ``load_digits``."""
    import importlib.util

    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
        if path.exists():
            table = np.loadtxt(path, delimiter=",")
            return table[:, :-1], table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return x, y


@functools.lru_cache(maxsize=4)
def _digits_arrays(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = _load_digits()
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order].astype(np.float32), y[order]
    n_train = 1297
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def digits(seed: int = 0, *, standardize: bool = True) -> Data:
    """sklearn's 8x8 digits (1797 images): 1297 train / 500 test, pixels standardised on train."""
    x, y, xt, yt = _digits_arrays(seed)
    if standardize:
        mean, std = x.mean(0), x.std(0) + 1e-6
        x, xt = (x - mean) / std, (xt - mean) / std
    else:
        x, xt = x / 16.0, xt / 16.0
    return Data(
        torch.from_numpy(x), torch.from_numpy(y).long(), torch.from_numpy(xt), torch.from_numpy(yt).long(), "digits"
    )


@functools.lru_cache(maxsize=4)
def _mnist1d_arrays(num_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = num_samples
    args.seed = seed
    data = make_dataset(args)  # procedural: no download
    return data["x"], data["y"], data["x_test"], data["y_test"]


def mnist1d(num_samples: int = 5000, seed: int = 42) -> Data:
    """MNIST-1D (Greydanus 2020), generated procedurally: 40-sample signals, 10 classes, 80/20 split,
    standardised with the training set's mean and std."""
    x, y, xt, yt = _mnist1d_arrays(num_samples, seed)
    mean, std = x.mean(), x.std()
    x, xt = (x - mean) / std, (xt - mean) / std
    return Data(
        torch.tensor(x, dtype=torch.float32),
        torch.tensor(y).long(),
        torch.tensor(xt, dtype=torch.float32),
        torch.tensor(yt).long(),
        "mnist1d",
    )


# ---- training ------------------------------------------------------------------------------------


@dataclass
class History:
    train_error: list[float]  # after each epoch, on the whole training set
    train_loss: list[float]
    test_error: list[float]
    epochs_to_threshold: (
        float  # first epoch (fractional: steps / steps per epoch) at or under the threshold; inf if never
    )
    diverged: bool
    checks: list[tuple[float, float]] = field(default_factory=list)  # (epoch, training error) at each threshold check


@torch.no_grad()
def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> tuple[float, float]:
    """(cross-entropy, error rate) of ``model`` on (x, y)."""
    model.eval()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y).item()
    error = (logits.argmax(1) != y).float().mean().item()
    model.train()
    return loss, error


def train(
    model: nn.Module,
    data: Data,
    *,
    lr: float,
    epochs: int,
    batch_size: int,
    seed: int,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    error_threshold: float | None = None,
    checks_per_epoch: int = 1,
    stop_at_threshold: bool = False,
    param_groups: list[dict[str, object]] | None = None,
    epoch_metrics: bool = True,
) -> History:
    """Minibatch SGD with momentum on cross-entropy; the training error is measured on the whole
    training set ``checks_per_epoch`` times per epoch to time when it crosses ``error_threshold``.

    ``epoch_metrics=False`` skips the end-of-epoch training loss / training error / test error (the History's
    per-epoch lists stay empty), for callers that use only the threshold crossing: a divergence still ends the
    run at the first non-finite minibatch loss, and a model that turned non-finite never crosses the threshold."""
    gen = torch.Generator().manual_seed(seed)
    groups = param_groups if param_groups is not None else [{"params": list(model.parameters())}]
    opt = torch.optim.SGD(groups, lr=lr, momentum=momentum, weight_decay=weight_decay)
    n = data.x.shape[0]
    steps_per_epoch = math.ceil(n / batch_size)
    check_every = max(1, steps_per_epoch // checks_per_epoch)
    hist = History([], [], [], math.inf, False)
    step = 0
    for _epoch in range(epochs):
        order = torch.randperm(n, generator=gen).to(data.x.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            loss = nn.functional.cross_entropy(model(data.x[idx]), data.y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if not math.isfinite(loss.item()):
                hist.diverged = True
                return hist
            if error_threshold is not None and math.isinf(hist.epochs_to_threshold) and step % check_every == 0:
                _, err = evaluate(model, data.x, data.y)
                hist.checks.append((step / steps_per_epoch, err))
                if err <= error_threshold:
                    hist.epochs_to_threshold = step / steps_per_epoch
                    if stop_at_threshold:
                        return hist
        if not epoch_metrics:
            continue
        train_loss, train_err = evaluate(model, data.x, data.y)
        _, test_err = evaluate(model, data.x_test, data.y_test)
        hist.train_loss.append(train_loss)
        hist.train_error.append(train_err)
        hist.test_error.append(test_err)
        if not math.isfinite(train_loss):
            hist.diverged = True
            return hist
    return hist


def best_on_grid(
    grid: Sequence[float], score: Callable[[float], float], *, extend: float = 3.0, max_extensions: int = 3
) -> tuple[float, dict[float, float], bool]:
    """Minimise ``score`` over ``grid`` (sorted ascending); if the best value sits on an edge, extend
    the grid on that side by factors of ``extend`` (up to ``max_extensions`` times).

    Returns (best value, every score tried, whether the best is interior)."""
    scores: dict[float, float] = {v: score(v) for v in grid}
    for _ in range(max_extensions):
        ordered = sorted(scores)
        best = min(ordered, key=lambda v: (scores[v], v))
        if best == ordered[0]:
            new = float(f"{ordered[0] / extend:.6g}")
        elif best == ordered[-1]:
            new = float(f"{ordered[-1] * extend:.6g}")
        else:
            return best, scores, True
        scores[new] = score(new)
    ordered = sorted(scores)
    best = min(ordered, key=lambda v: (scores[v], v))
    return best, scores, best not in (ordered[0], ordered[-1])


# ---- verdicts and reporting ----------------------------------------------------------------------


def setup_matplotlib() -> None:
    import matplotlib

    matplotlib.use("Agg")


def finite(values: Sequence[float], cap: float) -> list[float]:
    """Replace inf/nan (never reached, diverged) by ``cap`` so metrics stay finite and comparable."""
    return [v if math.isfinite(v) else cap for v in values]


def split_validation(data: Data, fraction: float = 0.2) -> Data:
    """Hold out the last ``fraction`` of the training set as the "test" split, for tuning."""
    n_val = int(len(data.y) * fraction)
    return Data(data.x[:-n_val], data.y[:-n_val], data.x[-n_val:], data.y[-n_val:], data.name + "-val", data.classes)


def tune_then_test(
    make: Callable[[], nn.Module],
    data: Data,
    *,
    grid: Sequence[float],
    epochs: int,
    batch_size: int,
    seeds: Sequence[int],
    device: str,
    param_groups: Callable[[nn.Module], list[dict[str, object]]] | None = None,
    tune_seed: int | None = None,
) -> tuple[float, dict[float, float], bool, list[History], list[nn.Module]]:
    """Tune the learning rate on a validation split (seed ``tune_seed``, never one of ``seeds``: default
    ``seeds[0] + 10000``; lowest final validation error, edges extended), then train on the full training set
    once per reported seed at that rate.

    Returns (chosen lr, validation error per lr, whether the best is interior, histories, models)."""
    val = split_validation(data)

    def fit(d: Data, lr: float, seed: int) -> tuple[History, nn.Module]:
        torch.manual_seed(seed)
        model = make().to(device)
        groups = param_groups(model) if param_groups is not None else None
        return train(model, d, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed, param_groups=groups), model

    def score(lr: float) -> float:
        hist, _ = fit(val, lr, tune_seed if tune_seed is not None else seeds[0] + 10_000)
        return math.inf if hist.diverged or not hist.test_error else hist.test_error[-1]

    lr, scores, interior = best_on_grid(grid, score)
    histories, models = [], []
    for seed in seeds:
        hist, model = fit(data, lr, seed)
        histories.append(hist)
        models.append(model)
    return lr, scores, interior, histories, models
