"""nesterov-lookahead (a check): the lecture's momentum vs Nesterov picture, computed by this package's optimizers.

cs231n "Training Neural Networks 2" draws two vector sums at a point θ with velocity v (Sutskever et al. 2013,
Section 3, Figure 1; their eq. 1-4, learning rate inside the velocity)::

    momentum:  θ_{t+1} = θ_t + μ v_t − ε ∇f(θ_t)          (momentum step + gradient step at θ)
    Nesterov:  θ_{t+1} = θ_t + μ v_t − ε ∇f(θ_t + μ v_t)  (momentum step + gradient step at the look-ahead)

and the change of variables x̃ = θ + μ v that lets an ordinary gradient at the parameters drive Nesterov's step
(torch's ``SGD(nesterov=True)``). These are identities of the update rules, so this is a check, not a
reproduction: it is never counted in the reproduced rate.

Design (fixed before the run):
- data: per seed, a random convex quadratic f(θ) = ½ θᵀ A θ in 2-D (curvatures drawn from [0.5, 2] and [5, 20],
  rotated by a random angle) and one in 20-D (A = QᵀΛQ, Λ log-uniform on [0.01, 1]); random start.
- arms (float64): ``Momentum`` (lecture form, v ← ρ v + ∇f, θ ← θ − α v), ``Nesterov(form="sutskever")``,
  ``Nesterov(form="lecture")`` and ``torch.optim.SGD(momentum=μ, nesterov=True)``; μ = 0.9, ε = 0.05 (2-D) and
  0.5 (20-D), no tuning (identities hold at every lr).
- seeds: 2 (smoke), 5 (quick), 20 (full); every seed is reported (there is nothing to tune).
- metric: the largest absolute error over all seeds of (1) a momentum step against the picture's vector sum from
  the optimizer's own state after 10 warm-up steps, (2) the same for Nesterov with the gradient at the look-ahead,
  (3) the lecture form's x̃_t against θ_t + μ v_t of the Sutskever form over 200 steps, (4) the lecture form
  against torch's SGD(nesterov=True) over 200 steps (50 at smoke size).
- decision: ``verdicts.check`` with tolerance 1e-10 (float64 rounding over 200 steps is ~1e-14).

The figure draws the picture at seed 0's state (the arrows are the optimizers' own steps) and, descriptively,
f − f* of momentum and Nesterov at the same lr on the 2-D quadratics: the mean over seeds with its 95 % band.
"""

from __future__ import annotations

import math
import time

import torch

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.optim_common import pyplot
from reproductions.experiments.threads import one_thread
from reproductions.optimizers import Momentum, Nesterov
from reproductions.verdicts import check

MU = 0.9
TOL = 1e-10


def quadratic_2d(gen: torch.Generator) -> torch.Tensor:
    lam = torch.stack([0.5 + 1.5 * torch.rand((), generator=gen), 5 + 15 * torch.rand((), generator=gen)])
    angle = math.pi * float(torch.rand((), generator=gen))
    c, s = math.cos(angle), math.sin(angle)
    q = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    return q.T @ torch.diag(lam.double()) @ q


def quadratic_nd(gen: torch.Generator, n: int = 20) -> torch.Tensor:
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    lam = torch.logspace(-2, 0, n, dtype=torch.float64)
    return q.T @ torch.diag(lam) @ q


def _closure(opt: torch.optim.Optimizer, p: torch.Tensor, a: torch.Tensor):
    def closure() -> torch.Tensor:
        opt.zero_grad()
        # f(θ) = ½ θᵀ A θ
        loss = 0.5 * p @ a @ p
        loss.backward()
        return loss

    return closure


