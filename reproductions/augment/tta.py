"""Test-time averaging over fixed crops and their horizontal flips (AlexNet's 10-crop testing).

Papers
------
* Krizhevsky, Sutskever, Hinton 2012, Section 4.1: "At test time, the network makes a prediction by
  extracting five 224 x 224 patches (the four corner patches and the center patch) as well as their
  horizontal reflections (hence ten patches in all), and averaging the predictions made by the network's
  softmax layer on the ten patches."
  https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks
* He et al. 2015 (ResNet) use the same standard 10-crop testing. https://arxiv.org/abs/1512.03385

    p(y | I) = 1/|V| sum_{v in V} softmax(f(v(I))),  V = {5 crops} x {identity, flip}

``flips=False`` keeps the 5 crops only; ``crop_size`` equal to the image size gives flip averaging alone.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from reproductions.augment.crop import crop


def five_crop_offsets(height: int, width: int, size: int) -> list[tuple[int, int]]:
    """(top, left) of the four corners and the centre."""
    if size > height or size > width:
        raise ValueError(f"crop size {size} larger than the image {height}x{width}")
    h, w = height - size, width - size
    return [(0, 0), (0, w), (h, 0), (h, w), (h // 2, w // 2)]


def ten_crop(x: torch.Tensor, size: int, flips: bool = True) -> list[torch.Tensor]:
    """The fixed views: 5 crops, and with ``flips`` their horizontal reflections (duplicates removed)."""
    offsets = list(dict.fromkeys(five_crop_offsets(x.shape[-2], x.shape[-1], size)))
    views = [crop(x, t, l, size) for t, l in offsets]  # noqa: E741
    if flips:
        views += [v.flip(-1) for v in views]
    return views


@torch.no_grad()
def tta_predict(
    model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, size: int, flips: bool = True
) -> torch.Tensor:
    """Mean softmax over the fixed views of a batch (N, C, H, W)."""
    views = ten_crop(x, size, flips)
    # p(y|I) = 1/|V| sum_v softmax(f(v(I)))
    return torch.stack([torch.softmax(model(v), dim=-1) for v in views]).mean(0)
