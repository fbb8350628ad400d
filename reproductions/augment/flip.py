"""Horizontal flips ("horizontal reflections"), the cheapest label-preserving augmentation.

Paper
-----
Alex Krizhevsky, Ilya Sutskever, Geoffrey E. Hinton, "ImageNet Classification with Deep Convolutional
Neural Networks", NeurIPS 2012, Section 4.1.
https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks
Also used in He et al., "Deep Residual Learning for Image Recognition", https://arxiv.org/abs/1512.03385.

    flip(I)_{c, y, x} = I_{c, y, W - 1 - x}          flip(flip(I)) = I

Training: each image is flipped with probability 1/2. A flip preserves the label only when the classes are
mirror-symmetric (natural-image categories are; digits and MNIST-1D are not).

Differs from torchvision's RandomHorizontalFlip in drawing one coin *per image* of a batch (torchvision
transforms one image at a time) from an optional ``torch.Generator``.
"""

from __future__ import annotations

import torch

from reproductions.augment._util import as_batch, unbatch


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror the last (width) axis of (C, H, W) or (N, C, H, W)."""
    as_batch(x)  # validates the shape
    # flip(I)_{c,y,x} = I_{c,y,W-1-x}
    return x.flip(-1)


def random_hflip(x: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Flip each image of the batch independently with probability ``p``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    xb, single = as_batch(x)
    coin = torch.rand(xb.shape[0], generator=generator) < p
    coin = coin.to(xb.device).view(-1, 1, 1, 1)
    return unbatch(torch.where(coin, xb.flip(-1), xb), single)
