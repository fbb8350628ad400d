"""Shared pieces of the regularization and augmentation experiments: data, threads, grids, plots."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from reproductions.experiments.figures import savefig  # noqa: F401  (re-exported for this topic's experiments)


def digits_split(
    n_train: int, n_val: int, seed: int, device: str = "cpu"
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """sklearn's 8x8 digits (1797 images, values 0..16 scaled to [0, 1]) split into train / val / test by ``seed``."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x, dtype=torch.float32) / 16.0
    y = torch.tensor(y, dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(1000 + seed))
    tr, va, te = perm[:n_train], perm[n_train : n_train + n_val], perm[n_train + n_val :]
    return {k: (x[i].to(device), y[i].to(device)) for k, i in (("train", tr), ("val", va), ("test", te))}


def error_rate(logits_or_probs: torch.Tensor, y: torch.Tensor) -> float:
    return (logits_or_probs.argmax(1) != y).float().mean().item()


def minibatches(n: int, batch: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n - batch + 1, batch):
        yield perm[i : i + batch]


def sgd_train(
    net: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    epochs: int,
    batch: int,
    gen: torch.Generator,
    weight_decay: float = 0.0,
    penalty: Callable[[], torch.Tensor] | None = None,
    after_step: Callable[[], None] | None = None,
    after_epoch: Callable[[], None] | None = None,
    check: str | None = None,
) -> bool:
    """The training loop these experiments share: minibatch SGD with momentum 0.9 on cross-entropy (plus
    ``penalty()`` when given), the minibatches drawn from ``gen``, the net in train mode during every epoch.

    ``after_step`` runs after each update (a projection such as max-norm), ``after_epoch`` after each epoch (a
    validation curve; it may put the net in eval mode). ``check``: "batch" stops before an update whose loss is
    not finite, "epoch" stops after an epoch whose last minibatch loss is not finite, None never stops. Returns
    False when it stopped that way, True otherwise."""
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    loss = torch.zeros(())
    for _ in range(epochs):
        net.train()
        for idx in minibatches(len(y), batch, gen):
            loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
            if penalty is not None:
                loss = loss + penalty()
            if check == "batch" and not math.isfinite(loss.item()):
                return False
            opt.zero_grad()
            loss.backward()
            opt.step()
            if after_step is not None:
                after_step()
        if check == "epoch" and not math.isfinite(loss.item()):
            return False
        if after_epoch is not None:
            after_epoch()
    return True


def tune_on_grid(
    grid: Sequence[float],
    score: Callable[[float], float],
    factor: float = 3.0,
    max_extend: int = 2,
) -> tuple[float, dict[float, float], bool]:
    """Minimize ``score`` over ``grid``; while the best value is at an edge, extend the grid past it by ``factor``.

    Returns (best value, {value: score}, whether the best is still at an edge after extending).
    Ties are broken towards the middle of the grid, so a flat score does not push to an edge.
    """
    scores = {v: score(v) for v in grid}
    for _ in range(max_extend + 1):
        values = sorted(scores)
        best = _best(values, scores)
        if best == values[0] and _finite(scores[best]):
            new = values[0] / factor
        elif best == values[-1] and _finite(scores[best]):
            new = values[-1] * factor
        else:
            return best, scores, False
        if len(scores) >= len(grid) + max_extend:
            break
        scores[new] = score(new)
    values = sorted(scores)
    best = _best(values, scores)
    return best, scores, best in (values[0], values[-1])


def _finite(x: float) -> bool:
    return not (math.isnan(x) or math.isinf(x))


def _best(values: list[float], scores: dict[float, float]) -> float:
    finite = [v for v in values if _finite(scores[v])]
    if not finite:
        return values[len(values) // 2]
    low = min(scores[v] for v in finite)
    tied = [v for v in finite if scores[v] <= low + 1e-12]
    return tied[len(tied) // 2]


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
