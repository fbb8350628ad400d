"""Data augmentation under a shift between training and test data, and the PCA colour figure.

Claims: label-preserving augmentation (flips, crops/scales, colour and PCA lighting noise) reduces
overfitting and makes the classifier robust to changes it did not see in training (Krizhevsky et al. 2012,
Section 4.1; He et al. 2015, Section 3.4); averaging over fixed crops and flips at test time helps further.

Data (generated, colour, label preserved by every transform): 12x12 RGB images of 4 mirror-symmetric
shapes (disc, ring, plus, bar) in an orange palette on a dark background. Training images put the
shape in the left half; the *shifted* test set puts it in the right half (the mirror positions), scaled
slightly, with darker / less saturated colours. An in-distribution test set is kept too.
Model: conv(3->16)-ReLU-MP2-conv(16->16)-ReLU-MP2-linear, He init, SGD momentum 0.9, lr tuned (no
augmentation, in-distribution validation, seed 0).
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
from reproductions.experiments.regularizers_common import (
    error_rate,
    gain_verdict,
    minibatches,
    one_thread,
    paired_gain,
    savefig,
    tune_on_grid,
)

SIZE = 12
VARIANTS = ("none", "flip", "crop+scale", "colour+PCA", "all")


def shapes(n: int, shifted: bool, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    yy, xx = torch.meshgrid(torch.arange(SIZE).float(), torch.arange(SIZE).float(), indexing="ij")
    labels = torch.randint(0, 4, (n,), generator=gen)
    imgs = torch.empty(n, 3, SIZE, SIZE)
    for i in range(n):
        cx = float(torch.randint(7, 9, (), generator=gen)) if shifted else float(torch.randint(3, 5, (), generator=gen))
        cy = float(torch.randint(4, 8, (), generator=gen))
        r = (2.6 if shifted else 2.2) + 0.4 * float(torch.rand((), generator=gen))
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
        if shifted:
            base = 0.65 * base + 0.1  # darker and greyer light
        bg = 0.12 + 0.03 * torch.randn(3, 1, 1, generator=gen)
        img = bg.expand(3, SIZE, SIZE).clone()
        img[:, mask] = base.view(3, 1)
        imgs[i] = (img + 0.03 * torch.randn(3, SIZE, SIZE, generator=gen)).clamp(0, 1)
    return imgs, labels


def make_net(gen: torch.Generator) -> nn.Sequential:
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 3 * 3, 4),
    )
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)  # He init
            nn.init.zeros_(m.bias)
    return net


def augment(x: torch.Tensor, variant: str, pca: tuple[torch.Tensor, torch.Tensor], gen: torch.Generator) -> torch.Tensor:
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

    seeds = ctx.seeds(smoke=1, quick=2, full=5)
    n_train = 100 if ctx.smoke else 600
    epochs = 1 if ctx.smoke else (12 if ctx.quick else 30)
    grid = [0.03] if ctx.smoke else [0.01, 0.03, 0.1]
    variants = ("none", "all") if ctx.smoke else VARIANTS
    with one_thread():
        datas, pcas = {}, {}
        for s in seeds:
            g = torch.Generator().manual_seed(500 + s)
            n_eval = 60 if ctx.smoke else 400
            parts = {"train": shapes(n_train, False, g), "val": shapes(n_eval // 2, False, g),
                     "test": shapes(n_eval, False, g), "shifted": shapes(n_eval, True, g)}
            pcas[s] = fit_pca_color(parts["train"][0])
            datas[s] = {k: (v[0].to(ctx.device), v[1].to(ctx.device)) for k, v in parts.items()}
        nets: dict[tuple, nn.Sequential] = {}

        def net(variant: str, lr: float, s: int) -> nn.Sequential:
            if (variant, lr, s) not in nets:
                nets[(variant, lr, s)] = train(datas[s], variant, lr, s, epochs, pcas[s], ctx.device)
            return nets[(variant, lr, s)]

        def val(lr: float) -> float:
            with torch.enable_grad():
                m = net("none", lr, seeds[0])
            with torch.no_grad():
                return error_rate(m(datas[seeds[0]]["val"][0]), datas[seeds[0]]["val"][1])

        ctx.report("tuning the learning rate", 0.0)
        lr, lr_scores, lr_edge = tune_on_grid(grid, val, max_extend=0 if ctx.smoke else 2)
        err = {v: {"test": [], "shifted": []} for v in variants}
        tta_err = []
        for i, s in enumerate(seeds):
            for j, v in enumerate(variants):
                ctx.report(f"seed {s} {v}", 0.2 + 0.8 * (i * len(variants) + j) / (len(seeds) * len(variants)))
                m = net(v, lr, s)
                with torch.no_grad():
                    for split in ("test", "shifted"):
                        err[v][split].append(100 * error_rate(m(datas[s][split][0]), datas[s][split][1]))
                    if v == "all":
                        tta_err.append(100 * error_rate(_tta(m, datas[s]["shifted"][0]), datas[s]["shifted"][1]))

    mean = statistics.fmean
    gain, se = paired_gain(err["none"]["shifted"], err["all"]["shifted"])
    verdict = gain_verdict(gain, se, min_effect=2.0)
    tta_gain = mean(err["all"]["shifted"]) - mean(tta_err)
    reason = (
        f"Shifted-test error without augmentation {mean(err['none']['shifted']):.1f}% vs with all augmentations "
        f"{mean(err['all']['shifted']):.1f}% (gain {gain:.1f} ± {2 * se:.1f} pp, 2 SE; needed > 2 pp), "
        f"in-distribution {mean(err['none']['test']):.1f}% vs {mean(err['all']['test']):.1f}%; "
        + ", ".join(f"{v} {mean(err[v]['shifted']):.1f}%" for v in variants if v not in ("none", "all"))
        + f"; 10-view test-time averaging {mean(tta_err):.1f}% ({tta_gain:+.1f} pp); {len(seeds)} seeds."
    )
    metrics = []
    for v in variants:
        metrics += [Metric(f"shifted test error {v}", err[v]["shifted"], "%"), Metric(f"test error {v}", err[v]["test"], "%")]
    metrics.append(Metric("shifted test error all + TTA", tta_err, "%"))

    fig, ax = plt.subplots(figsize=(8, 4))
    xs = torch.arange(len(variants)).float()
    ax.bar(xs - 0.2, [mean(err[v]["test"]) for v in variants], 0.4, label="in-distribution test")
    ax.bar(xs + 0.2, [mean(err[v]["shifted"]) for v in variants], 0.4, label="shifted test")
    ax.scatter([len(variants) - 1 + 0.2], [mean(tta_err)], marker="*", s=120, color="k", label="all + 10-view TTA", zorder=3)
    ax.set_xticks(xs.tolist(), list(variants))
    ax.set_ylabel("error (%)")
    ax.set_title("Augmentation vs a train/test shift (synthetic colour shapes)")
    ax.legend()
    figures = [savefig(fig, ctx.out_dir, "augmentation_shift.png")]

    # the PCA colour figure: images, their PCA-perturbed versions, and the shifts in the eigenbasis
    s0 = seeds[0]
    vals, vecs = pcas[s0]
    x0 = datas[s0]["train"][0][:6].cpu()
    g = torch.Generator().manual_seed(7)
    noisy = pca_color_noise(x0, vals, vecs, std=0.1, clip=True, generator=g)
    strong = pca_color_noise(x0, vals, vecs, std=1.0, clip=True, generator=g)
    fig, axes = plt.subplots(3, 7, figsize=(11, 5))
    for c, img in enumerate(x0):
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
        name="augmentation",
        claim="Label-preserving augmentation makes a classifier robust to a shift between training and test data",
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
        paper_figure="AlexNet: augmentation prevents substantial overfitting; PCA colour noise -1% top-1; 10-crop testing helps",
        measured=f"shifted-test error {mean(err['none']['shifted']):.1f}% -> {mean(err['all']['shifted']):.1f}% (TTA {mean(tta_err):.1f}%)",
        metrics=metrics,
        table=[{"augmentation": v, "test error %": round(mean(err[v]["test"]), 2), "shifted error %": round(mean(err[v]["shifted"]), 2)}
               for v in variants],
        figures=figures,
        params={
            "mode": ctx.mode, "seeds": seeds, "n_train": n_train, "epochs": epochs, "batch": 50, "variants": list(variants),
            "scale_range": [SIZE, SIZE + 3], "jitter": {"brightness": 0.4, "contrast": 0.4}, "pca_std": 0.1,
            "init": "He (kaiming normal, ReLU)", "optimizer": "SGD momentum 0.9", "lr_grid": sorted(lr_scores),
            "lr_val_error": lr_scores, "lr": lr, "lr_at_edge": lr_edge, "device": ctx.device,
        },
    )
