"""Rectifiers against tanh in a deep network (Maas, Hannun & Ng 2013).

The paper: deep neural network acoustic models with rectified linear hidden units reach a lower word error rate
than the same networks with tanh units, and the leaky rectifier (slope 0.01 for x < 0) performs about as well
as the plain rectifier, no better (Switchboard, Table 2). CPU-sized: a three-hidden-layer MLP on MNIST-1D.

Design (fixed before the run):
- data: MNIST-1D (``make_dataset``, 3,000 samples, 80/20 split; 1,000 at smoke size).
- arms: MLP 40-128-128-128-10 (32 wide at smoke size) with tanh (Xavier init), ReLU (He init) or leaky ReLU with
  slope 0.01 (He init); SGD momentum 0.9, batch 128, 15 epochs (2 at smoke size), no regularization.
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1} (extended ×3 while the best is at an edge) by validation
  error (last 20 % of the training set), on a tuning seed never reported.
- seeds: reported 2 (smoke), 3 (quick), 6 (full).
- metric: test error after the last epoch.
- decision, three parts each judged on its own (``combine``): tanh − ReLU > 0 and tanh − leaky ReLU > 0
  (``paired_difference``, 95 % t interval); leaky ReLU equivalent to ReLU within ±1 point of test error, a margin
  fixed here (``equivalence``, 90 % t interval).
"""

from __future__ import annotations

import statistics

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import (
    INIT_DESCRIPTION,
    mlp,
    mnist1d,
    savefig,
    setup_matplotlib,
    tune_then_test,
)
from reproductions.experiments.figures import mean_band
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import combine, equivalence, paired_difference, short_run

ARMS = {"tanh": "xavier", "relu": "he", "leaky_relu": "he"}
MARGIN = 0.01  # leaky ReLU ≈ ReLU: within one point of test error, fixed before the run


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=2, quick=3, full=6)
    widths = [32] * 3 if ctx.smoke else [128] * 3
    samples = 1000 if ctx.smoke else 3000
    epochs = 2 if ctx.smoke else 15
    data = mnist1d(samples).to(ctx.device)
    results = {}
    for k, (arm, init) in enumerate(ARMS.items()):
        ctx.report(f"{arm}: tuning and seeds", 0.05 + 0.3 * k)
        results[arm] = tune_then_test(
            lambda a=arm, i=init: mlp(40, widths, 10, a, i),
            data,
            grid=[0.01, 0.03, 0.1],
            epochs=epochs,
            batch_size=128,
            seeds=seeds,
            device=ctx.device,
        )
    test = {a: [h.test_error[-1] for h in r[3]] for a, r in results.items()}
    short = short_run(ctx.mode)
    judgement = combine(
        [
            paired_difference(test["tanh"], test["relu"], label="test error tanh − ReLU", too_short=short),
            paired_difference(test["tanh"], test["leaky_relu"], label="test error tanh − leaky ReLU", too_short=short),
            equivalence(
                test["leaky_relu"],
                test["relu"],
                margin=MARGIN,
                label="leaky ReLU − ReLU within ±1 point",
                too_short=short,
            ),
        ]
    )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for arm in ARMS:
        mean_band(
            ax,
            list(range(1, epochs + 1)),
            [h.test_error for h in results[arm][3]],
            label=f"{arm} (lr {results[arm][0]:g})",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("test error (mean over seeds, 95 % band)")
    ax.set_title(f"MNIST-1D, MLP 40-{'-'.join(map(str, widths))}-10: rectifiers vs tanh")
    ax.legend()
    figure = savefig(fig, ctx.out_dir, "rectifiers_vs_tanh.png")
    m = statistics.fmean
    return Result(
        judgement=judgement,
        reason=f"Test error tanh {m(test['tanh']):.3f}, ReLU {m(test['relu']):.3f}, leaky ReLU "
        f"{m(test['leaky_relu']):.3f}. " + judgement.reason,
        paper_figure="Switchboard WER: tanh 27.1 %, ReLU 25.2 %, leaky ReLU 25.2 % (Maas et al. 2013, Table 2, "
        "2-hidden-layer DNN); rectifiers better, leaky ≈ ReLU",
        measured=f"test error tanh {m(test['tanh']):.3f}, ReLU {m(test['relu']):.3f}, leaky ReLU "
        f"{m(test['leaky_relu']):.3f} (MNIST-1D MLP)",
        metrics=[Metric(f"test_error_{a}", test[a]) for a in ARMS],
        table=[
            {
                "activation": a,
                "lr": results[a][0],
                "test_error": round(m(test[a]), 4),
                "val_error_by_lr": {k: round(v, 4) for k, v in sorted(results[a][1].items())},
            }
            for a in ARMS
        ],
        figures=[figure],
        params={
            "data": f"MNIST-1D (make_dataset, {samples} samples, 80/20 split)",
            "model": f"MLP 40-{'-'.join(map(str, widths))}-10",
            "seeds": seeds,
            "epochs": epochs,
            "optimizer": "SGD momentum 0.9, batch 128, no weight decay",
            "leaky_slope": 0.01,
            "lr_chosen": {a: r[0] for a, r in results.items()},
            "lr_best_interior": {a: r[2] for a, r in results.items()},
            "lr_selection": "lowest validation error on a tuning seed not reported (seeds[0] + 10000)",
            "init": {a: INIT_DESCRIPTION[i] for a, i in ARMS.items()},
            "output_layer_init": INIT_DESCRIPTION["xavier"],
            "equivalence_margin": MARGIN,
        },
    )
