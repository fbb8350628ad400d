"""second-order: Newton's method and L-BFGS against gradient descent and momentum on the same full-batch problem.

Claim (cs231n "Training Neural Networks 2", second-order optimization; Liu & Nocedal 1989, Section 6; Nocedal &
Wright, Numerical Optimization, Sections 3.3 and 7.2): on a smooth deterministic (full-batch) problem, Newton's
method (no learning rate) and L-BFGS reach a given accuracy in far fewer iterations than first-order methods.

Design (fixed before the run):
- data: sklearn digits, 1,000 images per seed (300 at smoke size; drawn by the seed), 8x8 pixels average-pooled to 4x4 and
  standardized; the problem is softmax regression with an L2 penalty, f(W, b) = CE(XW + b, y) + ½ λ (‖W‖² + ‖b‖²), λ = 1e-3,
  170 parameters, float64: strictly convex, so f* is unique; f* is taken from Newton run until f stops changing
  (|Δf| < 1e-14, at most 12 iterations).
- arms: gradient descent, heavy-ball momentum (ρ = 0.9), L-BFGS (this package's, history 10, no line search, one
  iteration per step) and Newton (this package's, lr 1: Newton's step has no learning rate), all from W = 0.
- tuning: GD's lr on 0.3..30 and momentum's on 0.1..10 (log-spaced, 2 points per decade; 1 at smoke size), L-BFGS's on
  {0.3, 0.5, 1} (1 is the quasi-Newton step), by the iterations to the target on a tuning seed never reported;
  the best must be interior (the report says when it is not). Newton is not tuned.
- seeds: 1 tuning seed; reported seeds 1 (smoke), 3 (quick), 5 (full).
- metric: iterations until f − f* <= 1e-6 (f₀ − f*) (1e-3 at smoke size), at most 2,000 for the first-order
  methods, 200 for L-BFGS and 30 for Newton (a run that never gets there is censored at the cap); wall-clock beside,
  never in the verdict (a Newton iteration costs an O(n³) solve).
- decision, each part judged on its own and combined: the per-seed log-ratio of the better first-order method's
  iterations to L-BFGS's (``paired_ratio``, 95 % t interval) against a claimed 3x, and to Newton's against 10x.
  A censored first-order run only makes its ratio a lower bound; a censored L-BFGS or Newton run makes the run
  too short to decide.

second-order-ill-conditioned (:func:`run_ill_conditioned`), the same claim on a problem of another character
(design fixed before its first run, added in session 4; everything not listed is as above):
- data: generated per seed (no download), n = 1,000 samples (300 at smoke size), d = 20 features
  x_j ~ N(0, s_j²) with scales s_j = 10^(−2j/19) from 1 down to 0.01 (curvatures spread over 10⁴), labels
  y ~ Bernoulli(σ(Σ_j z_j x_j / s_j)) with z ~ N(0, I) (every direction matters); the problem is two-class
  softmax (logistic) regression with λ = 1e-4, 42 parameters, float64: strictly convex, but its Hessian's
  condition number is in the thousands (the digits problem's is far smaller), the regime where first-order
  methods crawl along the flat directions and curvature information pays most.
- arms, grids, caps, seeds, target and decision: as above (the same claimed 3x and 10x).
"""

from __future__ import annotations

import math
import time

import torch

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.optim_common import fmt, log_grid, pyplot
from reproductions.experiments.threads import one_thread
from reproductions.optimizers import LBFGS, SGD, Momentum, Newton
from reproductions.verdicts import combine, mean_interval, paired_ratio, short_run, split_seeds

LAMBDA = 1e-3
ARMS = ("gd", "momentum", "lbfgs", "newton")
LABELS = {"gd": "gradient descent", "momentum": "momentum 0.9", "lbfgs": "L-BFGS (m=10)", "newton": "Newton"}
COLORS = {"gd": "tab:blue", "momentum": "tab:orange", "lbfgs": "tab:green", "newton": "tab:red"}


