"""Transfer learning: a small CNN, linear classifiers on frozen features, fine-tuning top or all layers."""

from reproductions.transfer.cnn import STAGES, SmallCNN1d
from reproductions.transfer.finetune import freeze_below, replace_head, trainable_parameters, transfer
from reproductions.transfer.linear_probe import FeatureNormalizer, LinearProbe, extract_features

__all__ = [
    "STAGES",
    "FeatureNormalizer",
    "LinearProbe",
    "SmallCNN1d",
    "extract_features",
    "freeze_below",
    "replace_head",
    "trainable_parameters",
    "transfer",
]
