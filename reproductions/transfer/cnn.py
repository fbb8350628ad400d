"""A small 1-D convolutional network with named stages, the backbone every transfer recipe acts on.

Not a paper's method: the shared architecture for the transfer-learning reproduction (cs231n,
"Training Neural Networks 2", transfer learning). It is the 1-D analogue of the ImageNet CNNs used by
Donahue et al. (arXiv 1310.1531), Razavian et al. (arXiv 1403.6382), Yosinski et al. (arXiv 1411.1792) and
Girshick (arXiv 1504.08083): a stack of convolutions ("lower, more generic layers") followed by fully
connected layers ("top, more specific layers") and a classifier head. Stages, bottom to top::

    conv1: Conv1d(c_in -> w, k=5, stride 2) + ReLU        (generic edges / bumps)
    conv2: Conv1d(w -> w,   k=3, stride 2) + ReLU
    conv3: Conv1d(w -> w,   k=3, stride 2) + ReLU
    fc1:   Linear(w * L/8 -> hidden) + ReLU               (the "top layer" features, like DeCAF_6 / fc7)
    head:  Linear(hidden -> n_classes)                    (task specific; replaced on transfer)

The stage names are what :mod:`reproductions.transfer.finetune` and
:mod:`reproductions.transfer.linear_probe` freeze, copy and read features from.
"""

from __future__ import annotations

import torch
from torch import nn

STAGES: tuple[str, ...] = ("conv1", "conv2", "conv3", "fc1", "head")


def _conv_out(length: int, kernel: int, stride: int, padding: int) -> int:
    # L_out = floor((L + 2p - k) / s) + 1
    return (length + 2 * padding - kernel) // stride + 1


class SmallCNN1d(nn.Module):
    """conv1-conv2-conv3-fc1-head; input ``(N, length)`` or ``(N, channels, length)``."""

    def __init__(
        self,
        n_classes: int,
        length: int = 40,
        in_channels: int = 1,
        width: int = 32,
        hidden: int = 128,
    ) -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        if length < 8 or width < 1 or hidden < 1 or in_channels < 1:
            raise ValueError(f"bad sizes: length={length}, width={width}, hidden={hidden}, in_channels={in_channels}")
        self.length = length
        self.in_channels = in_channels
        self.conv1 = nn.Sequential(nn.Conv1d(in_channels, width, 5, stride=2, padding=2), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv1d(width, width, 3, stride=2, padding=1), nn.ReLU())
        self.conv3 = nn.Sequential(nn.Conv1d(width, width, 3, stride=2, padding=1), nn.ReLU())
        out_len = _conv_out(_conv_out(_conv_out(length, 5, 2, 2), 3, 2, 1), 3, 2, 1)
        self.fc1 = nn.Sequential(nn.Flatten(), nn.Linear(width * out_len, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_classes)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He (Kaiming) normal initialization for every ReLU layer, zero biases; the head too."""
        for module in self.modules():
            if isinstance(module, (nn.Conv1d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def stage(self, name: str) -> nn.Module:
        if name not in STAGES:
            raise ValueError(f"unknown stage {name!r}; stages are {', '.join(STAGES)}")
        return getattr(self, name)  # type: ignore[no-any-return]

    def _as_channels(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1) if x.dim() == 2 else x

    def features(self, x: torch.Tensor, upto: str) -> torch.Tensor:
        """Activations after stage ``upto`` (inclusive), flattened to ``(N, D)``."""
        if upto not in STAGES:
            raise ValueError(f"unknown stage {upto!r}; stages are {', '.join(STAGES)}")
        h = self._as_channels(x)
        for name in STAGES:
            h = getattr(self, name)(h)
            if name == upto:
                break
        return h.flatten(1)

    def forward_from(self, h: torch.Tensor, after: str) -> torch.Tensor:
        """Run the stages above ``after`` on activations ``h`` produced by :meth:`features`."""
        if after not in STAGES:
            raise ValueError(f"unknown stage {after!r}; stages are {', '.join(STAGES)}")
        start = STAGES.index(after) + 1
        if after in ("conv1", "conv2") and h.dim() == 2:
            # the next stage is a convolution: give the flattened activations their (N, C, L) shape back
            h = h.view(h.shape[0], self._channels_after(after), -1)
        for name in STAGES[start:]:
            h = getattr(self, name)(h)
        return h

    def _channels_after(self, stage: str) -> int:
        conv = self.stage(stage)[0]
        return conv.out_channels  # type: ignore[no-any-return]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x, "head")