def problem(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(2000 + seed))[:n]
    x = torch.tensor(x, dtype=torch.float64)[perm].view(-1, 1, 8, 8)
    x = torch.nn.functional.avg_pool2d(x, 2).flatten(1)  # 4x4 = 16 features
    x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    return x, torch.tensor(y, dtype=torch.long)[perm]


def ill_conditioned(seed: int, n: int, d: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    """Generated two-class data whose feature scales s_j = 10^(−2j/(d−1)) spread the curvatures over 10⁴."""
    g = torch.Generator().manual_seed(3000 + seed)
    scales = 10.0 ** (-2.0 * torch.arange(d, dtype=torch.float64) / (d - 1))
    x = torch.randn(n, d, generator=g, dtype=torch.float64) * scales
    z = torch.randn(d, generator=g, dtype=torch.float64)
    # y ~ Bernoulli(σ(Σ_j z_j x_j / s_j))
    p = torch.sigmoid(x @ (z / scales))
    y = (torch.rand(n, generator=g, dtype=torch.float64) < p).long()
    return x, y


# name -> (data(seed, n), λ, classes, description)
PROBLEMS = {
    "digits": (
        problem,
        LAMBDA,
        10,
        f"softmax regression, digits 4x4 pooled, 1000 samples, λ = {LAMBDA:g}, 170 parameters, float64",
    ),
    "ill-conditioned": (
        ill_conditioned,
        1e-4,
        2,
        "two-class softmax regression on generated data, feature scales 1..0.01, 1000 samples, λ = 0.0001, 42 parameters, float64",
    ),
}


def objective(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor, lam: float = LAMBDA) -> torch.Tensor:
    # f(W, b) = CE(XW + b, y) + ½ λ (‖W‖² + ‖b‖²)   (b too: softmax is blind to a shift of every logit)
    return torch.nn.functional.cross_entropy(x @ w + b, y) + 0.5 * lam * ((w * w).sum() + (b * b).sum())


def run_arm(
    arm: str,
    x,
    y,
    lr: float,
    steps: int,
    fs: float | None = None,
    rel_stop: float = 1e-13,
    lam: float = LAMBDA,
    classes: int = 10,
) -> tuple[list[float], float]:
    """f at every iteration (up to steps + 1 values; a diverged run ends with inf) and the seconds it took.

    A run stops early once f − f* <= rel_stop (f₀ − f*) when ``fs`` is given (the target, or rounding), else when f
    stops changing (|Δf| < 1e-15)."""
    w = torch.zeros(x.shape[1], classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    if arm == "gd":
        opt: torch.optim.Optimizer = SGD([w, b], lr=lr)
    elif arm == "momentum":
        opt = Momentum([w, b], lr=lr, rho=0.9)
    elif arm == "lbfgs":
        opt = LBFGS([w, b], lr=lr, max_iter=1, history_size=10, tolerance_grad=0.0, tolerance_change=0.0)
    else:
        opt = Newton([w, b], lr=1.0)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = objective(x, y, w, b, lam)
        if arm != "newton":  # Newton differentiates the closure's loss itself
            loss.backward()
        return loss

    start = time.perf_counter()
    losses = []
    for _ in range(steps):
        loss = float(opt.step(closure).detach()) if arm in ("lbfgs", "newton") else float(closure().detach())
        if arm not in ("lbfgs", "newton"):
            opt.step()
        losses.append(loss)
        if not math.isfinite(loss):
            break
        if fs is not None and loss - fs <= rel_stop * (losses[0] - fs):
            break
        if fs is None and len(losses) > 1 and abs(losses[-1] - losses[-2]) < 1e-14:
            break
    with torch.no_grad():
        losses.append(float(objective(x, y, w, b, lam)))
    if not math.isfinite(losses[-1]):
        losses[-1] = math.inf
    return losses, time.perf_counter() - start


def f_star(x, y, lam: float = LAMBDA, classes: int = 10) -> float:
    losses, _ = run_arm("newton", x, y, 1.0, 12, lam=lam, classes=classes)  # quadratic convergence: about 8 iterations to rounding
    return min(losses)


def iterations_to(losses: list[float], f0: float, fs: float, rel: float, cap: int) -> float:
    """First iteration with f − f* <= rel (f₀ − f*), or ``cap`` (censored) when it never gets there."""
    target = rel * (f0 - fs)
    for t, f in enumerate(losses):
        if f - fs <= target:
            return float(max(t, 1))
    return float(cap)


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    return _run(ctx, "digits")


@one_thread(flush_denormal=True)
def run_ill_conditioned(ctx: RunContext) -> Result:
    return _run(ctx, "ill-conditioned")


def _run(ctx: RunContext, problem_name: str) -> Result:
    data, lam, classes, description = PROBLEMS[problem_name]
    start = time.perf_counter()
    plt = pyplot()
    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds, tune_seed = list(split.report), split.tune[0]
    rel = 1e-3 if ctx.smoke else 1e-6
    caps = {"gd": 300, "momentum": 300, "lbfgs": 60, "newton": 10} if ctx.smoke else {"gd": 2000, "momentum": 2000, "lbfgs": 200, "newton": 30}
    grids = {
        "gd": log_grid(0.3, 10.0, 1) if ctx.smoke else log_grid(0.3, 30.0, 2),
        "momentum": log_grid(0.1, 3.0, 1) if ctx.smoke else log_grid(0.1, 10.0, 2),
        "lbfgs": [0.3, 0.5, 1.0],
    }

    # ---- tuning, on a seed that is never reported
    ctx.report("tuning", 0.0)
    n = 300 if ctx.smoke else 1000
    x, y = data(tune_seed, n)
    fs = f_star(x, y, lam, classes)
    lr: dict[str, float] = {"newton": 1.0}
    tuning: dict[str, dict[float, float]] = {}
    for arm, grid in grids.items():
        scores = {}
        for value in grid:
            losses, _ = run_arm(arm, x, y, value, caps[arm], fs, rel, lam, classes)
            scores[value] = iterations_to(losses, losses[0], fs, rel, caps[arm])
            if not math.isfinite(losses[-1]):
                scores[value] = math.inf
        tuning[arm] = scores
        best = min(scores.values())
        tied = [v for v in grid if scores[v] == best]
        lr[arm] = tied[len(tied) // 2]  # ties towards the middle of the tied run
    edges = [arm for arm, g in grids.items() if lr[arm] in (g[0], g[-1]) and arm != "lbfgs"]
    # L-BFGS's grid ends at 1 by design (the quasi-Newton step); reaching it there is expected, not an edge problem

    # ---- reported seeds
    iters: dict[str, list[float]] = {a: [] for a in ARMS}
    seconds: dict[str, list[float]] = {a: [] for a in ARMS}
    curves: dict[str, list[list[float]]] = {a: [] for a in ARMS}
    for i, s in enumerate(seeds):
        ctx.report(f"seed {s}", 0.3 + 0.7 * i / len(seeds))
        x, y = data(s, n)
        fs = f_star(x, y, lam, classes)
        for arm in ARMS:
            # first-order runs stop at the target; L-BFGS and Newton run on to rounding (their fast final phase)
            losses, sec = run_arm(arm, x, y, lr[arm], caps[arm], fs, rel if arm in ("gd", "momentum") else 1e-13, lam, classes)
            iters[arm].append(iterations_to(losses, losses[0], fs, rel, caps[arm]))
            seconds[arm].append(sec)
            curves[arm].append([max(f - fs, 1e-16) for f in losses])

    first = [min(g, m) for g, m in zip(iters["gd"], iters["momentum"], strict=True)]
    censored = [a for a in ("lbfgs", "newton") if any(v >= caps[a] for v in iters[a])]
    short = short_run(ctx.mode) or (f"{', '.join(censored)} did not reach the target within its cap" if censored else None)
    parts = [
        paired_ratio(first, iters["lbfgs"], min_ratio=3.0, label="better first-order / L-BFGS iterations", too_short=short),
        paired_ratio(first, iters["newton"], min_ratio=10.0, label="better first-order / Newton iterations", too_short=short),
    ]
    judgement = combine(parts)
    mean = lambda v: sum(v) / len(v)  # noqa: E731
    measured = (
        f"iterations to f − f* <= {rel:g}(f₀ − f*): "
        + ", ".join(f"{LABELS[a]} {fmt(mean(iters[a]))}" for a in ARMS)
        + "; seconds: "
        + ", ".join(f"{LABELS[a]} {mean(seconds[a]):.2g}" for a in ARMS)
    )
    censored_first = [a for a in ("gd", "momentum") if any(v >= caps[a] for v in iters[a])]
    reason = (
        f"{measured}. "
        + judgement.reason
        + (f" {', '.join(censored_first)} hit the cap on some seeds: those ratios are lower bounds." if censored_first else "")
        + (f" Best lr at a grid edge for {', '.join(edges)}." if edges else "")
    )

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for arm in ARMS:
        common = min(len(c) for c in curves[arm])  # runs stop at the target (or rounding): their common prefix
        runs = [c[:common] for c in curves[arm]]
        mean_band(ax1, range(common), runs, label=f"{LABELS[arm]} (lr {lr[arm]:g})", color=COLORS[arm], log=True)
    ax1.axhline(rel * mean([c[0] for c in curves["gd"]]), color="black", ls=":", lw=1, label="target (mean f₀ − f*)")
    ax1.set_xscale("symlog", linthresh=10)
    ax1.set_xlim(left=0)
    ax1.set_yscale("log")
    ax1.set_xlabel("iteration")
    ax1.set_ylabel("f − f*")
    ax1.set_title("geometric mean over seeds, 95 % band, up to the first seed's stop", fontsize=9)
    ax1.legend(fontsize=7)
    centre, lo_err, hi_err = [], [], []
    for arm in ARMS:
        m, lo, hi = mean_interval([math.log(v) for v in iters[arm]])
        centre.append(math.exp(m))
        lo_err.append(math.exp(m) - math.exp(lo) if math.isfinite(lo) else 0.0)
        hi_err.append(math.exp(hi) - math.exp(m) if math.isfinite(hi) else 0.0)
    xs = list(range(len(ARMS)))
    ax2.bar(xs, centre, color=[COLORS[a] for a in ARMS], alpha=0.8)
    ax2.errorbar(xs, centre, yerr=[lo_err, hi_err], fmt="none", ecolor="black", capsize=5)
    for k, arm in enumerate(ARMS):
        ax2.plot([k] * len(iters[arm]), iters[arm], "k.", alpha=0.6)
    ax2.set_xticks(xs, [LABELS[a] for a in ARMS], fontsize=8)
    ax2.set_yscale("log")
    ax2.set_ylabel(f"iterations to {rel:g} of the initial gap")
    ax2.set_title("geometric mean, 95 % interval, dots = seeds", fontsize=9)
    figure = savefig(fig, ctx.out_dir, "second_order.png" if problem_name == "digits" else f"second_order_{problem_name}.png")
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="qualitative: Newton converges quadratically near the minimum and L-BFGS superlinearly in "
        "practice, first-order methods linearly at a rate set by the condition number",
        measured=measured,
        metrics=[Metric(f"iterations [{LABELS[a]}]", iters[a], "iterations") for a in ARMS] + [Metric(f"seconds [{LABELS[a]}]", seconds[a], "s") for a in ARMS],
        table=[
            {
                "method": LABELS[a],
                "lr": lr[a],
                "iterations": fmt(mean(iters[a])),
                "seconds": f"{mean(seconds[a]):.3g}",
                "cap": caps[a],
            }
            for a in ARMS
        ],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seed": tune_seed,
            "problem": description,
            "target_relative_gap": rel,
            "caps": caps,
            "lr": lr,
            "lr_tuning": {a: {str(k): v for k, v in t.items()} for a, t in tuning.items()},
            "lr_at_edge": edges,
            "init": "W = 0, b = 0",
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )
