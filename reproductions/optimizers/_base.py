"""Hyperparameter checks shared by the optimizers of this package (torch only)."""

from __future__ import annotations


def check_lr(lr: float) -> None:
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr >= 0.0:
        raise ValueError(f"invalid learning rate: {lr!r} (must be a number >= 0)")


def check_weight_decay(weight_decay: float) -> None:
    if not weight_decay >= 0.0:
        raise ValueError(f"invalid weight_decay: {weight_decay!r} (must be >= 0)")


def check_unit_interval(name: str, value: float, *, closed_right: bool = False) -> None:
    """``0 <= value < 1`` (or ``<= 1`` when ``closed_right``)."""
    ok = 0.0 <= value <= 1.0 if closed_right else 0.0 <= value < 1.0
    if not ok:
        bound = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"invalid {name}: {value!r} (must be in {bound})")


def check_eps(eps: float) -> None:
    if not eps >= 0.0:
        raise ValueError(f"invalid eps: {eps!r} (must be >= 0)")
