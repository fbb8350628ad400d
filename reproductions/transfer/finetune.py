"""Fine-tuning a pretrained network: copy the first n layers, replace the head, freeze or train the rest.

Papers
------
- Jason Yosinski, Jeff Clune, Yoshua Bengio, Hod Lipson (2014). "How transferable are features in deep
  neural networks?" NeurIPS 2014. https://arxiv.org/abs/1411.1792
- Ross Girshick (2015). "Fast R-CNN." ICCV 2015. https://arxiv.org/abs/1504.08083

The recipe in the papers' notation
----------------------------------
A network with layers 1..L is trained on a base task A (weights theta^A). For a target task B,
Yosinski et al. build two kinds of network, for a cut n::

    AnB  : theta_i = theta_i^A  and frozen (dL_B/dtheta_i is not applied)   for i <= n
           theta_i ~ random init, trained on B                            for i >  n
    AnB+ : theta_i = theta_i^A  and fine-tuned on B                         for i <= n
           theta_i ~ random init, trained on B                            for i >  n

and compare them with BnB (the same network trained on B from scratch). Their findings: transferring
and fine-tuning (AnB+) generalizes at least as well as training from scratch even when B is large;
frozen transfer (AnB) degrades as n grows because top layers are specific to A, and degrades more the
more dissimilar A and B are. Girshick fine-tunes a pretrained VGG16 from conv3_1 upwards (the first
layers are frozen) and shows that fine-tuning the convolutional layers, not only the fully connected
ones, is what gives the accuracy (Fast R-CNN, Sec. 4.5, Table 5).

The softmax layer is always specific to the task: it is replaced by a freshly initialized
``Linear(hidden, n_classes_B)`` (the "replace the head" step of the lecture).

Where this differs from the papers
----------------------------------
Layers are the named stages of :class:`reproductions.transfer.cnn.SmallCNN1d` (conv1, conv2, conv3,
fc1, head) instead of AlexNet/VGG layers. Freezing is done with ``requires_grad_(False)`` on the
frozen stages, so an optimizer built from :func:`trainable_parameters` never sees them (the papers
set their learning rate to 0, which is the same thing for SGD without weight decay). Girshick's
lower learning rate for fine-tuned layers is left to the caller (one learning rate is tuned per
strategy in the experiment).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from reproductions.transfer.cnn import STAGES, SmallCNN1d


def replace_head(model: SmallCNN1d, n_classes: int, generator: torch.Generator | None = None) -> nn.Linear:
    """Replace the task-specific softmax layer by a fresh ``Linear(hidden, n_classes)``; returns it.

    The new head is initialized like the original network's layers (He normal, zero bias).
    """
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    old = model.head
    head = nn.Linear(old.in_features, n_classes, device=old.weight.device, dtype=old.weight.dtype)
    with torch.no_grad():
        # W ~ N(0, 2 / fan_in)  (He et al. 2015); drawn on the CPU so a CPU generator works for any device
        w = torch.randn(head.weight.shape, generator=generator, dtype=head.weight.dtype)
        head.weight.copy_(w * (2.0 / old.in_features) ** 0.5)
        head.bias.zero_()
    model.head = head
    return head


def freeze_below(model: SmallCNN1d, first_trainable: str) -> list[str]:
    """Freeze every stage below ``first_trainable`` (AnB with n = index of ``first_trainable``).

    Stages from ``first_trainable`` up are made trainable. Returns the names of the frozen stages.
    """
    if first_trainable not in STAGES:
        raise ValueError(f"unknown stage {first_trainable!r}; stages are {', '.join(STAGES)}")
    cut = STAGES.index(first_trainable)
    for i, name in enumerate(STAGES):
        # i <= n: frozen (AnB);  i > n: trained on B
        model.stage(name).requires_grad_(i >= cut)
    return list(STAGES[:cut])


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters an optimizer should update: those with ``requires_grad``."""
    return [p for p in model.parameters() if p.requires_grad]


def transfer(
    source: SmallCNN1d,
    n_classes: int,
    first_trainable: str = "conv1",
    generator: torch.Generator | None = None,
) -> SmallCNN1d:
    """A copy of ``source`` with a new head for ``n_classes``, frozen below ``first_trainable``.

    ``first_trainable="conv1"`` fine-tunes everything (AnB+ with n = L-1); ``"fc1"`` fine-tunes only the
    top fully connected layer and the head (the lecture's "fine-tune a few layers"); ``"head"`` keeps all
    features frozen (a linear classifier on the top layer, as in DeCAF). ``source`` is never modified.
    """
    model = copy.deepcopy(source)
    replace_head(model, n_classes, generator=generator)
    freeze_below(model, first_trainable)
    return model
