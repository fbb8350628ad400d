"""Transfer learning: registry metadata only (no torch import here)."""

from __future__ import annotations

from reproductions.core import Paper
from reproductions.registry import Reproduction, register

DECAF = Paper(
    title="DeCAF: A Deep Convolutional Activation Feature for Generic Visual Recognition",
    authors=(
        "Jeff Donahue",
        "Yangqing Jia",
        "Oriol Vinyals",
        "Judy Hoffman",
        "Ning Zhang",
        "Eric Tzeng",
        "Trevor Darrell",
    ),
    year=2014,
    venue="ICML",
    arxiv="1310.1531",
)
OFF_THE_SHELF = Paper(
    title="CNN Features off-the-shelf: an Astounding Baseline for Recognition",
    authors=("Ali Sharif Razavian", "Hossein Azizpour", "Josephine Sullivan", "Stefan Carlsson"),
    year=2014,
    venue="CVPR Workshops",
    arxiv="1403.6382",
)
TRANSFERABLE = Paper(
    title="How transferable are features in deep neural networks?",
    authors=("Jason Yosinski", "Jeff Clune", "Yoshua Bengio", "Hod Lipson"),
    year=2014,
    venue="NIPS",
    arxiv="1411.1792",
)
FAST_RCNN = Paper(
    title="Fast R-CNN",
    authors=("Ross Girshick",),
    year=2015,
    venue="ICCV",
    arxiv="1504.08083",
)

TRANSFER_LEARNING = register(
    Reproduction(
        name="transfer-learning",
        title="Transfer learning: scratch vs linear on frozen features vs fine-tuning top / all layers, the 2x2 table",
        topic="transfer",
        module="reproductions.transfer.finetune",
        papers=(DECAF, OFF_THE_SHELF, TRANSFERABLE, FAST_RCNN),
        claim=(
            "Features of a CNN pretrained on a large source task transfer: in each cell of the lecture's 2x2 table "
            "(target size x similarity) the advised strategy beats a competent from-scratch CNN and a linear "
            "classifier on the raw inputs."
        ),
        experiment="reproductions.experiments.transfer:run",
    )
)
