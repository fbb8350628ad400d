"""Registry entries for the augment topic (metadata only, no torch)."""

from reproductions.core import Paper
from reproductions.registry import Reproduction, register

ALEXNET = Paper(
    title="ImageNet Classification with Deep Convolutional Neural Networks",
    authors=("Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"),
    year=2012,
    venue="NIPS",
    url="https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks",
)
RESNET = Paper(
    title="Deep Residual Learning for Image Recognition",
    authors=("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
    year=2016,
    venue="CVPR",
    arxiv="1512.03385",
)

register(
    Reproduction(
        name="augmentation",
        title="Flips, crops/scales, colour jitter and PCA colour noise on ordinary held-out data, alone and together",
        topic="augment",
        module="reproductions.augment.pca_color",
        papers=(ALEXNET, RESNET),
        claim="Label-preserving augmentation (random crops and flips, PCA colour noise) reduces overfitting and lowers "
        "the test error on held-out data.",
        experiment="reproductions.experiments.augment_shift:run",
    )
)
