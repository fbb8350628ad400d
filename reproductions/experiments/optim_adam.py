"""adam: Adam against SGD, momentum, Nesterov, AdaGrad and RMSProp on logistic regression and an MLP.

Kingma & Ba (2014), "Adam: A Method for Stochastic Optimization", arXiv 1412.6980, Section 6.1-6.2:
Fig. 1 (logistic regression on MNIST: Adam converges as fast as SGD with Nesterov momentum and faster than
AdaGrad on dense data) and Fig. 2 (multilayer ReLU network on MNIST: Adam's training cost falls faster than the
other methods').

At CPU scale: sklearn's 8x8 digits (1,437 training images), multinomial logistic regression (64 → 10, zero
init) and an MLP 64 → 256 → 256 → 10 (ReLU, He init), minibatch 64.

Design (fixed before the run):
- data: sklearn's 8x8 digits (pixels / 16), an 80/20 split drawn per seed.
- arms: SGD, SGD + momentum 0.9, Nesterov 0.9, AdaGrad, RMSProp (decay 0.9), Adam (0.9, 0.999).
- tuning: each arm's lr on its own log grid (2 per decade, extended while the best is at an edge) by its mean
  training loss over the run, per task, on a tuning seed never reported (``split_seeds``).
- seeds: 1 tuning seed; reported seeds 1 (smoke), 3 (quick), 5 (full); 15 epochs (2 at smoke size).
- metric: full-training-set loss after the last epoch.
- decision: "at least as fast" is a non-inferiority claim with a margin fixed here: Adam's loss at most 10 %
  above the other's. For every (task, other optimizer) arm on its own, the paired per-seed log-ratio
  other / Adam (``paired_ratio``, min_ratio 1/1.1, 95 % t interval); reproduced if every arm's interval lies
  above 1/1.1, not reproduced if any arm's lies below it (Adam more than 10 % worse), else inconclusive.
"""

from __future__ import annotations

import time

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.optim_common import (
    COLORS,
    LABELS,
    NAMES,
    Spec,
    Tuning,
    digits,
    fmt,
    log_grid,
    pyplot,
    train_side_by_side,
    tune_side_by_side,
)
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import combine, paired_ratio, short_run, split_seeds

