"""sgd-problems: the lecture's "problems with SGD" on 2-D test functions, with all six optimizers.

cs231n "Training Neural Networks 2"; Goodfellow, Bengio & Courville, *Deep Learning* (2016), ch. 8.2
(ill-conditioning, local minima, saddle points) and 8.3 (SGD's gradient noise), 8.3.2 (momentum).

Four problems, each a 2-D function with several starting points (jittered by the seed):

1. ill-conditioned quadratic f = ½(λ₁x² + λ₂y²), condition number κ = λ₂/λ₁: steps to cut the loss 10⁴-fold.
   Claim: GD's step count grows like κ (it must keep lr < 2/λ₂ and then crawls along x); momentum's like √κ.
2. saddle f = ½x² − ½b y² + ¼y⁴, started next to the saddle (0, 0): steps to get half-way down to the minimum.
   Claim: the gradient vanishes near a saddle, so SGD lingers; momentum and the adaptive methods leave faster.
3. noisy gradients: f = ½(x² + 5y²) with N(0, σ²) gradient noise. Claim: with a constant learning rate SGD does
   not converge but bounces at a loss floor that grows with lr (theory: E f ≈ lr σ²/2 for small lr, slope 1 in log-log).
4. local minimum: a tilted double well f = x⁴/4 − x²/2 + 0.1x + y², started in the shallow (local) basin.
   Claim: the gradient is zero at a local minimum, so SGD stays there; momentum's velocity can carry it through.

Each optimizer's learning rate is tuned per problem on a log grid whose best value must be interior.

Decision (fixed before the run), each sub-claim on its own (``combine``): ill-conditioning, the per-seed
log-ratio SGD / momentum steps above 1; saddle, SGD / the fastest other above 1 (``paired_ratio``); noise floor,
the per-seed slope of log floor on log lr equivalent to 1 within ±0.25 (``equivalence``); local minimum, the
per-seed fraction of starts ending in the global basin higher with momentum than with SGD
(``paired_difference``). Learning rates are tuned on starts of a seed that is never reported.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.optim_common import (
    COLORS,
    LABELS,
    NAMES,
    Tuning,
    fmt,
    log_grid,
    make_optimizer,
    pyplot,
    tune_lr,
)
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import combine, equivalence, paired_difference, paired_ratio, short_run

KAPPA = 200.0
SADDLE_B = 0.01
NOISE_SIGMA = 1.0


def quadratic(p: torch.Tensor) -> torch.Tensor:
    # f = ½(λ₁ x² + λ₂ y²), λ₁ = 1/κ, λ₂ = 1
    return 0.5 * (p[..., 0] ** 2 / KAPPA + p[..., 1] ** 2)


def saddle(p: torch.Tensor) -> torch.Tensor:
    # f = ½x² − ½ b y² + ¼ y⁴: a saddle at 0, minima at (0, ±√b) with f* = −b²/4
    return 0.5 * p[..., 0] ** 2 - 0.5 * SADDLE_B * p[..., 1] ** 2 + 0.25 * p[..., 1] ** 4


def noisy_bowl(p: torch.Tensor) -> torch.Tensor:
    # f = ½(x² + 5 y²)
    return 0.5 * (p[..., 0] ** 2 + 5.0 * p[..., 1] ** 2)


def double_well(p: torch.Tensor) -> torch.Tensor:
    # f = x⁴/4 − x²/2 + 0.1 x + y²: global minimum near x = −1.05, local near x = +0.95, barrier near x = 0.1
    x, y = p[..., 0], p[..., 1]
    return 0.25 * x**4 - 0.5 * x**2 + 0.1 * x + y**2


_QUAD_SCALE = torch.tensor([1.0 / KAPPA, 1.0], dtype=torch.float64)
_BOWL_SCALE = torch.tensor([1.0, 5.0], dtype=torch.float64)


def grad_quadratic(p: torch.Tensor) -> torch.Tensor:
    # ∇f = (λ₁ x, λ₂ y)
    return p * _QUAD_SCALE.to(p.dtype)


def grad_saddle(p: torch.Tensor) -> torch.Tensor:
    # ∇f = (x, −b y + y³)
    return torch.stack([p[..., 0], -SADDLE_B * p[..., 1] + p[..., 1] ** 3], -1)


def grad_noisy_bowl(p: torch.Tensor) -> torch.Tensor:
    # ∇f = (x, 5 y)
    return p * _BOWL_SCALE.to(p.dtype)


def grad_double_well(p: torch.Tensor) -> torch.Tensor:
    # ∇f = (x³ − x + 0.1, 2 y)
    x, y = p[..., 0], p[..., 1]
    return torch.stack([x**3 - x + 0.1, 2.0 * y], -1)


GRADS = {quadratic: grad_quadratic, saddle: grad_saddle, noisy_bowl: grad_noisy_bowl, double_well: grad_double_well}
F_STAR = {quadratic: 0.0, saddle: -(SADDLE_B**2) / 4, noisy_bowl: 0.0, double_well: None}
SADDLE_GAP = SADDLE_B**2 / 8  # half-way from the saddle's 0 down to f* = −b²/4
WELL_BARRIER = 0.1002  # the root of f'(x) = x³ − x + 0.1 between the two wells


def run_batch(
    name: str,
    f: Callable[[torch.Tensor], torch.Tensor],
    lrs: list[float],
    x0: torch.Tensor,
    steps: int,
    noise: float = 0.0,
    gen: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run optimizer ``name`` from every start in ``x0`` (N, 2), one parameter group per lr.

    The gradient is the analytic one (plus N(0, noise²) per coordinate when ``noise``), written into
    ``p.grad``: these 2-D problems need no autograd, and skipping it keeps the grid search fast.
    Returns trajectories (steps+1, n_lr, N, 2) and losses (steps+1, n_lr, N)."""
    grad_f = GRADS[f]
    traj = x0.expand(steps + 1, len(lrs), *x0.shape).clone()  # traj[t, i] is group i's iterate at step t
    params = list(traj[0].clone())
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=False)]
    opt = make_optimizer(name, groups, lr=lrs[0])
    for t in range(1, steps + 1):
        grads = grad_f(torch.stack(params))
        if noise:
            grads.add_(torch.randn(grads.shape, generator=gen, dtype=grads.dtype), alpha=noise)
        for p, g in zip(params, grads, strict=False):
            p.grad = g
        opt.step()
        traj[t] = torch.stack(params)
    with torch.no_grad():
        loss = f(traj)
    return traj, loss


