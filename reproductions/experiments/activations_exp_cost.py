"""The cost of exp: time per element of the sigmoid against ReLU.

The lecture's third problem of the sigmoid: ``exp()`` is more expensive than the single comparison
of a ReLU. Measured on one thread, on a tensor that fits in the L2 cache (so the kernels are
compute-bound, not waiting on memory), as the median over repeated timings, for torch's fused
kernels and for this package's formula-built modules; the same command times both, so only the
ratio is read.

Design (fixed before the run): float32 tensors of 64K elements (32K at smoke size), one thread; kernels
torch.sigmoid, torch.relu, torch.exp and our formula-built modules, interleaved within each trial; trials are
the repeated units (2 smoke, 5 quick, 10 full). Metric: ns per element. Decision: the per-trial log-ratio
sigmoid/ReLU (torch kernels, ``one_sample`` on log scale, 95 % t interval) against 1: reproduced if it lies
above 1 (sigmoid costs more), not reproduced if below 1. No tuning.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import torch

from reproductions.activations import relu, sigmoid, tanh
from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import savefig, setup_matplotlib
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import mean_interval, one_sample, short_run

KERNELS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "torch.relu": torch.relu,
    "torch.sigmoid": torch.sigmoid,
    "torch.tanh": torch.tanh,
    "torch.exp": torch.exp,
    "ours: relu": relu,
    "ours: sigmoid": sigmoid,
    "ours: tanh": tanh,
}


def _time_per_element(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, reps: int) -> float:
    """Nanoseconds per element of one call, median over ``reps`` timed blocks of 10 calls."""
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    with torch.no_grad():
        for _ in range(3):
            fn(x)
        times = []
        for _ in range(reps):
            sync()
            start = time.perf_counter()
            for _ in range(10):
                fn(x)
            sync()
            times.append((time.perf_counter() - start) / 10)
    return statistics.median(times) / x.numel() * 1e9


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    n = 1 << 15 if ctx.smoke else 1 << 16  # 64 K floats = 256 KB: inside L2
    reps = 5 if ctx.smoke else 40
    trials = ctx.seeds(smoke=2, quick=5, full=10)
    ns: dict[str, list[float]] = {name: [] for name in KERNELS}
    for i, seed in enumerate(trials):
        gen = torch.Generator().manual_seed(seed)
        x = (torch.randn(n, generator=gen) * 3).to(ctx.device)
        # interleave the kernels within each trial so that machine load hits them alike
        for name, fn in KERNELS.items():
            ns[name].append(_time_per_element(fn, x, reps))
        ctx.report(f"trial {i + 1}/{len(trials)}", (i + 1) / len(trials))

    ratio_torch = [s / r for s, r in zip(ns["torch.sigmoid"], ns["torch.relu"], strict=False)]
    ratio_ours = [s / r for s, r in zip(ns["ours: sigmoid"], ns["ours: relu"], strict=False)]
    ratio_exp = [e / r for e, r in zip(ns["torch.exp"], ns["torch.relu"], strict=False)]
    med_torch = statistics.median(ratio_torch)

    judgement = one_sample(
        ratio_torch,
        threshold=1.0,
        log=True,
        label="sigmoid / ReLU time per element (torch)",
        too_short=short_run(ctx.mode),
    )
    ours = one_sample(ratio_ours, threshold=1.0, log=True, label="sigmoid / ReLU (ours)", too_short=short_run(ctx.mode))

    # each bar is the geometric mean over the trials with its 95 % t interval (log scale): the trial is the unit
    fig, ax = plt.subplots(figsize=(8, 4))
    names = list(KERNELS)
    centre, err_lo, err_hi = [], [], []
    for k in names:
        m, lo, hi = mean_interval([math.log(v) for v in ns[k]])
        centre.append(math.exp(m))
        err_lo.append(math.exp(m) - math.exp(lo) if math.isfinite(lo) else 0.0)
        err_hi.append(math.exp(hi) - math.exp(m) if math.isfinite(hi) else 0.0)
    ax.barh(names, centre, color=["C0" if "relu" in k else "C3" for k in names], alpha=0.8)
    ax.errorbar(centre, names, xerr=[err_lo, err_hi], fmt="none", ecolor="black", capsize=4)
    ax.set_xlabel(
        f"ns per element (geometric mean of {len(trials)} trials, 95 % interval; {n} float32 on {ctx.device}, 1 thread)"
    )
    ax.set_title(f"sigmoid / ReLU time: {judgement.fmt()} (torch kernels), {ours.fmt()} (ours)", fontsize=9)
    ax.set_xscale("log")  # the kernels span two decades
    ax.invert_yaxis()
    figure = savefig(fig, ctx.out_dir, "exp_cost.png")
    reason = (
        f"torch.sigmoid takes {statistics.median(ns['torch.sigmoid']):.2g} ns/element against "
        f"{statistics.median(ns['torch.relu']):.2g} for torch.relu ({med_torch:.2g}x, median of {len(trials)} trials; "
        f"exp alone {statistics.median(ratio_exp):.2g}x); the formula-built modules, which also allocate "
        f"intermediates, give {statistics.median(ratio_ours):.2g}x. " + judgement.reason
    )
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Qualitative (cs231n lecture 6: 'exp() is a bit compute expensive'); no number",
        measured=f"{med_torch:.2g}x (torch kernels), {statistics.median(ratio_ours):.2g}x (our modules)",
        metrics=[
            Metric("sigmoid_over_relu_torch", ratio_torch, "x"),
            Metric("sigmoid_over_relu_ours", ratio_ours, "x"),
            Metric("exp_over_relu_torch", ratio_exp, "x"),
            *[Metric(f"ns_per_element[{k}]", v, "ns") for k, v in ns.items()],
        ],
        table=[{"kernel": k, "ns_per_element": float(f"{statistics.median(v):.3g}")} for k, v in ns.items()],
        figures=[figure],
        params={
            "elements": n,
            "dtype": "float32",
            "threads": 1,
            "reps_per_trial": reps,
            "calls_per_rep": 10,
            "trials": len(trials),
            "statistic": "median",
            "init": "not applicable (no network)",
        },
    )
