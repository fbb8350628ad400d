"""Max-norm regularization: each hidden unit's vector of incoming weights is kept inside a ball of radius c.

Nitish Srivastava, Geoffrey Hinton, Alex Krizhevsky, Ilya Sutskever, Ruslan Salakhutdinov (2014), "Dropout: A
Simple Way to Prevent Neural Networks from Overfitting", JMLR, https://jmlr.org/papers/v15/srivastava14a.html.
The paper trains dropout networks with the norm of each hidden unit's incoming weight vector bounded by a
constant c, by projected gradient descent: after each update, a vector whose norm exceeds c is projected back
onto the ball::

    ‖w‖₂ ≤ c,       w ← w · min(1, c / ‖w‖₂)

For ``nn.Linear`` (weight shape (out, in)) unit i's incoming weights are row i.

Where it differs from torch: ``torch.renorm(W, p=2, dim=0, maxnorm=c)`` is the same projection except that it
divides by ‖w‖₂ + 1e-7; tests/reproductions/test_max_norm.py checks the two agree to that epsilon.
"""

from __future__ import annotations

import torch


@torch.no_grad()
def max_norm_(weight: torch.Tensor, c: float) -> torch.Tensor:
    """Project each row of ``weight`` (a unit's incoming weights) onto the L2 ball of radius ``c``, in place."""
    if not c > 0:
        raise ValueError(f"invalid max-norm radius: {c!r} (must be > 0)")
    if weight.dim() < 2:
        raise ValueError("max-norm acts on a weight matrix (one row per unit), got a tensor with fewer than 2 dims")
    norms = weight.flatten(1).norm(dim=1).clamp_min(1e-30)
    # w ← w · min(1, c / ‖w‖₂)
    scale = (c / norms).clamp(max=1.0)
    return weight.mul_(scale.reshape(-1, *([1] * (weight.dim() - 1))))