def steps_to(gap: torch.Tensor, target: float) -> torch.Tensor:
    """First step at which the optimality gap f − f* <= target, per (lr, start). A run that never gets there
    scores (steps + 1)(1 + log10(final gap / target)), so that the grid search can still rank such runs;
    a diverged run scores inf."""
    below = gap <= target
    steps = gap.shape[0] - 1
    final = gap[-1].clamp_min(target)
    never = (steps + 1) * (1.0 + torch.log10(final / target))
    first = torch.where(below.any(0), below.to(gap.dtype).argmax(0), never)
    first[~torch.isfinite(gap).all(0)] = math.inf
    return first


def score(prob: str, f, loss: torch.Tensor, f0: torch.Tensor) -> torch.Tensor:
    """Per (lr, start), lower is better: quadratic and saddle, steps to the target; noise, the mean loss over
    the second half; well, the final loss."""
    if prob == "quadratic":
        return steps_to(loss / f0, 1e-4)
    if prob == "saddle":
        return steps_to(loss - F_STAR[f], SADDLE_GAP)
    tail = loss[loss.shape[0] // 2 :] if prob == "noise" else loss[-1:]
    out = tail.mean(0)
    out[~torch.isfinite(loss).all(0)] = math.inf
    return out


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    start = time.perf_counter()
    plt = pyplot()
    seeds = ctx.seeds(smoke=1, quick=3, full=5)
    n_starts = 4 if ctx.smoke else 8
    steps = (
        {"quadratic": 150, "saddle": 150, "noise": 100, "well": 100}
        if ctx.smoke
        else {"quadratic": 700, "saddle": 600, "noise": 300, "well": 300}
    )
    floor_steps = 300 if ctx.smoke else 1500
    floor_lrs = [0.005, 0.01, 0.02, 0.04, 0.08]
    dtype = torch.float64  # 2-D problems: float64 keeps the saddle's tiny gradients exact
    pd = 1 if ctx.smoke else 2  # grid points per decade
    grids = {
        "quadratic": {
            "sgd": log_grid(0.1, 3.0, 2 * pd),
            "momentum": log_grid(0.03, 3.0, pd),
            "nesterov": log_grid(0.03, 3.0, pd),
            "adagrad": log_grid(0.3, 30.0, pd),
            "rmsprop": log_grid(0.003, 1.0, pd),
            "adam": log_grid(0.03, 3.0, pd),
        },
        "saddle": {
            "sgd": log_grid(0.1, 3.0, 2 * pd),
            "momentum": log_grid(0.1, 3.0, pd),
            "nesterov": log_grid(0.1, 3.0, pd),
            "adagrad": log_grid(0.03, 1.0, pd),
            "rmsprop": log_grid(0.01, 0.3, pd),
            "adam": log_grid(0.01, 0.3, pd),
        },
        "noise": {
            **{n: log_grid(0.001, 0.1, pd) for n in NAMES},
            "sgd": log_grid(0.01, 0.3, pd),
            "adagrad": log_grid(0.03, 3.0, pd),
        },
        "well": {
            "sgd": log_grid(0.01, 1.0, pd),
            "momentum": log_grid(0.003, 0.3, pd),
            "nesterov": log_grid(0.003, 0.3, pd),
            "adagrad": log_grid(0.03, 3.0, pd),
            "rmsprop": log_grid(0.003, 0.3, pd),
            "adam": log_grid(0.003, 0.3, pd),
        },
    }

    def starts(prob: str, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        jitter = 0.05 * torch.randn(n_starts, 2, generator=gen, dtype=dtype)
        if prob == "quadratic":
            return torch.tensor([-14.0, 1.0], dtype=dtype) * (1 + jitter)
        if prob == "saddle":
            return torch.tensor([1.0, 1e-4], dtype=dtype) * (1 + jitter.abs())
        if prob == "noise":
            return torch.tensor([-4.0, 1.5], dtype=dtype) * (1 + jitter)
        xs = torch.linspace(0.35, 1.9, n_starts, dtype=dtype)  # the local (right) basin, barrier at x ≈ 0.1
        return torch.stack([xs, torch.full_like(xs, 0.8)], 1) + 0.4 * jitter

    problems = {"quadratic": quadratic, "saddle": saddle, "noise": noisy_bowl, "well": double_well}
    tunings: dict[str, dict[str, Tuning]] = {p: {} for p in problems}
    shown: dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]] = {p: {} for p in problems}
    per_seed: dict[str, dict[str, list[float]]] = {p: {} for p in problems}  # problem -> optimizer -> value per seed
    for k, (prob, f) in enumerate(problems.items()):
        ctx.report(f"{prob}: tuning and running six optimizers", k / 5)
        noise = NOISE_SIGMA if prob == "noise" else 0.0
        # tune on starts of a seed that is never reported
        x0 = starts(prob, seeds[0] + 10_000)
        f0 = f(x0)
        for name in NAMES:

            def evaluate(lrs: list[float], name: str = name) -> list[float]:
                _, loss = run_batch(name, f, lrs, x0, steps[prob], noise, torch.Generator().manual_seed(seeds[0] + 7))  # noqa: B023
                return [float(v) for v in score(prob, f, loss, f0).mean(-1)]  # noqa: B023

            grid = grids[prob][name]
            cache = dict(zip(grid, evaluate(grid), strict=False))
            tunings[prob][name] = tune_lr(lambda lr: cache[lr] if lr in cache else evaluate([lr])[0], grid)  # noqa: B023
        # every seed at the tuned lr, all seeds' starts in one batch (the updates are per coordinate)
        x_all = torch.cat([starts(prob, s) for s in seeds])
        f0_all = f(x_all)
        for name in NAMES:
            traj, loss = run_batch(
                name,
                f,
                [tunings[prob][name].best],
                x_all,
                steps[prob],
                noise,
                torch.Generator().manual_seed(seeds[0] + 13),
            )
            shown[prob][name] = (traj[:, 0], loss[:, 0])  # every seed's starts: the figures show them all
            if prob == "well":  # fraction of starts that end in the global (left) basin
                value = (traj[-1, 0, :, 0] < WELL_BARRIER).to(dtype)
            else:
                value = score(prob, f, loss, f0_all)[0]
            per_seed[prob][name] = [float(v.mean()) for v in value.split(n_starts)]

    # SGD's noise floor against lr: many chains started at the minimum, mean loss over the second half
    ctx.report("noise floor", 0.8)
    n_chains = 32 if ctx.smoke else 128
    chains = torch.zeros(n_chains * len(seeds), 2, dtype=dtype)  # every seed's chains in one batch
    design = torch.stack([torch.log(torch.tensor(floor_lrs, dtype=dtype)), torch.ones(len(floor_lrs), dtype=dtype)], 1)
    _, loss = run_batch(
        "sgd", noisy_bowl, floor_lrs, chains, floor_steps, NOISE_SIGMA, torch.Generator().manual_seed(seeds[0] + 11)
    )
    slopes, floors_per_seed = [], []
    for part in loss[floor_steps // 2 :].split(n_chains, dim=2):
        floors = part.mean((0, 2))
        slopes.append(float(torch.linalg.lstsq(design, torch.log(floors)[:, None]).solution[0, 0]))
        floors_per_seed.append([float(v) for v in floors])

    quad_ratio = [a / b for a, b in zip(per_seed["quadratic"]["sgd"], per_seed["quadratic"]["momentum"], strict=False)]
    saddle_other = [min(per_seed["saddle"][n][i] for n in NAMES if n != "sgd") for i in range(len(seeds))]
    saddle_ratio = [a / b for a, b in zip(per_seed["saddle"]["sgd"], saddle_other, strict=False)]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    q, sr, slope = mean(quad_ratio), mean(saddle_ratio), mean(slopes)
    well_sgd, well_mom = mean(per_seed["well"]["sgd"]), mean(per_seed["well"]["momentum"])
    # four sub-claims, each judged on its own (thresholds fixed here, before the run)
    short = short_run(ctx.mode)
    parts = [
        paired_ratio(
            per_seed["quadratic"]["sgd"],
            per_seed["quadratic"]["momentum"],
            label="ill-conditioning: SGD / momentum steps",
            too_short=short,
        ),
        paired_ratio(
            per_seed["saddle"]["sgd"], saddle_other, label="saddle: SGD / fastest other steps", too_short=short
        ),
        equivalence(slopes, [1.0] * len(slopes), margin=0.25, label="noise floor ∝ lr: slope vs 1", too_short=short),
        paired_difference(
            per_seed["well"]["sgd"],
            per_seed["well"]["momentum"],
            direction="higher",
            label="local minimum: momentum − SGD fraction in the global basin",
            too_short=short,
        ),
    ]
    judgement = combine(parts)
    measured = (
        f"κ={KAPPA:g} quadratic: SGD needs {fmt(q)}x the steps of momentum (√κ = {math.sqrt(KAPPA):.3g}); saddle: SGD "
        f"needs {fmt(sr)}x the steps of the fastest other; constant-lr SGD's loss floor ∝ lr^{fmt(slope)}; local "
        f"minimum: {well_sgd:.0%} of SGD runs vs {well_mom:.0%} of momentum runs end in the global basin"
    )
    edges = [f"{p}/{LABELS[n]}" for p, ts in tunings.items() for n, t in ts.items() if not t.interior]
    reason = (
        f"{measured}. " + judgement.reason + (f" Best lr still at a grid edge for {', '.join(edges)}." if edges else "")
    )
    figures = _figures(plt, ctx, shown, tunings, floor_lrs, floors_per_seed, n_starts)
    table = [
        {
            "optimizer": LABELS[n],
            "quadratic steps": fmt(mean(per_seed["quadratic"][n])),
            "saddle steps": fmt(mean(per_seed["saddle"][n])),
            "noise: late loss": fmt(mean(per_seed["noise"][n])),
            "well: global basin": f"{mean(per_seed['well'][n]):.0%}",
            **{f"lr {p}": fmt(tunings[p][n].best, 2) for p in problems},
        }
        for n in NAMES
    ]
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="cs231n / Goodfellow et al. ch. 8: GD's iterations grow like κ, momentum's like √κ; SGD "
        "stalls near "
        "saddles and in local minima; with noisy gradients and a constant lr SGD does not converge",
        measured=measured,
        metrics=[
            # a run that misses the target within the budget scores past it: (steps + 1)(1 + log10(gap / target))
            Metric("quadratic: SGD steps to 1e-4 f0", per_seed["quadratic"]["sgd"], "steps"),
            Metric("quadratic: momentum steps to 1e-4 f0", per_seed["quadratic"]["momentum"], "steps"),
            Metric("quadratic: SGD / momentum steps", quad_ratio, "x"),
            Metric("saddle: SGD steps to escape", per_seed["saddle"]["sgd"], "steps"),
            Metric("saddle: fastest other optimizer's steps", saddle_other, "steps"),
            Metric("saddle: SGD / fastest other steps", saddle_ratio, "x"),
            Metric("noise: slope of log loss floor vs log lr (SGD)", slopes),
            Metric("local minimum: SGD fraction in global basin", per_seed["well"]["sgd"]),
            Metric("local minimum: momentum fraction in global basin", per_seed["well"]["momentum"]),
        ],
        table=table,
        figures=figures,
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "starts_per_problem": n_starts,
            "steps": steps,
            "condition_number": KAPPA,
            "saddle_b": SADDLE_B,
            "noise_sigma": NOISE_SIGMA,
            "noise_floor_lrs": floor_lrs,
            "noise_floor_steps": floor_steps,
            "noise_floor_per_seed": floors_per_seed,
            "init": "fixed starting points, jittered per seed (no network weights)",
            "lr_tuning": {p: {n: t.record() for n, t in ts.items()} for p, ts in tunings.items()},
            "lr_tuning_on": "the first seed's starts; all seeds then run at the tuned lr",
            "tuning_scores": "quadratic: steps to loss <= 1e-4 f0; saddle: steps to f − f* <= b²/8; noise: mean loss over the 2nd half; well: final loss",
            "fixed_hyperparameters": "momentum 0.9, RMSProp decay 0.9, Adam betas (0.9, 0.999)",
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )


def _figures(plt, ctx, shown, tunings, floor_lrs, floors_per_seed, n_starts) -> list:
    """Trajectories: the same start of every seed (one thin line per seed, so the spread shows); losses: the
    mean over seeds (each seed the mean of its starts) with its 95 % band; the noise floor: the mean over seeds
    with its band."""
    out = []
    specs = {
        "quadratic": (quadratic, (-16, 4), (-2.5, 2.5), f"ill-conditioned quadratic, κ = {KAPPA:g}"),
        "saddle": (saddle, (-1.2, 1.2), (-0.3, 0.3), f"saddle ½x² − ½{SADDLE_B:g}y² + ¼y⁴"),
        "noise": (noisy_bowl, (-5, 1.5), (-2.5, 2.5), f"noisy gradients (σ = {NOISE_SIGMA:g})"),
        "well": (double_well, (-1.8, 2.1), (-1.0, 1.0), "local minimum (tilted double well)"),
    }
    n_show = {"quadratic": 0, "saddle": 0, "noise": 0, "well": n_starts - 1}  # which start (well: the rightmost)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for ax, (prob, (f, xr, yr, title)) in zip(axes.flat, specs.items(), strict=False):
        xs = torch.linspace(*xr, 200, dtype=torch.float64)
        ys = torch.linspace(*yr, 200, dtype=torch.float64)
        gx, gy = torch.meshgrid(xs, ys, indexing="xy")
        z = f(torch.stack([gx, gy], -1))
        levels = 30 if prob != "saddle" else 40
        ax.contour(gx.numpy(), gy.numpy(), z.numpy(), levels=levels, cmap="Greys", linewidths=0.6)
        for name in NAMES:
            traj, _ = shown[prob][name]
            n_seeds = traj.shape[1] // n_starts
            for k in range(n_seeds):  # the chosen start of every seed (each seed jitters it)
                path = traj[:, k * n_starts + n_show[prob]].numpy()
                label = f"{LABELS[name]} (lr {fmt(tunings[prob][name].best, 2)}, {n_seeds} seeds)" if k == 0 else None
                ax.plot(path[:, 0], path[:, 1], "-", color=COLORS[name], lw=1.0, alpha=0.6, label=label)
                ax.plot(path[0, 0], path[0, 1], "o", color="black", ms=3)
        ax.set_xlim(*xr)
        ax.set_ylim(*yr)
        ax.set_title(title)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Problems with SGD: trajectories of the six optimizers at their tuned learning rates (every seed)")
    path = savefig(fig, ctx.out_dir, "sgd_problems_trajectories.png", dpi=90)
    out.append(path)

    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
    for ax, prob in zip(axes[:3], ("quadratic", "saddle", "well"), strict=False):
        for name in NAMES:
            _, loss = shown[prob][name]
            if prob == "saddle":
                loss = loss - F_STAR[saddle]
            # seeds × steps: each seed's curve is the mean over its starts
            runs = loss.reshape(loss.shape[0], -1, n_starts).mean(-1).T.numpy()
            if prob != "well":  # a gap at (or, by rounding, below) 0 would break the log band: floor it at 1e-12
                runs = runs.clip(1e-12, None)
            mean_band(ax, range(runs.shape[1]), runs, label=LABELS[name], color=COLORS[name], log=prob != "well")
        if prob != "well":  # the double well's loss goes below 0: a linear axis
            ax.set_yscale("log")
        else:
            ax.set_ylim(-0.4, 1.5)  # the first steps from y = 0.8 would flatten the rest
        ax.set_xlabel("step")
        ax.set_title(
            {"quadratic": "quadratic: loss", "saddle": "saddle: f − f*", "well": "double well: loss (mean of starts)"}[
                prob
            ]
        )
    axes[0].legend(fontsize=7)
    fig.suptitle("mean over seeds (each seed the mean of its starts) with the 95 % interval of the mean as a band")
    ax = axes[3]
    mean_band(ax, floor_lrs, floors_per_seed, label="SGD, measured", color=COLORS["sgd"], log=True, marker="o")
    ax.plot(floor_lrs, [lr * NOISE_SIGMA**2 / 2 for lr in floor_lrs], "--", color="grey", label="lr σ²/2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_title("noisy gradients: SGD's loss floor")
    ax.legend(fontsize=7)
    path = savefig(fig, ctx.out_dir, "sgd_problems_losses.png", dpi=90)
    out.append(path)
    return out
