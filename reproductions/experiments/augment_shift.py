"""Data augmentation on ordinary held-out data: each transform alone and all together, and the PCA colour figure.

Claim (Krizhevsky et al. 2012, Section 4.1): label-preserving augmentation — random crops / translations with
horizontal reflections, and PCA colour (lighting) noise — reduces overfitting, so the test error on ordinary
held-out data falls (PCA colour: over 1 % top-1 on ImageNet); He et al. 2016 (Section 3.4) train with the same
crops, scales and flips. An earlier version tested a "shifted" test set that was the mirror image of the
training set, where the flip alone decided the answer; that design is gone.

Data (generated, colour, label preserved by every transform): 12x12 RGB images of 4 mirror-symmetric shapes
(disc, ring, plus, bar) at a random position anywhere in the image, in an orange palette under a lighting
(brightness and saturation) drawn per image from one distribution, on a dark background, with pixel noise.
Training, validation and test images are i.i.d. draws of the same generator: ordinary held-out data.

Design (fixed before the run):
- data: 300 training images per seed (100 at smoke size), 200 validation, 600 test.
- model: conv(3->16)-ReLU-MP2-conv(16->16)-ReLU-MP2-linear, He init, SGD momentum 0.9, batch 50; 20 epochs quick,
  40 full (1 at smoke size).
- arms: none; flip; crop+scale; colour+PCA (brightness/contrast jitter and PCA lighting noise, std 0.1, with the
  PCA fitted on the training pixels); all together — one at a time and together.
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1} (extended while the best is at an edge) by validation
  error, on a tuning seed never reported.
- seeds: reported 1 (smoke), 3 (quick), 5 (full).
- metric: test error (%); the 10-view test-time average of the "all" arm beside it (not judged).
- decision: every augmented arm judged on its own against none (``paired_difference``, paired by seed, 95 % t
  interval), combined (``combine``): reproduced if every arm lowers the error, not reproduced if any arm's
  interval lies below 0 (that transform raises it), else inconclusive.
"""

from __future__ import annotations

import statistics

import torch
from torch import nn

from reproductions.augment import (
    color_jitter,
    fit_pca_color,
    pca_color_noise,
    random_hflip,
    random_scale_crop,
    tta_predict,
)
from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import interval_bars
from reproductions.experiments.regularizers_common import (
    error_rate,
    minibatches,
    savefig,
    tune_on_grid,
)
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import combine, paired_difference, short_run, split_seeds

SIZE = 12
VARIANTS = ("none", "flip", "crop+scale", "colour+PCA", "all")


