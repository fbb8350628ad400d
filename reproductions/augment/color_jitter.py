"""Colour jitter: random brightness and contrast.

Paper
-----
Andrew G. Howard, "Some Improvements on Deep Convolutional Neural Network Based Image Classification",
2013, https://arxiv.org/abs/1312.5402 (Section 2.1: random contrast, brightness and colour manipulations
"in addition to the ... PCA lighting noise" of Krizhevsky et al. 2012); the cs231n lecture lists them
as "color jitter: randomize contrast and brightness".

For an image I with values in [0, 1] and factors drawn per image:

    b ~ U[1 - beta, 1 + beta]:     brightness(I) = clip(b I, 0, 1)
    c ~ U[1 - gamma, 1 + gamma]:   contrast(I)   = clip(c (I - m) + m, 0, 1),  m = mean grey level of I

Same definitions as torchvision's ``adjust_brightness`` / ``adjust_contrast`` (blend with black / with the
mean of the grey image, grey = 0.299 R + 0.587 G + 0.114 B); jitter order here is brightness then contrast.
"""

from __future__ import annotations

import torch

from reproductions.augment._util import as_batch, unbatch


def _grey_mean(xb: torch.Tensor) -> torch.Tensor:
    if xb.shape[1] == 3:
        # grey = 0.299 R + 0.587 G + 0.114 B
        w = torch.tensor([0.299, 0.587, 0.114], dtype=xb.dtype, device=xb.device).view(1, 3, 1, 1)
        grey = (xb * w).sum(1, keepdim=True)
    else:
        grey = xb.mean(1, keepdim=True)
    return grey.mean(dim=(1, 2, 3), keepdim=True)


def adjust_brightness(x: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """clip(b I, 0, 1); ``factor`` a float or one value per image."""
    xb, single = as_batch(x)
    b = torch.as_tensor(factor, dtype=xb.dtype, device=xb.device).reshape(-1, 1, 1, 1)
    # brightness(I) = clip(b I, 0, 1)
    return unbatch((b * xb).clamp(0.0, 1.0), single)


def adjust_contrast(x: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """clip(c (I - m) + m, 0, 1) with m the mean grey level of each image."""
    xb, single = as_batch(x)
    c = torch.as_tensor(factor, dtype=xb.dtype, device=xb.device).reshape(-1, 1, 1, 1)
    m = _grey_mean(xb)
    # contrast(I) = clip(c (I - m) + m, 0, 1)
    return unbatch((c * (xb - m) + m).clamp(0.0, 1.0), single)


def color_jitter(
    x: torch.Tensor,
    brightness: float = 0.4,
    contrast: float = 0.4,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Random brightness then contrast, factors ~ U[1 - s, 1 + s] drawn per image."""
    if not 0.0 <= brightness < 1.0 or not 0.0 <= contrast < 1.0:
        raise ValueError(f"jitter strengths must be in [0, 1), got brightness={brightness}, contrast={contrast}")
    xb, single = as_batch(x)
    n = xb.shape[0]
    # b ~ U[1 - beta, 1 + beta],  c ~ U[1 - gamma, 1 + gamma]
    b = 1.0 + brightness * (2.0 * torch.rand(n, generator=generator, dtype=xb.dtype) - 1.0)
    c = 1.0 + contrast * (2.0 * torch.rand(n, generator=generator, dtype=xb.dtype) - 1.0)
    out = adjust_contrast(adjust_brightness(xb, b.to(xb.device)), c.to(xb.device))
    return unbatch(out, single)
