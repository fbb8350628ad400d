"""L2 regularization (weight decay) as in the cs231n lecture, and how it differs from decoupled decay.

Paper pages
-----------
* The lecture form: "Training Neural Networks 2" / "Neural Networks Part 2" (cs231n): the full loss is
  the data loss plus a penalty on the weights,

      L(W) = 1/N sum_i L_i(f(x_i; W), y_i) + lambda R(W),      R(W) = sum_k W_k^2 .

  We use the common halved penalty R(W) = 1/2 sum_k W_k^2 so that the gradient is exactly
  ``lambda * W`` -- the form torch's ``weight_decay`` argument adds to the gradient:

      dL/dW = dL_data/dW + lambda W.                                          (coupled / L2)

* Decoupled weight decay: Ilya Loshchilov and Frank Hutter, "Decoupled Weight Decay
  Regularization", ICLR 2019, https://arxiv.org/abs/1711.05101. The decay is applied to the
  weights directly, outside the gradient that the optimizer rescales:

      theta_t = (1 - eta_t lambda) theta_{t-1} - eta_t * update(g_t)        (AdamW, torch's order)

Where they differ
-----------------
For plain SGD both are the same map: W <- W - eta (g + lambda W) = (1 - eta lambda) W - eta g. For an
adaptive method such as Adam the L2 gradient ``lambda W`` goes through the per-coordinate scaling
1/(sqrt(v_hat) + eps), so weights with large historical gradients are decayed *less*; decoupled decay
shrinks every weight by the same factor (1 - eta lambda). ``tests/reproductions/test_regularizers.py``
checks both identities against torch.optim.SGD / Adam / AdamW and shows the Adam trajectories differ.

Which parameters: the lecture (and common practice) regularizes weights, not biases or BN scales;
``decay_parameters`` returns the tensors with ``ndim >= 2``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def _check(weight_decay: float) -> None:
    if not weight_decay >= 0.0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")


def decay_parameters(module: torch.nn.Module) -> list[torch.nn.Parameter]:
    """The weight matrices / kernels of ``module`` (ndim >= 2); biases and norm scales are left out."""
    return [p for p in module.parameters() if p.ndim >= 2]


def l2_penalty(params: Iterable[torch.Tensor], weight_decay: float) -> torch.Tensor:
    """lambda R(W) with R(W) = 1/2 sum ||W||^2, to be added to the data loss (differentiable)."""
    _check(weight_decay)
    params = list(params)
    if not params:
        return torch.zeros(())
    # R(W) = 1/2 sum_k W_k^2
    reg = 0.5 * sum((p * p).sum() for p in params)
    # lambda R(W)
    return weight_decay * reg


@torch.no_grad()
def add_l2_gradient_(params: Iterable[torch.Tensor], weight_decay: float) -> None:
    """The same penalty applied to ``.grad`` in place: g <- g + lambda W (what torch's weight_decay does)."""
    _check(weight_decay)
    for p in params:
        if p.grad is None:
            continue
        # dL/dW = dL_data/dW + lambda W
        p.grad.add_(p, alpha=weight_decay)


@torch.no_grad()
def decoupled_weight_decay_(params: Iterable[torch.Tensor], lr: float, weight_decay: float) -> None:
    """Decoupled decay (Loshchilov & Hutter): theta <- (1 - eta lambda) theta, before the optimizer step."""
    _check(weight_decay)
    if not lr >= 0.0:
        raise ValueError(f"lr must be >= 0, got {lr}")
    for p in params:
        # theta_t = (1 - eta_t lambda) theta_{t-1}   (then the optimizer's own update)
        p.mul_(1.0 - lr * weight_decay)
