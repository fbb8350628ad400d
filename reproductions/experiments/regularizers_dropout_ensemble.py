"""Dropout as an ensemble: Monte-Carlo averaging of k thinned networks vs the weight-scaled network.

Claim (Srivastava et al. 2014, Section 7.5, Figure 11): the weight-scaling inference rule is a good
approximation of averaging the exponentially many thinned networks; Monte-Carlo model averaging over
k sampled networks reaches the weight-scaled network's test error at around k = 50, and a single thinned
network (k = 1) is clearly worse.

Setup: digits (1000 train / 200 val / rest test), MLP 64-256-256-10, ReLU, He init, inverted dropout
p = 0.5 on both hidden layers; SGD momentum 0.9 with the learning rate tuned on a grid {0.01, 0.03, 0.1}
(validation error of the weight-scaled net, extended while the best is at an edge) on a tuning seed never reported.

Design (fixed before the run): reported seeds 1 (smoke), 3 (quick), 5 (full); 25 epochs quick, 60 full. Metric:
test error (%) of the weight-scaled net and of MC averages of k thinned nets. Decision, two parts each judged on
its own (``combine``): (1) MC with k = 50 (the paper's k; 5 at smoke size) is equivalent to weight scaling within
a margin of 0.5 percentage points fixed here — never widened with the noise — (``equivalence``, paired by seed,
90 % t interval); (2) a single thinned net (k = 1) has a higher error than weight scaling (``paired_difference``,
95 % t interval).
"""

from __future__ import annotations

import statistics

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band
from reproductions.experiments.regularizers_common import (
    digits_split,
    error_rate,
    savefig,
    sgd_train,
    tune_on_grid,
)
from reproductions.experiments.threads import one_thread
from reproductions.regularizers import Dropout, mc_dropout_average, weight_scaled_predict
from reproductions.verdicts import combine, equivalence, paired_difference, short_run, split_seeds

MARGIN_PP = 0.5  # the equivalence margin, in percentage points of test error: fixed before the run


def make_net(hidden: int, p: float, gen: torch.Generator) -> nn.Sequential:
    net = nn.Sequential(
        nn.Linear(64, hidden),
        nn.ReLU(),
        Dropout(p, generator=gen),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        Dropout(p, generator=gen),
        nn.Linear(hidden, 10),
    )
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)  # He init for ReLU
            nn.init.zeros_(m.bias)
    return net


def train(data, lr: float, seed: int, epochs: int, hidden: int, p: float, device: str) -> nn.Sequential:
    gen = torch.Generator().manual_seed(seed)
    net = make_net(hidden, p, gen).to(device)
    x, y = data["train"]
    sgd_train(net, x, y, lr=lr, epochs=epochs, batch=100, gen=gen)
    return net


def run(ctx: RunContext) -> Result:
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=1, quick=3, full=5)
    hidden, p = (64, 0.5) if ctx.smoke else (256, 0.5)
    epochs = 2 if ctx.smoke else (25 if ctx.quick else 60)
    ks = [1, 2, 5] if ctx.smoke else ([1, 2, 5, 10, 20, 50] if ctx.quick else [1, 2, 5, 10, 20, 50, 100])
    lr_grid = [0.1] if ctx.smoke else [0.01, 0.03, 0.1]
    with one_thread():
        tune_seed = split_seeds(ctx.seed, 1, 1).tune[0]
        datas = {s: digits_split(1000, 200, s, ctx.device) for s in [*seeds, tune_seed]}
        nets: dict[tuple[float, int], nn.Sequential] = {}

        def net_for(lr: float, seed: int) -> nn.Sequential:
            if (lr, seed) not in nets:
                nets[(lr, seed)] = train(datas[seed], lr, seed, epochs, hidden, p, ctx.device)
            return nets[(lr, seed)]

        def val_error(lr: float) -> float:
            net, val = net_for(lr, tune_seed), datas[tune_seed]["val"]
            return error_rate(weight_scaled_predict(net, val[0]), val[1])

        ctx.report("tuning the learning rate", 0.0)
        lr, lr_scores, lr_edge = tune_on_grid(lr_grid, val_error, max_extend=0 if ctx.smoke else 2)
        scaled, mc = [], {k: [] for k in ks}
        for i, s in enumerate(seeds):
            ctx.report(f"seed {s}", 0.3 + 0.7 * i / len(seeds))
            net = net_for(lr, s)
            xt, yt = datas[s]["test"]
            torch.manual_seed(10_000 + s)
            scaled.append(100 * error_rate(weight_scaled_predict(net, xt), yt))
            for k in ks:
                mc[k].append(100 * error_rate(mc_dropout_average(net, xt, k), yt))

    k_max = 50 if 50 in ks else ks[-1]
    k1_gap = statistics.fmean(mc[1]) - statistics.fmean(scaled)
    short = short_run(ctx.mode)
    judgement = combine(
        [
            equivalence(
                mc[k_max],
                scaled,
                margin=MARGIN_PP,
                unit=" pp",
                label=f"MC k={k_max} vs weight scaling",
                too_short=short,
            ),
            paired_difference(
                mc[1], scaled, unit=" pp", label="weight scaling better than one thinned net (k=1)", too_short=short
            ),
        ]
    )
    reason = (
        f"Weight-scaled net {statistics.fmean(scaled):.2f}% test error; MC average of k={k_max} thinned nets "
        f"{statistics.fmean(mc[k_max]):.2f}%; single thinned net k=1 {statistics.fmean(mc[1]):.2f}% "
        f"({k1_gap:+.2f} pp). " + judgement.reason
    )
    metrics = [Metric("test error weight-scaled", scaled, "%")] + [
        Metric(f"test error MC k={k}", mc[k], "%") for k in ks
    ]

    fig, ax = plt.subplots(figsize=(6, 4))
    mean_band(
        ax, ks, [[mc[k][i] for k in ks] for i in range(len(seeds))], marker="o", label="Monte-Carlo model averaging"
    )
    sm = statistics.fmean(scaled)
    ax.axhline(sm, color="tab:red", ls="--", label=f"weight scaling ({sm:.2f}%)")
    ax.set_xscale("log")
    ax.set_xlabel("number of sampled networks k")
    ax.set_ylabel("test error (%), mean over seeds, 95 % band")
    ax.set_title("Dropout: MC averaging vs weight scaling (cf. Srivastava Fig. 11)")
    ax.legend()
    figures = [savefig(fig, ctx.out_dir, "dropout_ensemble.png")]
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="MNIST: MC averaging reaches the weight-scaling error (~1.0%) at k ~ 50 (Fig. 11)",
        measured=f"k={k_max}: {statistics.fmean(mc[k_max]):.2f}% vs weight scaling {sm:.2f}%",
        metrics=metrics,
        table=[{"k": k, "MC test error %": round(statistics.fmean(mc[k]), 2)} for k in ks]
        + [{"k": "weight scaling", "MC test error %": round(sm, 2)}],
        figures=figures,
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seed": tune_seed,
            "equivalence_margin_pp": MARGIN_PP,
            "hidden": hidden,
            "p_drop": p,
            "epochs": epochs,
            "batch": 100,
            "n_train": 1000,
            "init": "He (kaiming normal, ReLU)",
            "optimizer": "SGD momentum 0.9",
            "lr_grid": sorted(lr_scores),
            "lr_val_error": lr_scores,
            "lr": lr,
            "lr_at_edge": lr_edge,
            "ks": ks,
            "device": ctx.device,
        },
    )