def shapes(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` i.i.d. images: shape, position, size and lighting all drawn from one distribution."""
    yy, xx = torch.meshgrid(torch.arange(SIZE).float(), torch.arange(SIZE).float(), indexing="ij")
    labels = torch.randint(0, 4, (n,), generator=gen)
    imgs = torch.empty(n, 3, SIZE, SIZE)
    for i in range(n):
        cx = float(torch.randint(3, 9, (), generator=gen))
        cy = float(torch.randint(3, 9, (), generator=gen))
        r = 2.2 + 0.6 * float(torch.rand((), generator=gen))
        dy, dx = yy - cy, xx - cx
        k = int(labels[i])
        if k == 0:
            mask = dy**2 + dx**2 <= r**2
        elif k == 1:
            mask = (dy.abs().maximum(dx.abs()) <= r) & (dy.abs().maximum(dx.abs()) >= r - 1)
        elif k == 2:
            mask = ((dy.abs() <= 0.5) & (dx.abs() <= r)) | ((dx.abs() <= 0.5) & (dy.abs() <= r))
        else:
            mask = (dy.abs() <= 0.8) & (dx.abs() <= r)
        base = torch.tensor([0.9, 0.55, 0.2]) + 0.08 * torch.randn(3, generator=gen)
        # lighting from the training distribution: brightness in [0.55, 1.05], partial desaturation
        bright = 0.55 + 0.5 * float(torch.rand((), generator=gen))
        grey = float(torch.rand((), generator=gen)) * 0.5
        base = bright * ((1 - grey) * base + grey * base.mean())
        bg = 0.12 + 0.03 * torch.randn(3, 1, 1, generator=gen)
        img = bg.expand(3, SIZE, SIZE).clone()
        img[:, mask] = base.view(3, 1)
        imgs[i] = (img + 0.03 * torch.randn(3, SIZE, SIZE, generator=gen)).clamp(0, 1)
    return imgs, labels


def make_net(gen: torch.Generator) -> nn.Sequential:
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 3 * 3, 4),
    )
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)  # He init
            nn.init.zeros_(m.bias)
    return net


def augment(
    x: torch.Tensor, variant: str, pca: tuple[torch.Tensor, torch.Tensor], gen: torch.Generator
) -> torch.Tensor:
    if variant in ("flip", "all"):
        x = random_hflip(x, 0.5, gen)
    if variant in ("crop+scale", "all"):
        x = random_scale_crop(x, SIZE, (SIZE, SIZE + 3), gen)
    if variant in ("colour+PCA", "all"):
        x = color_jitter(x, 0.4, 0.4, gen)
        x = pca_color_noise(x, pca[0], pca[1], std=0.1, generator=gen)
    return x


def train(data, variant: str, lr: float, seed: int, epochs: int, pca, device: str) -> nn.Sequential:
    gen = torch.Generator().manual_seed(seed)
    net = make_net(gen).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    x, y = data["train"]
    for _ in range(epochs):
        net.train()
        for idx in minibatches(len(y), 50, gen):
            xb = augment(x[idx].cpu(), variant, pca, gen).to(device)
            opt.zero_grad()
            nn.functional.cross_entropy(net(xb), y[idx]).backward()
            opt.step()
    net.eval()
    return net


def _tta(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    # pad by 1 so the five fixed 12x12 crops differ; average them and their flips
    padded = nn.functional.pad(x, (1, 1, 1, 1), mode="replicate")
    return tta_predict(net, padded, SIZE)


def run(ctx: RunContext) -> Result:
    import matplotlib.pyplot as plt

    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds = list(split.report)
    tune_seed = split.tune[0]
    n_train = 100 if ctx.smoke else 300
    epochs = 1 if ctx.smoke else (20 if ctx.quick else 40)
    grid = [0.03] if ctx.smoke else [0.01, 0.03, 0.1]
    variants = ("none", "all") if ctx.smoke else VARIANTS
    with one_thread():
        datas, pcas = {}, {}
        for s in [*seeds, tune_seed]:
            g = torch.Generator().manual_seed(500 + s)
            n_eval = 60 if ctx.smoke else 600
            parts = {"train": shapes(n_train, g), "val": shapes(n_eval // 3, g), "test": shapes(n_eval, g)}
            pcas[s] = fit_pca_color(parts["train"][0])
            datas[s] = {k: (v[0].to(ctx.device), v[1].to(ctx.device)) for k, v in parts.items()}
        nets: dict[tuple, nn.Sequential] = {}

        def net(variant: str, lr: float, s: int) -> nn.Sequential:
            if (variant, lr, s) not in nets:
                nets[(variant, lr, s)] = train(datas[s], variant, lr, s, epochs, pcas[s], ctx.device)
            return nets[(variant, lr, s)]

        def val(variant: str, lr: float) -> float:
            with torch.enable_grad():
                m = net(variant, lr, tune_seed)
            with torch.no_grad():
                return error_rate(m(datas[tune_seed]["val"][0]), datas[tune_seed]["val"][1])

        lrs, lr_scores, lr_edge = {}, {}, {}
        for i, v in enumerate(variants):
            ctx.report(f"tuning {v}", 0.4 * i / len(variants))
            lrs[v], lr_scores[v], lr_edge[v] = tune_on_grid(
                grid, lambda lr, v=v: val(v, lr), max_extend=0 if ctx.smoke else 2
            )
        err: dict[str, list[float]] = {v: [] for v in variants}
        tta_err = []
        for i, s in enumerate(seeds):
            for j, v in enumerate(variants):
                ctx.report(f"seed {s} {v}", 0.4 + 0.6 * (i * len(variants) + j) / (len(seeds) * len(variants)))
                m = net(v, lrs[v], s)
                with torch.no_grad():
                    err[v].append(100 * error_rate(m(datas[s]["test"][0]), datas[s]["test"][1]))
                    if v == "all":
                        tta_err.append(100 * error_rate(_tta(m, datas[s]["test"][0]), datas[s]["test"][1]))

    mean = statistics.fmean
    short = short_run(ctx.mode)
    parts_j = [
        paired_difference(err["none"], err[v], unit=" pp", label=f"{v}: test error none − {v}", too_short=short)
        for v in variants
        if v != "none"
    ]
    judgement = combine(parts_j)
    reason = (
        "Test error on ordinary held-out data: "
        + ", ".join(f"{v} {mean(err[v]):.1f}%" for v in variants)
        + f"; all + 10-view test-time averaging {mean(tta_err):.1f}% (beside, not judged). "
        + judgement.reason
    )
    metrics = [Metric(f"test error {v}", err[v], "%") for v in variants]
    metrics.append(Metric("test error all + TTA", tta_err, "%"))

    fig, ax = plt.subplots(figsize=(8, 4))
    interval_bars(
        ax,
        [p.label.split(":")[0] for p in parts_j],
        parts_j,
        ref=0.0,
        ylabel="test error none − arm (pp), 95 % interval",
    )
    ax.set_title("Augmentation on ordinary held-out data (synthetic colour shapes); > 0: the transform helps")
    figures = [savefig(fig, ctx.out_dir, "augmentation.png")]

    # the PCA colour figure: images, their PCA-perturbed versions, and the shifts in the eigenbasis
    s0 = seeds[0]
    vals, vecs = pcas[s0]
    x0 = datas[s0]["train"][0][:6].cpu()
    g = torch.Generator().manual_seed(7)
    noisy = pca_color_noise(x0, vals, vecs, std=0.1, clip=True, generator=g)
    strong = pca_color_noise(x0, vals, vecs, std=1.0, clip=True, generator=g)
    fig, axes = plt.subplots(3, 7, figsize=(11, 5))
    for c, img in enumerate(x0):  # noqa: B007
        for r, batch in enumerate((x0, noisy, strong)):
            axes[r, c].imshow(batch[c].permute(1, 2, 0).clamp(0, 1).numpy())
            axes[r, c].axis("off")
    for r, t in enumerate(("original", "alpha ~ N(0, 0.1)", "alpha ~ N(0, 1) (exaggerated)")):
        axes[r, 0].set_title(t, fontsize=8, loc="left")
    big = fig.add_subplot(1, 7, 7)
    for a in axes[:, 6]:
        a.remove()
    shifts = (pca_color_noise(torch.zeros(500, 3, 1, 1), vals, vecs, std=1.0, generator=g)).view(500, 3)
    big.scatter(shifts[:, 0], shifts[:, 1], s=3, alpha=0.4)
    for i in range(3):
        big.plot([0, vecs[0, i] * vals[i] * 3], [0, vecs[1, i] * vals[i] * 3], lw=2, label=f"p{i + 1} λ={vals[i]:.3f}")
    big.set_xlabel("R shift")
    big.set_ylabel("G shift")
    big.legend(fontsize=6)
    big.set_title("shifts lie along p_i", fontsize=8)
    figures.append(savefig(fig, ctx.out_dir, "pca_colour.png"))
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="AlexNet: augmentation prevents substantial overfitting; PCA colour noise -1% top-1; "
        "10-crop testing helps",
        measured="test error "
        + ", ".join(f"{v} {mean(err[v]):.1f}%" for v in variants)
        + f" (all + TTA {mean(tta_err):.1f}%)",
        metrics=metrics,
        table=[{"augmentation": v, "lr": lrs[v], "test error %": round(mean(err[v]), 2)} for v in variants],
        figures=figures,
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "n_train": n_train,
            "epochs": epochs,
            "batch": 50,
            "variants": list(variants),
            "scale_range": [SIZE, SIZE + 3],
            "jitter": {"brightness": 0.4, "contrast": 0.4},
            "pca_std": 0.1,
            "init": "He (kaiming normal, ReLU)",
            "optimizer": "SGD momentum 0.9",
            "lr_val_error": lr_scores,
            "lr": lrs,
            "lr_at_edge": lr_edge,
            "tuning_seed": tune_seed,
            "device": ctx.device,
        },
    )
