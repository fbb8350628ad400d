"""A closed-form learning-rate scheduler base: lr_t = base_lr · factor(t), recomputed from t every step."""

from __future__ import annotations

import torch
from torch.optim.lr_scheduler import LRScheduler


class ClosedFormDecay(LRScheduler):
    """Subclasses define ``factor(t)``; the learning rate at scheduler step t is ``base_lr · factor(t)``.

    Unlike torch's chainable schedulers (which multiply the current lr), the rate is recomputed from
    the initial one, so t (``last_epoch``) alone decides it: resuming from a state dict or calling
    ``step()`` any number of times gives exactly the closed form.
    """

    def factor(self, t: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        return [base_lr * self.factor(self.last_epoch) for base_lr in self.base_lrs]

    def _get_closed_form_lr(self) -> list[float]:
        return self.get_lr()


def check_optimizer(optimizer: object) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not a torch.optim.Optimizer")
