"""Shared shape handling for the tensor transforms: accept (C, H, W) or (N, C, H, W)."""

from __future__ import annotations

import torch


def as_batch(x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    if x.ndim == 3:
        return x.unsqueeze(0), True
    if x.ndim == 4:
        return x, False
    raise ValueError(f"expected an image (C, H, W) or a batch (N, C, H, W), got shape {tuple(x.shape)}")


def unbatch(x: torch.Tensor, single: bool) -> torch.Tensor:
    return x[0] if single else x