GRIDS = {
    "sgd": (0.03, 3.0),
    "momentum": (0.003, 0.3),
    "nesterov": (0.003, 0.3),
    "adagrad": (0.003, 0.3),
    "rmsprop": (1e-4, 1e-2),
    "adam": (1e-4, 1e-2),
}
TASKS = {"logistic regression": ([64, 10], "zeros"), "MLP": ([64, 256, 256, 10], "he")}


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    start = time.perf_counter()
    plt = pyplot()
    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds = list(split.report)
    epochs = 2 if ctx.smoke else 15
    batch = 64
    per_decade = 1 if ctx.smoke else 2
    metrics: list[Metric] = []
    table: list[dict[str, object]] = []
    ratios: dict[str, list[float]] = {}
    tunings_all: dict[str, dict[str, Tuning]] = {}
    shown: dict[str, object] = {}
    runs: dict[str, dict[str, list]] = {t: {n: [] for n in NAMES} for t in TASKS}
    parts = []
    short = short_run(ctx.mode)
    finals_all: dict[str, dict[str, list[float]]] = {}
    for ti, (task, (sizes, init)) in enumerate(TASKS.items()):
        data = digits(split.tune[0])
        tunings = tune_side_by_side(
            {n: log_grid(*GRIDS[n], per_decade) for n in NAMES},
            sizes,
            data,
            epochs=epochs,
            batch=batch,
            seed=split.tune[0],
            init=init,
            device=ctx.device,
        )
        tunings_all[task] = tunings
        finals: dict[str, list[float]] = {name: [] for name in NAMES}
        for si, seed in enumerate(seeds):
            ctx.report(f"{task}: seed {seed}", (ti + 0.5 + si / len(seeds) / 2) / len(TASKS))
            specs = [Spec(name, tunings[name].best) for name in NAMES]
            curves = train_side_by_side(
                specs, sizes, digits(seed), epochs=epochs, batch=batch, seed=seed, init=init, device=ctx.device
            )
            for i, name in enumerate(NAMES):
                finals[name].append(float(curves.train_loss[i, -1]))
                runs[task][name].append(curves.train_loss[i].numpy())
            if si == 0:
                shown[task] = curves
        finals_all[task] = finals
        best_other = [min(finals[n][i] for n in NAMES if n != "adam") for i in range(len(seeds))]
        ratios[task] = [b / a for a, b in zip(finals["adam"], best_other, strict=False)]
        parts += [
            paired_ratio(
                finals[n], finals["adam"], min_ratio=1 / 1.1, label=f"{task}: {LABELS[n]} / Adam", too_short=short
            )
            for n in NAMES
            if n != "adam"
        ]
        metrics += [Metric(f"{task}: final train loss, {LABELS[n]}", finals[n]) for n in NAMES]
        metrics.append(Metric(f"{task}: best other / Adam final train loss (per seed)", ratios[task], "x"))
        for n in NAMES:
            table.append(
                {
                    "task": task,
                    "optimizer": LABELS[n],
                    "lr": fmt(tunings[n].best, 2),
                    "final train loss": fmt(sum(finals[n]) / len(seeds)),
                }
            )

    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    judgement = combine(parts, label="Adam not more than 10 % worse than each other optimizer")
    measured = (
        "; ".join(
            f"{task}: Adam {fmt(mean(finals_all[task]['adam']))}, best other "
            f"{min((n for n in NAMES if n != 'adam'), key=lambda n: mean(finals_all[task][n]))} "
            f"{fmt(min(mean(finals_all[task][n]) for n in NAMES if n != 'adam'))}"
            for task in TASKS
        )
        + f" (final training loss after {epochs} epochs, mean over seeds); other/Adam ratios: "
        + "; ".join(f"{p.label.split(': ')[1].split(' /')[0]} ({p.label.split(':')[0]}) {p.fmt()}" for p in parts)
    )
    edges = [f"{task}/{LABELS[n]}" for task, ts in tunings_all.items() for n, t in ts.items() if not t.interior]
    reason = judgement.reason + (f" Best lr at a grid edge for {', '.join(edges)}." if edges else "")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, task in zip(axes, TASKS, strict=False):
        curves = shown[task]
        epochs_axis = [s / max(1, curves.eval_steps[1]) for s in curves.eval_steps]
        for name in NAMES:
            mean_band(
                ax,
                epochs_axis,
                runs[task][name],
                color=COLORS[name],
                log=True,
                label=f"{LABELS[name]} (lr {fmt(tunings_all[task][name].best, 2)})",
            )
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (full training set; mean over seeds, 95 % band)")
        ax.set_title(f"digits, {task}" + (" (Kingma & Ba Fig. 1)" if task.startswith("log") else " (Fig. 2)"))
        ax.legend(fontsize=7)
    path = savefig(fig, ctx.out_dir, "adam_training_curves.png", dpi=90)

    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Kingma & Ba Fig. 1 (MNIST logistic regression: Adam ≈ SGD-Nesterov, both ahead of AdaGrad) and "
        "Fig. 2 (MNIST MLP: Adam lowest training cost)",
        measured=measured,
        metrics=metrics,
        table=table,
        figures=[path],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seeds": list(split.tune),
            "dataset": "sklearn load_digits, 80/20 split per seed, pixels / 16",
            "tasks": {t: {"sizes": s, "init": i} for t, (s, i) in TASKS.items()},
            "init": "logistic regression: zeros (convex); MLP: He normal, zero biases",
            "epochs": epochs,
            "batch": batch,
            "fixed_hyperparameters": "momentum 0.9, RMSProp decay 0.9, Adam betas (0.9, 0.999), eps 1e-8",
            "lr_tuning": {task: {n: t.record() for n, t in ts.items()} for task, ts in tunings_all.items()},
            "lr_tuning_score": "mean full-training-set loss over the run (tuning seed, not reported)",
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )
