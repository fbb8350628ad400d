"""A linear classifier on frozen CNN features ("off-the-shelf" features).

Papers
------
- Jeff Donahue, Yangqing Jia, Oriol Vinyals, Judy Hoffman, Ning Zhang, Eric Tzeng, Trevor Darrell (2014).
  "DeCAF: A Deep Convolutional Activation Feature for Generic Visual Recognition." ICML 2014.
  https://arxiv.org/abs/1310.1531
- Ali Sharif Razavian, Hossein Azizpour, Josephine Sullivan, Stefan Carlsson (2014). "CNN Features
  off-the-shelf: an Astounding Baseline for Recognition." CVPR Workshops 2014.
  https://arxiv.org/abs/1403.6382

The method in the papers' notation
----------------------------------
A network trained on a large source task (ImageNet) is frozen. For an input x, the activation of
layer n, DeCAF_n(x) = phi_n(x), is the feature vector (DeCAF_6 / DeCAF_7: the fully connected layers
before the softmax). A linear classifier is trained on the target task's few labelled examples::

    p(y | x) = softmax(W phi_n(x) + b)           (logistic regression; DeCAF also uses a linear SVM)
    min_{W,b}  -1/N sum_i log p(y_i | x_i)       (phi_n is fixed: no gradient reaches the network)

Razavian et al. L2-normalize the 4096-d fc feature, phi / ||phi||_2, then train a linear SVM. Both
papers find these frozen features beat hand-engineered ones and, with little target data, methods
trained from scratch. The lecture's advice: with little data from a very different domain, try the
linear classifier on features from an earlier stage (more generic, less source specific).

Where this differs from the papers
----------------------------------
The classifier is multinomial logistic regression trained by the caller (Adam in the experiment), not
an SVM; features are standardized with the training set's mean and standard deviation
(``normalize="standard"``) by default; ``normalize="l2"`` gives Razavian's L2 normalization. The stage can
be any named stage of :class:`reproductions.transfer.cnn.SmallCNN1d`.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from reproductions.transfer.cnn import SmallCNN1d

NORMALIZATIONS: tuple[str, ...] = ("standard", "l2", "none")


@torch.no_grad()
def extract_features(backbone: SmallCNN1d, x: torch.Tensor, stage: str, batch_size: int = 1024) -> torch.Tensor:
    """phi_stage(x) of a frozen backbone, in eval mode and without gradients, batch by batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    was_training = backbone.training
    backbone.eval()
    try:
        parts = [backbone.features(x[i : i + batch_size], stage) for i in range(0, x.shape[0], batch_size)]
    finally:
        backbone.train(was_training)
    return torch.cat(parts) if parts else x.new_zeros((0, 0))


class FeatureNormalizer(nn.Module):
    """Fixed feature normalization fitted on the training features (no learned parameters)."""

    def __init__(self, dim: int, mode: str = "standard", eps: float = 1e-6) -> None:
        super().__init__()
        if mode not in NORMALIZATIONS:
            raise ValueError(f"mode must be one of {NORMALIZATIONS}, got {mode!r}")
        if eps <= 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.mode = mode
        self.eps = eps
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))

    @torch.no_grad()
    def fit(self, feats: torch.Tensor) -> FeatureNormalizer:
        if self.mode == "standard":
            self.mean.copy_(feats.mean(0))
            # dead ReLU units have std 0: eps keeps them finite (they stay 0)
            self.std.copy_(feats.std(0, unbiased=False) if feats.shape[0] > 1 else torch.ones_like(self.std))
        return self

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        if self.mode == "standard":
            # phi_hat = (phi - mu) / (sigma + eps)
            return (feats - self.mean) / (self.std + self.eps)
        if self.mode == "l2":
            # phi_hat = phi / ||phi||_2   (Razavian et al.)
            return feats / (feats.norm(dim=1, keepdim=True) + self.eps)
        return feats


class LinearProbe(nn.Module):
    """softmax(W normalize(phi_stage(x)) + b) with a frozen copy of ``backbone``.

    Only ``classifier`` has trainable parameters. Use :meth:`fit_normalizer` on the training inputs
    before training. For speed, callers may train ``classifier`` on cached features from
    :func:`extract_features` and ``normalizer``; ``forward`` gives the same logits on raw inputs.
    """

    def __init__(self, backbone: SmallCNN1d, stage: str, n_classes: int, normalize: str = "standard") -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        self.backbone = copy.deepcopy(backbone).requires_grad_(False).eval()
        self.stage = stage
        with torch.no_grad():
            device = next(self.backbone.parameters()).device
            probe_input = torch.zeros(1, backbone.in_channels, backbone.length, device=device)
            dim = self.backbone.features(probe_input, stage).shape[1]
        self.normalizer = FeatureNormalizer(dim, normalize)
        self.normalizer.to(device)
        self.classifier = nn.Linear(dim, n_classes, device=device)
        with torch.no_grad():
            # a convex problem: start from W = 0, b = 0 (uniform prediction)
            self.classifier.weight.zero_()
            self.classifier.bias.zero_()

    def train(self, mode: bool = True) -> LinearProbe:
        super().train(mode)
        self.backbone.eval()  # the frozen features never change mode
        return self

    def fit_normalizer(self, x: torch.Tensor) -> LinearProbe:
        self.normalizer.fit(extract_features(self.backbone, x, self.stage))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            feats = self.backbone.features(x, self.stage)
        return self.classifier(self.normalizer(feats))
