"""model-ensemble: an ensemble of independently trained networks against its own members (Hansen & Salamon 1990).

Claim (Hansen & Salamon 1990; cs231n "Training Neural Networks 2"): averaging the outputs of several independently
trained networks gives fewer test errors than the individual networks.

Design (fixed before the run):
- data: sklearn digits, 1,000 train / 200 validation / rest test, drawn per seed.
- arms: one MLP 64-128-10, ReLU, He init, no other regularization, SGD momentum 0.9, batch 100, 30 epochs (3 at
  smoke size); the ensemble: K = 5 such networks (3 at smoke size) that differ only in their initialization and
  minibatch order, their softmax outputs averaged (``reproductions.regularizers.ensemble``).
- tuning: the members' lr on the grid {0.01, 0.03, 0.1, 0.3} ({0.1} at smoke size), extended ×3 while the best is
  at an edge, by a single network's validation error on a tuning seed never reported; the ensemble's members use
  that lr (an ensemble of tuned networks, as the lecture builds it).
- seeds: 1 tuning seed; reported seeds 1 (smoke), 3 (quick), 5 (full), each a data split with its own K members.
- metric: test error (%) of the ensemble and the mean test error of its members.
- decision: the per-seed difference members' mean − ensemble (``paired_difference``, 95 % t interval) against 0:
  reproduced if it lies above 0, not reproduced if below. The best member (by validation) is reported beside it.
"""

from __future__ import annotations

import statistics

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.regularizers_common import (
    digits_split,
    error_rate,
    savefig,
    sgd_train,
    tune_on_grid,
)
from reproductions.experiments.threads import one_thread
from reproductions.regularizers.ensemble import ensemble_predict
from reproductions.verdicts import mean_interval, paired_difference, short_run, split_seeds


def make_net(gen: torch.Generator, hidden: int = 128) -> nn.Sequential:
    net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)  # He init for ReLU
            nn.init.zeros_(m.bias)
    return net


def train(data, lr: float, seed: int, epochs: int, device: str) -> nn.Sequential:
    gen = torch.Generator().manual_seed(seed)
    net = make_net(gen).to(device)
    x, y = data["train"]
    sgd_train(net, x, y, lr=lr, epochs=epochs, batch=100, gen=gen)
    return net


def run(ctx: RunContext) -> Result:
    import matplotlib.pyplot as plt

    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds, tune_seed = list(split.report), split.tune[0]
    k = 3 if ctx.smoke else 5
    epochs = 3 if ctx.smoke else 30
    grid = [0.1] if ctx.smoke else [0.01, 0.03, 0.1, 0.3]
    ens_err, member_mean, best_member = [], [], []
    member_errs: list[list[float]] = []
    with one_thread():
        datas = {s: digits_split(1000, 200, s, ctx.device) for s in [*seeds, tune_seed]}

        def val_error(lr: float) -> float:
            net, (xv, yv) = train(datas[tune_seed], lr, tune_seed, epochs, ctx.device), datas[tune_seed]["val"]
            net.eval()
            with torch.no_grad():
                return error_rate(net(xv), yv)

        ctx.report("tuning the learning rate", 0.0)
        lr, lr_scores, lr_edge = tune_on_grid(grid, val_error, max_extend=0 if ctx.smoke else 2)
        for i, s in enumerate(seeds):
            ctx.report(f"seed {s}", 0.2 + 0.8 * i / len(seeds))
            # members differ in init and minibatch order only: seeds s·100 + j
            members = [train(datas[s], lr, s * 100 + j, epochs, ctx.device) for j in range(k)]
            xt, yt = datas[s]["test"]
            xv, yv = datas[s]["val"]
            errs = [100 * error_rate(ensemble_predict([m], xt), yt) for m in members]
            vals = [error_rate(ensemble_predict([m], xv), yv) for m in members]
            member_errs.append(errs)
            member_mean.append(statistics.fmean(errs))
            best_member.append(errs[min(range(k), key=lambda j: vals[j])])
            ens_err.append(100 * error_rate(ensemble_predict(members, xt), yt))

    judgement = paired_difference(
        member_mean, ens_err, unit=" pp", label="members' mean − ensemble test error", too_short=short_run(ctx.mode)
    )
    beside = paired_difference(best_member, ens_err, unit=" pp", label="best member (by validation) − ensemble")
    reason = (
        f"Test error: ensemble of {k} {statistics.fmean(ens_err):.2f}%, its members {statistics.fmean(member_mean):.2f}% "
        f"on average, the best member by validation {statistics.fmean(best_member):.2f}% (lr {lr:g}). "
        + judgement.reason
        + f" Beside it (not in the verdict): {beside.reason}"
        + (" The best lr is still at a grid edge." if lr_edge else "")
    )

    fig, ax = plt.subplots(figsize=(7, 4.2))
    labels = ["members (mean)", "best member", f"ensemble of {k}"]
    series = [member_mean, best_member, ens_err]
    centre, err = [], []
    for values in series:
        m, lo, hi = mean_interval(values)
        centre.append(m)
        err.append(hi - m if hi != float("inf") else 0.0)
    ax.bar(range(3), centre, yerr=err, capsize=5, color=["tab:gray", "tab:blue", "tab:green"], alpha=0.8)
    for j, values in enumerate(series):
        ax.plot([j] * len(values), values, "k.", alpha=0.6)
    ax.set_xticks(range(3), labels)
    ax.set_ylabel("test error (%)")
    ax.set_title(
        f"mean over {len(seeds)} seeds, 95 % interval, dots = seeds\nmembers − ensemble: {judgement.fmt()}", fontsize=9
    )
    figure = savefig(fig, ctx.out_dir, "model_ensemble.png")
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="cs231n: an ensemble of independently trained models typically gains about 2 % accuracy; "
        "Hansen & Salamon: the ensemble errs less often than its members",
        measured=f"members − ensemble: {judgement.fmt()} pp test error",
        metrics=[
            Metric("test error ensemble", ens_err, "%"),
            Metric("test error members (mean)", member_mean, "%"),
            Metric("test error best member (by validation)", best_member, "%"),
        ],
        table=[
            {"seed": s, "members": [round(e, 2) for e in m], "ensemble": round(e_, 2)}
            for s, m, e_ in zip(seeds, member_errs, ens_err, strict=True)
        ],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seed": tune_seed,
            "members": k,
            "epochs": epochs,
            "lr_grid": sorted(lr_scores),
            "lr_val_error": lr_scores,
            "lr": lr,
            "lr_at_edge": lr_edge,
            "network": "64-128-10 ReLU",
            "optimizer": "SGD momentum 0.9, batch 100",
            "init": "He (kaiming normal, ReLU); members differ in init and minibatch order",
        },
    )
