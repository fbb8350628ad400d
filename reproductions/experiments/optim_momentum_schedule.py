"""momentum-schedule: Sutskever et al.'s increasing momentum schedule against constant momentum 0.9 and plain SGD.

Claim (Sutskever, Martens, Dahl & Hinton 2013, ICML: abstract and their Table 1 on deep autoencoders): stochastic
gradient descent with momentum, a good random initialization and a slowly increasing momentum schedule with a high
μ_max trains deep networks to a far lower training error than with a low momentum or none (plain SGD).
The schedule μ_t = min(1 − 2^(−1 − log₂(⌊t/250⌋ + 1)), μ_max) is ``reproductions.schedules.momentum_schedule``,
whose docstring records its source check: the formula is corroborated by an independent implementation
that cites the paper, not by the paper's own text.

Design (fixed before the run; a CPU-scale form of the paper's deep-autoencoder experiment):
- data: sklearn's 8x8 digits (pixels / 16, bundled: no download), an 80/20 split drawn per seed (1,438 training
  images); the network reconstructs its input.
- model: a deep autoencoder 64-64-32-8-32-64-64 (6 weight layers, ReLU on every hidden layer including the 8-unit
  code, linear output), He initialization (the "well-designed random initialization" of the claim, for ReLU),
  squared error averaged over pixels, minibatch 100 (14 updates per epoch), all arms from the same initial weights
  and on the same minibatches within a seed.
- arms: plain SGD (μ = 0); classical momentum with a constant μ = 0.9 (the low momentum); classical momentum with
  the schedule and μ_max = 0.99. This package's ``Momentum`` (lecture form v ← μv + ∇f, θ ← θ − αv; it equals the
  paper's form while α is constant, as it is here).
- length: 154 updates (smoke), 3,010 (quick: the schedule is at μ = 0.958 from update 2,750 and 0.962 from
  3,000), 12,502 (full: it reaches μ_max = 0.99 from update 12,250).
- tuning: each arm's α on its own log grid (2 per decade; 1 at smoke size): SGD 0.03..0.3, both momentum arms
  0.003..0.03, extended while the best is at an edge (at most 3 extensions; none at smoke size), by the metric
  below on a tuning seed never reported (``split_seeds``).
- seeds: 1 tuning seed; reported seeds 1 (smoke), 3 (quick), 5 (full).
- metric: the final training loss, the full-training-set loss averaged over the last 5 evaluations (one per epoch).
- decision, each comparison judged on its own and combined (``combine``): per-seed log-ratios of the constant-0.9
  arm's final loss to the schedule's, and of SGD's to the schedule's (``paired_ratio``, 95 % t interval), each
  against "lower at all" (ratio 1x). Reproduced when both intervals lie above 1; not reproduced when either lies
  below 1; else inconclusive. The paper's margins (several-fold) are not claimed at this scale.
"""

from __future__ import annotations

import time

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import interval_bars, mean_band, savefig
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
from reproductions.schedules.momentum_schedule import MomentumSchedule, sutskever_momentum
from reproductions.verdicts import combine, paired_ratio, short_run, split_seeds

MU_MAX = 0.99
SIZES = [64, 64, 32, 8, 32, 64, 64]
BATCH = 100
LAST = 5  # evaluations averaged for the final training loss
ARMS = ("sgd", "constant", "schedule")
KEYS = {"sgd": "sgd:plain", "constant": "momentum:constant", "schedule": "momentum:schedule"}
LABELS = {"sgd": "plain SGD", "constant": "momentum 0.9", "schedule": f"schedule, μ_max {MU_MAX:g}"}
COLORS = {"sgd": "tab:blue", "constant": "tab:orange", "schedule": "tab:green"}


def autoencoding(seed: int) -> dict:
    d = digits(seed)
    return {"x_train": d["x_train"], "y_train": d["x_train"], "x_test": d["x_test"], "y_test": d["x_test"]}


def schedule(optimizer):  # type: ignore[no-untyped-def]
    return MomentumSchedule(optimizer, MU_MAX, key="rho")