def one_step_errors(a: torch.Tensor, theta0: torch.Tensor, lr: float, warmup: int = 10) -> tuple[float, float, dict]:
    """After ``warmup`` steps, one more step of each optimizer against the picture's vector sum, from the
    optimizer's own (θ, v). Returns the two errors and the picture's vectors (Sutskever's convention)."""
    grad = lambda x: a @ x  # noqa: E731  ∇f(θ) = A θ

    p = theta0.clone().requires_grad_()
    opt = Momentum([p], lr=lr, rho=MU)
    for _ in range(warmup):
        opt.step(_closure(opt, p, a))
    theta, v_lecture = p.detach().clone(), opt.state[p]["velocity"].clone()
    v = -lr * v_lecture  # Sutskever's velocity v = −α v_lecture (learning rate inside)
    opt.step(_closure(opt, p, a))
    # θ_{t+1} = θ_t + μ v_t − ε ∇f(θ_t)
    picture_momentum = theta + MU * v - lr * grad(theta)
    err_momentum = float((p.detach() - picture_momentum).abs().max())

    p = theta0.clone().requires_grad_()
    opt = Nesterov([p], lr=lr, momentum=MU, form="sutskever")
    for _ in range(warmup):
        opt.step(_closure(opt, p, a))
    theta_n, v_n = p.detach().clone(), opt.state[p]["velocity"].clone()
    opt.step(_closure(opt, p, a))
    # θ_{t+1} = θ_t + μ v_t − ε ∇f(θ_t + μ v_t)
    picture_nesterov = theta_n + MU * v_n - lr * grad(theta_n + MU * v_n)
    err_nesterov = float((p.detach() - picture_nesterov).abs().max())
    vectors = {
        "theta": theta,
        "momentum step": MU * v,
        "gradient step": -lr * grad(theta),
        "lookahead gradient step": -lr * grad(theta + MU * v),
    }
    return err_momentum, err_nesterov, vectors


def trajectory_errors(a: torch.Tensor, theta0: torch.Tensor, lr: float, steps: int) -> tuple[float, float]:
    """(x̃_t − (θ_t + μ v_t), lecture form − torch's nesterov=True): the largest absolute error over ``steps``."""
    theta = theta0.clone().requires_grad_()
    lecture = theta0.clone().requires_grad_()
    ref = theta0.clone().requires_grad_()
    o_s = Nesterov([theta], lr=lr, momentum=MU, form="sutskever")
    o_l = Nesterov([lecture], lr=lr, momentum=MU, form="lecture")
    o_t = torch.optim.SGD([ref], lr=lr, momentum=MU, nesterov=True, foreach=False)
    err_forms = err_torch = 0.0
    for _ in range(steps):
        for opt, p in ((o_s, theta), (o_l, lecture), (o_t, ref)):
            opt.step(_closure(opt, p, a))
        # x̃_t = θ_t + μ v_t
        lookahead = theta.detach() + MU * o_s.state[theta]["velocity"]
        err_forms = max(err_forms, float((lecture.detach() - lookahead).abs().max()))
        err_torch = max(err_torch, float((lecture.detach() - ref.detach()).abs().max()))
    return err_forms, err_torch


def gaps(a: torch.Tensor, theta0: torch.Tensor, lr: float, steps: int) -> dict[str, list[float]]:
    """f − f* (f* = 0) per step of momentum and Nesterov (Sutskever form, where the parameters are θ)."""
    out: dict[str, list[float]] = {}
    for name in ("momentum", "nesterov"):
        p = theta0.clone().requires_grad_()
        opt = (
            Momentum([p], lr=lr, rho=MU) if name == "momentum" else Nesterov([p], lr=lr, momentum=MU, form="sutskever")
        )
        curve = [float(0.5 * theta0 @ a @ theta0)]
        for _ in range(steps):
            opt.step(_closure(opt, p, a))
            with torch.no_grad():
                curve.append(float(0.5 * p @ a @ p))
        out[name] = curve
    return out


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    start = time.perf_counter()
    plt = pyplot()
    seeds = ctx.seeds(smoke=2, quick=5, full=20)
    steps = 50 if ctx.smoke else 200
    errors: dict[str, list[float]] = {"momentum step": [], "nesterov step": [], "x̃ = θ + μv": [], "vs torch": []}
    curves: dict[str, list[list[float]]] = {"momentum": [], "nesterov": []}
    picture = None
    for i, seed in enumerate(seeds):
        ctx.report(f"seed {seed}", i / len(seeds))
        gen = torch.Generator().manual_seed(seed)
        a2 = quadratic_2d(gen)
        x2 = torch.randn(2, generator=gen, dtype=torch.float64) * 2
        em, en, vectors = one_step_errors(a2, x2, lr=0.05)
        an = quadratic_nd(gen)
        xn = torch.randn(an.shape[0], generator=gen, dtype=torch.float64)
        ef, et = trajectory_errors(an, xn, lr=0.5, steps=steps)
        ef2, et2 = trajectory_errors(a2, x2, lr=0.05, steps=steps)
        for key, val in zip(errors, (em, en, max(ef, ef2), max(et, et2)), strict=True):
            errors[key].append(val)
        for name, curve in gaps(a2, x2, lr=0.05, steps=steps).items():
            curves[name].append(curve)
        if picture is None:
            picture = (a2, vectors)

    worst = max(max(v) for v in errors.values())
    judgement = check(worst, tol=TOL, label="momentum/Nesterov steps = the picture's vector sums", n=len(seeds))
    measured = "; ".join(f"{k}: max |error| {max(v):.2g}" for k, v in errors.items())
    figure = _figure(plt, ctx, picture, curves)
    return Result(
        judgement=judgement,
        reason=f"{measured} over {len(seeds)} seeds (float64, {steps} steps). " + judgement.reason,
        paper_figure="Sutskever et al. 2013 Fig. 1 / cs231n: Nesterov's step is the momentum step plus the gradient "
        "step taken at the look-ahead point θ + μv",
        measured=measured,
        metrics=[Metric(f"max |error|: {k}", v) for k, v in errors.items()],
        table=[{"identity": k, "max |error|": f"{max(v):.3g}", "tolerance": TOL} for k, v in errors.items()],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "momentum": MU,
            "learning_rates": "0.05 (2-D), 0.5 (20-D); fixed: the identities hold at any lr",
            "steps": steps,
            "dtype": "float64",
            "init": "random starts N(0, 4) in 2-D, N(0, 1) in 20-D",
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )


def _figure(plt, ctx: RunContext, picture, curves) -> object:
    a, vec = picture
    theta = vec["theta"].numpy()
    mom, g, g_look = (vec[k].numpy() for k in ("momentum step", "gradient step", "lookahead gradient step"))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    # zoom on the arrows: the picture is about their directions, not the whole bowl
    reach = max(float(abs(d).max()) for d in (mom, g, mom + g, mom + g_look)) * 1.4
    xs = torch.linspace(theta[0] - reach, theta[0] + reach, 200, dtype=torch.float64)
    ys = torch.linspace(theta[1] - reach, theta[1] + reach, 200, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    pts = torch.stack([gx, gy], -1)
    z = 0.5 * torch.einsum("...i,ij,...j->...", pts, a, pts)
    ax1.contour(gx.numpy(), gy.numpy(), z.numpy(), levels=40, cmap="Greys", linewidths=0.6)

    def arrow(origin, delta, color, label) -> None:
        ax1.annotate("", xy=origin + delta, xytext=origin, arrowprops=dict(arrowstyle="->", color=color, lw=2))
        ax1.plot([], [], color=color, lw=2, label=label)

    arrow(theta, mom, "tab:gray", "momentum step μv")
    arrow(theta, g, "tab:red", "gradient step −ε∇f(θ)")
    arrow(theta, mom + g, "tab:orange", "momentum update (sum)")
    arrow(theta + mom, g_look, "tab:blue", "look-ahead gradient step −ε∇f(θ + μv)")
    arrow(theta, mom + g_look, "tab:green", "Nesterov update (sum)")
    ax1.plot(*theta, "ko", ms=5)
    ax1.set_aspect("equal")
    ax1.set_title("the lecture's picture at seed 0's state after 10 steps (the optimizers' own steps)", fontsize=9)
    ax1.legend(fontsize=7, loc="lower left")
    colors = {"momentum": "tab:orange", "nesterov": "tab:green"}
    for name, runs in curves.items():
        arr = [[max(v, 1e-300) for v in r] for r in runs]
        mean_band(ax2, range(len(arr[0])), arr, label=name, color=colors[name], log=True)
    ax2.set_yscale("log")
    ax2.set_xlabel("step")
    ax2.set_ylabel("f − f*")
    ax2.set_title("2-D quadratics, same lr 0.05, μ 0.9: geometric mean over seeds, 95 % band", fontsize=9)
    ax2.legend(fontsize=8)
    return savefig(fig, ctx.out_dir, "nesterov_lookahead.png", dpi=100)
