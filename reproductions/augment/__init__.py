"""Data augmentation on tensors (torchvision is not used): flips, crops and scales, colour jitter, PCA colour, TTA."""

from reproductions.augment.color_jitter import adjust_brightness, adjust_contrast, color_jitter
from reproductions.augment.crop import center_crop, crop, random_crop, random_scale_crop, resize_shorter
from reproductions.augment.flip import hflip, random_hflip
from reproductions.augment.pca_color import fit_pca_color, pca_color_noise, pca_color_shift
from reproductions.augment.tta import five_crop_offsets, ten_crop, tta_predict

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "center_crop",
    "color_jitter",
    "crop",
    "fit_pca_color",
    "five_crop_offsets",
    "hflip",
    "pca_color_noise",
    "pca_color_shift",
    "random_crop",
    "random_hflip",
    "random_scale_crop",
    "resize_shorter",
    "ten_crop",
    "tta_predict",
]
