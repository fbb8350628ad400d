"""Random crops and scale augmentation (the AlexNet crops and the ResNet scale recipe, scaled down).

Papers
------
* Krizhevsky, Sutskever, Hinton, "ImageNet Classification with Deep Convolutional Neural Networks",
  NeurIPS 2012, Section 4.1: random 224 x 224 patches of the 256 x 256 images.
  https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks
* Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun, "Deep Residual Learning for Image Recognition",
  CVPR 2016, Section 3.4. https://arxiv.org/abs/1512.03385
  "The image is resized with its shorter side randomly sampled in [256, 480] for scale augmentation.
  A 224 x 224 crop is randomly sampled from an image or its horizontal flip."

For an image I of size H x W and a crop size c:

    s ~ U{S_min..S_max}                                        (shorter side after resizing)
    I' = resize(I, shorter side = s)                           (bilinear)
    (y0, x0) ~ U{0..H'-c} x U{0..W'-c};   crop = I'[:, y0:y0+c, x0:x0+c]

Scaled down: for 16 x 16 images use e.g. c = 16 and S in [16, 20] (the paper's ratio 480/256 ~ 1.9 is
too strong for tiny images). Differs from torchvision's RandomResizedCrop (Inception-style area/aspect
sampling); this is the ResNet recipe. Resizing uses ``torch.nn.functional.interpolate`` with antialiasing.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reproductions.augment._util import as_batch, unbatch


def resize_shorter(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear resize so that the shorter side is ``size`` (aspect ratio kept)."""
    xb, single = as_batch(x)
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    h, w = xb.shape[-2:]
    if h <= w:
        new = (size, max(1, round(w * size / h)))
    else:
        new = (max(1, round(h * size / w)), size)
    if new == (h, w):
        return x
    out = F.interpolate(xb, size=new, mode="bilinear", align_corners=False, antialias=True)
    return unbatch(out, single)


def crop(x: torch.Tensor, top: int, left: int, size: int) -> torch.Tensor:
    """crop = I[:, top:top+size, left:left+size]."""
    xb, single = as_batch(x)
    h, w = xb.shape[-2:]
    if not (0 <= top <= h - size and 0 <= left <= w - size):
        raise ValueError(f"crop ({top}, {left}, {size}) does not fit an image of size {h}x{w}")
    return unbatch(xb[..., top : top + size, left : left + size], single)


def center_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    return crop(x, (h - size) // 2, (w - size) // 2, size)


def random_crop(x: torch.Tensor, size: int, padding: int = 0, generator: torch.Generator | None = None) -> torch.Tensor:
    """A random ``size`` x ``size`` crop per image, after optional zero padding (the CIFAR variant)."""
    xb, single = as_batch(x)
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if padding:
        xb = F.pad(xb, (padding, padding, padding, padding))
    h, w = xb.shape[-2:]
    if size > h or size > w:
        raise ValueError(f"crop size {size} larger than the image {h}x{w}")
    # (y0, x0) ~ U{0..H-c} x U{0..W-c}, one draw per image
    tops = torch.randint(0, h - size + 1, (xb.shape[0],), generator=generator)
    lefts = torch.randint(0, w - size + 1, (xb.shape[0],), generator=generator)
    out = torch.stack(
        [
            xb[i, :, t : t + size, l : l + size]
            for i, (t, l) in enumerate(zip(tops.tolist(), lefts.tolist(), strict=False))  # noqa: E741
        ]
    )
    return unbatch(out, single)


def random_scale_crop(
    x: torch.Tensor,
    size: int,
    scale_range: tuple[int, int],
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The ResNet recipe: shorter side resized to s ~ U{S_min..S_max}, then a random ``size`` crop, per image."""
    s_min, s_max = scale_range
    if not size <= s_min <= s_max:
        raise ValueError(f"need size <= S_min <= S_max, got size={size}, scale_range={scale_range}")
    xb, single = as_batch(x)
    # s ~ U{S_min..S_max}
    scales = torch.randint(s_min, s_max + 1, (xb.shape[0],), generator=generator).tolist()
    out = []
    for img, s in zip(xb, scales, strict=False):
        # I' = resize(I, shorter side = s); then a random c x c crop
        out.append(random_crop(resize_shorter(img, s), size, generator=generator))
    return unbatch(torch.stack(out), single)