def final_loss(train_loss):  # type: ignore[no-untyped-def]
    return train_loss[:, -LAST:].mean(1)


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    start = time.perf_counter()
    plt = pyplot()
    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds = list(split.report)
    epochs = 11 if ctx.smoke else (215 if ctx.quick else 893)
    per_decade = 1 if ctx.smoke else 2
    train = dict(epochs=epochs, batch=BATCH, init="he", loss="mse", device=ctx.device)
    kwargs = {KEYS["sgd"]: {}, KEYS["constant"]: {"rho": 0.9}, KEYS["schedule"]: {"rho": 0.5}}
    grids = {
        KEYS["sgd"]: log_grid(0.03, 0.3, per_decade),
        KEYS["constant"]: log_grid(0.003, 0.03, per_decade),
        KEYS["schedule"]: log_grid(0.003, 0.03, per_decade),
    }

    ctx.report("tuning α per arm", 0.05)
    tunings = tune_side_by_side(
        grids,
        SIZES,
        autoencoding(split.tune[0]),
        kwargs=kwargs,
        score=lambda c: final_loss(c.train_loss),
        per_updates={KEYS["schedule"]: schedule},
        max_rounds=0 if ctx.smoke else 3,
        seed=split.tune[0],
        **train,
    )
    lr = {a: tunings[KEYS[a]].best for a in ARMS}

    final: dict[str, list[float]] = {a: [] for a in ARMS}
    test: dict[str, list[float]] = {a: [] for a in ARMS}
    runs: dict[str, list] = {a: [] for a in ARMS}
    eval_steps: list[int] = []
    for i, seed in enumerate(seeds):
        ctx.report(f"seed {seed}", 0.4 + 0.55 * i / len(seeds))
        specs = [
            Spec(
                KEYS[a].split(":")[0],
                lr[a],
                kwargs[KEYS[a]],
                label=a,
                per_update=schedule if a == "schedule" else None,
            )
            for a in ARMS
        ]
        curves = train_side_by_side(specs, SIZES, autoencoding(seed), seed=seed, **train)
        ends = final_loss(curves.train_loss)
        test_ends = curves.test_loss[:, -LAST:].mean(1)
        for j, a in enumerate(ARMS):
            final[a].append(float(ends[j]))
            test[a].append(float(test_ends[j]))
            runs[a].append(curves.train_loss[j].numpy())
        eval_steps = curves.eval_steps

    short = short_run(ctx.mode)
    parts = [
        paired_ratio(final["constant"], final["schedule"], label="momentum 0.9 / schedule", too_short=short),
        paired_ratio(final["sgd"], final["schedule"], label="plain SGD / schedule", too_short=short),
    ]
    judgement = combine(parts, label="the schedule against each baseline")
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    updates = eval_steps[-1]
    mu_end = sutskever_momentum(updates - 1, MU_MAX)
    measured = (
        f"final training loss after {updates} updates (schedule ends at μ = {mu_end:.3g}): "
        + ", ".join(f"{LABELS[a]} {fmt(mean(final[a]))}" for a in ARMS)
        + "; ratios: "
        + "; ".join(f"{p.label} {p.fmt()}" for p in parts)
    )
    edges = [LABELS[a] for a in ARMS if not tunings[KEYS[a]].interior]
    reason = judgement.reason + (f" Best α at a grid edge for {', '.join(edges)}." if edges else "")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    for a in ARMS:
        mean_band(axes[0], eval_steps, runs[a], color=COLORS[a], log=True, label=f"{LABELS[a]} (α {fmt(lr[a], 2)})")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("update t")
    axes[0].set_ylabel("training loss (geometric mean over seeds, 95 % band)")
    axes[0].set_title("deep autoencoder 64-64-32-8-32-64-64 on digits", fontsize=9)
    axes[0].legend(fontsize=8)
    ts = list(range(0, updates + 1, max(1, updates // 400)))
    axes[1].plot(ts, [sutskever_momentum(t, MU_MAX) for t in ts], color=COLORS["schedule"], label="schedule")
    axes[1].axhline(0.9, color=COLORS["constant"], label="constant 0.9")
    axes[1].axhline(0.0, color=COLORS["sgd"], label="plain SGD")
    axes[1].set_xlabel("update t")
    axes[1].set_ylabel("momentum μ_t")
    axes[1].set_title("μ_t = min(1 − 2^(−1 − log₂(⌊t/250⌋ + 1)), μ_max)", fontsize=9)
    axes[1].legend(fontsize=8)
    interval_bars(axes[2], [p.label for p in parts], parts, ylabel="final-loss ratio baseline / schedule", ref=1.0)
    axes[2].set_yscale("log")
    axes[2].set_title("geometric mean, 95 % interval", fontsize=9)
    figure = savefig(fig, ctx.out_dir, "momentum_schedule.png", dpi=90)

    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Sutskever et al. 2013, Table 1: on deep autoencoders, momentum schedules with μ_max 0.99-0.999 "
        "reach several-fold lower training error than μ_max 0.9 or plain SGD (μ = 0)",
        measured=measured,
        metrics=[Metric(f"final train loss [{LABELS[a]}]", final[a]) for a in ARMS] + [Metric(f"final test loss [{LABELS[a]}]", test[a]) for a in ARMS],
        table=[
            {
                "arm": LABELS[a],
                "α": fmt(lr[a], 2),
                "final train loss": fmt(mean(final[a])),
                "final test loss": fmt(mean(test[a])),
            }
            for a in ARMS
        ],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seeds": list(split.tune),
            "model": "autoencoder 64-64-32-8-32-64-64, ReLU hidden layers, linear output, squared error",
            "init": "He normal, zero biases; the same initial weights for every arm within a seed",
            "data": "sklearn digits / 16, 80/20 split per seed, reconstruct the input",
            "batch": BATCH,
            "updates": updates,
            "mu_max": MU_MAX,
            "schedule_mu_at_end": round(mu_end, 4),
            "metric": f"full-training-set loss averaged over the last {LAST} evaluations (one per epoch)",
            "lr": {LABELS[a]: lr[a] for a in ARMS},
            "lr_tuning": {LABELS[a]: tunings[KEYS[a]].record() for a in ARMS},
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )
