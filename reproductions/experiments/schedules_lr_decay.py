"""lr-decay: step, exponential and 1/t learning-rate decay against a constant rate; and the running-average check.

cs231n "Training Neural Networks 2" (learning-rate decay) and Goodfellow, Bengio & Courville, *Deep Learning*
(2016), ch. 8.3.1: SGD's gradient noise does not vanish at a minimum, so with a constant learning rate the loss
stalls at a noise floor; decaying the rate (step, α₀e^{−kt}, α₀/(1+kt)) lowers it further.
The running average μ_N = α μ_{N−1} + (1 − α) x_N with α = 1 − 1/N being the exact mean is an identity: it is
the separate check "running-average" (:func:`run_running_average`), not part of this reproduction.

Design (fixed before the run):
- data: sklearn's 8x8 digits (pixels / 16), an 80/20 split drawn per seed.
- model: MLP 64 → 128 → 10 (ReLU, He init), SGD + momentum 0.9, minibatch 32, 12 epochs (2 at smoke size).
- arms: constant α; step (×0.2 every third of the run), exponential α₀e^{−kt} and 1/t α₀/(1+kt), each decay set
  to end near α₀/20, stepped once per epoch.
- tuning: each arm's α₀ on its own log grid (2 per decade, extended while the best is at an edge) by the final
  training loss, on a tuning seed never reported (``split_seeds``).
- seeds: 1 tuning seed; reported seeds 1 (smoke), 3 (quick), 5 (full).
- metric: final full-training-set loss.
- decision: each decay on its own against the constant rate (no best-of-three selection), paired per-seed
  log-ratios constant / decay (``paired_ratio``, 95 % t interval); reproduced if every decay's interval lies
  above 1, not reproduced if any lies below 1, else inconclusive.
"""

from __future__ import annotations

import math
import time

import torch

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.optim_common import (
    Spec,
    digits,
    fmt,
    log_grid,
    pyplot,
    train_side_by_side,
    tune_side_by_side,
)
from reproductions.experiments.threads import one_thread
from reproductions.schedules import ExponentialDecay, InverseTimeDecay, RunningAverage, StepDecay, mean_decay
from reproductions.verdicts import check, combine, paired_ratio, short_run, split_seeds

COLORS = {"constant": "tab:blue", "step": "tab:orange", "exponential": "tab:green", "1/t": "tab:red"}


def schedules(epochs: int) -> dict[str, object]:
    # every decay ends near α₀/20 after ``epochs`` epochs
    step_size = max(1, epochs // 3)
    return {
        "constant": None,
        "step": lambda o: StepDecay(o, step_size=step_size, gamma=0.2),
        "exponential": lambda o: ExponentialDecay(o, k=math.log(20.0) / epochs),
        "1/t": lambda o: InverseTimeDecay(o, k=19.0 / epochs),
    }


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    start = time.perf_counter()
    plt = pyplot()
    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds = list(split.report)
    epochs = 2 if ctx.smoke else 12
    batch = 32
    sizes = [64, 128, 10]
    per_decade = 1 if ctx.smoke else 2
    scheds = schedules(epochs)
    train = dict(epochs=epochs, batch=batch, init="he", device=ctx.device)

    ctx.report("tuning α₀ per schedule", 0.1)
    tunings = tune_side_by_side(
        {f"momentum:{n}": log_grid(0.003, 0.3, per_decade) for n in scheds},
        sizes,
        digits(split.tune[0]),
        score=lambda c: c.train_loss[:, -1],
        schedules={f"momentum:{n}": f for n, f in scheds.items()},
        seed=split.tune[0],
        **train,
    )
    final: dict[str, list[float]] = {n: [] for n in scheds}
    test_acc: dict[str, list[float]] = {n: [] for n in scheds}
    shown = None
    runs: dict[str, list] = {n: [] for n in scheds}
    for i, seed in enumerate(seeds):
        ctx.report(f"seed {seed}", 0.4 + 0.5 * i / len(seeds))
        specs = [Spec("momentum", tunings[f"momentum:{n}"].best, schedule=scheds[n], label=n) for n in scheds]
        curves = train_side_by_side(specs, sizes, digits(seed), seed=seed, **train)
        for j, n in enumerate(scheds):
            final[n].append(float(curves.train_loss[j, -1]))
            test_acc[n].append(float(curves.test_acc[j, -1]))
            runs[n].append(curves.train_loss[j].numpy())
        shown = shown or curves
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    decays = [n for n in scheds if n != "constant"]
    short = short_run(ctx.mode)
    parts = [paired_ratio(final["constant"], final[n], label=f"constant / {n}", too_short=short) for n in decays]
    judgement = combine(parts, label="each decay against the constant rate")
    measured = (
        f"final training loss after {epochs} epochs: constant α {fmt(mean(final['constant']))}, "
        + ", ".join(f"{n} {fmt(mean(final[n]))}" for n in decays)
        + "; constant / decay: "
        + "; ".join(f"{n} {p.fmt()}" for n, p in zip(decays, parts, strict=True))
    )
    edges = [k for k, t in tunings.items() if not t.interior]
    reason = judgement.reason + (f" Best α₀ at a grid edge for {', '.join(edges)}." if edges else "")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    steps_per_epoch = shown.eval_steps[1]
    for j, n in enumerate(scheds):
        e = [s / steps_per_epoch for s in shown.eval_steps]
        axes[0].plot(
            e, shown.lrs[j].numpy(), color=COLORS[n], label=f"{n} (α₀ {fmt(tunings['momentum:' + n].best, 2)})"
        )
        mean_band(axes[1], e, runs[n], color=COLORS[n], log=True, label=n)
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("learning rate")
    axes[0].set_title("step: α₀γ^⌊t/s⌋,  exponential: α₀e^{−kt},  1/t: α₀/(1+kt)")
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("epoch")
    axes[1].set_yscale("log")
    axes[1].set_ylabel("training loss (mean over seeds, 95 % band)")
    axes[1].set_title("digits MLP, SGD + momentum 0.9")
    axes[1].legend(fontsize=8)
    path = savefig(fig, ctx.out_dir, "lr_decay.png", dpi=90)

    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="cs231n / Goodfellow et al. §8.3.1: the loss drops when the learning rate is decayed; "
        "qualitative, no number",
        measured=measured,
        metrics=[Metric(f"final train loss, {n}", final[n]) for n in scheds]
        + [Metric(f"final test accuracy, {n}", test_acc[n]) for n in scheds]
        + [
            Metric(
                f"constant / {n} final loss (per seed)",
                [c / d for c, d in zip(final["constant"], final[n], strict=True)],
                "x",
            )
            for n in decays
        ],
        table=[
            {
                "schedule": n,
                "α₀": fmt(tunings["momentum:" + n].best, 2),
                "final train loss": fmt(mean(final[n])),
                "test accuracy": f"{mean(test_acc[n]):.1%}",
            }
            for n in scheds
        ],
        figures=[path],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seeds": list(split.tune),
            "model": "MLP 64-128-10, ReLU, cross-entropy",
            "init": "He normal, zero biases",
            "optimizer": "SGD + momentum 0.9 (lecture form)",
            "epochs": epochs,
            "batch": batch,
            "schedules": {
                "step": f"γ = 0.2 every {max(1, epochs // 3)} epochs",
                "exponential": f"k = ln 20 / {epochs}",
                "1/t": f"k = 19 / {epochs}",
                "stepped": "once per epoch",
            },
            "lr_tuning": {k: t.record() for k, t in tunings.items()},
            "lr_tuning_score": "final training loss (tuning seed, not reported)",
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )


def run_running_average(ctx: RunContext) -> Result:
    """Check (an identity, not a reproduction): μ_N = α μ_{N−1} + (1 − α) x_N with α = 1 − 1/N is the exact mean.

    Design: 10,000 draws from N(1, 3²) in float64 (1,000 at smoke size); the largest |μ_N − mean(x_1..x_N)| over
    every N, against a tolerance of 1e-9 fixed here; a constant α = 0.99 beside it for contrast (not judged).
    """
    plt = pyplot()
    n = 1_000 if ctx.smoke else 10_000
    gen = torch.Generator().manual_seed(ctx.seed)
    xs = torch.randn(n, dtype=torch.float64, generator=gen) * 3 + 1
    exact = xs.cumsum(0) / torch.arange(1, n + 1, dtype=torch.float64)
    avg, const = RunningAverage(mean_decay), RunningAverage(0.99)
    ours, theirs = [], []
    for x in xs:
        ours.append(float(avg.update(x)))
        theirs.append(float(const.update(x)))
    err = (torch.tensor(ours, dtype=torch.float64) - exact).abs()
    const_err = (torch.tensor(theirs, dtype=torch.float64) - exact).abs()
    judgement = check(float(err.max()), tol=1e-9, label="running average with α = 1 − 1/N vs the exact mean", n=n)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(err.clamp_min(1e-18).numpy(), label="α = 1 − 1/N (the identity)")
    ax.semilogy(const_err.clamp_min(1e-18).numpy(), label="constant α = 0.99")
    ax.set_xlabel("N")
    ax.set_ylabel("|running average − mean of x₁..x_N|")
    ax.legend(fontsize=8)
    path = savefig(fig, ctx.out_dir, "running_average.png", dpi=90)
    return Result(
        judgement=judgement,
        paper_figure="an identity: μ_N = (1 − 1/N) μ_{N−1} + x_N / N is the mean of x₁..x_N",
        measured=f"largest error {float(err.max()):.2g} over N = 1..{n} (constant α = 0.99: final error "
        f"{float(const_err[-1]):.2g})",
        metrics=[
            Metric("largest |running average − mean|", [float(err.max())]),
            Metric("constant α = 0.99: final |running average − mean|", [float(const_err[-1])]),
        ],
        figures=[path],
        params={"mode": ctx.mode, "n": n, "distribution": "N(1, 3²), float64", "tolerance": 1e-9, "init": "none"},
    )
