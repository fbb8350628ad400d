"""Optimizer step time: each of reproductions.optimizers against torch's own single-tensor
implementation of the same method (foreach=False), on a 12.6M-parameter model, same process.

Run: .venv/bin/python benchmarks/bench_optim.py   (goal: every ratio <= 1.5x)

Only ``optimizer.step()`` is timed (the gradients are fixed random tensors), with 2 threads,
alternating ours and torch's so that both see the same machine load; the figure is the median.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reproductions.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp  # noqa: E402

GOAL = 1.5
WARMUP, REPEATS = 3, 15

# (label, ours, torch's, note on the comparison)
CASES = [
    ("SGD", lambda p: SGD(p, lr=1e-3), lambda p: torch.optim.SGD(p, lr=1e-3, foreach=False), "same method"),
    (
        "Momentum (lecture form)",
        lambda p: Momentum(p, lr=1e-3, rho=0.9),
        lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=False),
        "same method: torch's SGD(momentum, dampening=0) is the lecture form",
    ),
    (
        "Nesterov (lecture form)",
        lambda p: Nesterov(p, lr=1e-3, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True, foreach=False),
        "same iterates at constant lr (torch keeps lr outside the velocity)",
    ),
    ("AdaGrad", lambda p: AdaGrad(p, lr=1e-2), lambda p: torch.optim.Adagrad(p, lr=1e-2, foreach=False), "same method"),
    (
        "RMSProp",
        lambda p: RMSProp(p, lr=1e-3, alpha=0.9),
        lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, foreach=False),
        "same method",
    ),
    ("Adam", lambda p: Adam(p, lr=1e-3), lambda p: torch.optim.Adam(p, lr=1e-3, foreach=False), "same method"),
    (
        "Adam without bias correction",
        lambda p: Adam(p, lr=1e-3, bias_correction=False),
        lambda p: torch.optim.Adam(p, lr=1e-3, foreach=False),
        "closest torch method: torch.optim.Adam (always bias-corrected)",
    ),
]


def make_params() -> list[nn.Parameter]:
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(1024, 1024) for _ in range(12)])
    params = list(model.parameters())
    for p in params:
        p.grad = torch.randn_like(p) * 1e-2
    return params


def time_steps(opt: torch.optim.Optimizer, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        opt.step()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    torch.set_num_threads(2)
    ours_params, theirs_params = make_params(), make_params()
    n_params = sum(p.numel() for p in ours_params)
    print(f"optimizer step, {n_params / 1e6:.1f}M parameters in {len(ours_params)} tensors, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, median of {REPEATS} steps")
    print(f"{'optimizer':<30} {'ours ms':>9} {'torch ms':>9} {'ratio':>7}  comparison")
    worst = 0.0
    for label, make_ours, make_theirs, note in CASES:
        ours, theirs = make_ours(ours_params), make_theirs(theirs_params)
        time_steps(ours, WARMUP)
        time_steps(theirs, WARMUP)
        t_ours, t_theirs = [], []
        for _ in range(REPEATS):  # alternate so that both see the same load
            t_ours += time_steps(ours, 1)
            t_theirs += time_steps(theirs, 1)
        a, b = statistics.median(t_ours) * 1e3, statistics.median(t_theirs) * 1e3
        ratio = a / b
        worst = max(worst, ratio)
        print(f"{label:<30} {a:9.1f} {b:9.1f} {ratio:6.2f}x  {note}")
        del ours, theirs
    verdict = "meets" if worst <= GOAL else "MISSES"
    print(f"worst ratio {worst:.2f}x: {verdict} the goal of <= {GOAL}x")


if __name__ == "__main__":
    main()
