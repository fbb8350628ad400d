"""The AlexNet PCA colour augmentation ("fancy PCA", lighting noise).

Paper
-----
Alex Krizhevsky, Ilya Sutskever, Geoffrey E. Hinton, "ImageNet Classification with Deep Convolutional
Neural Networks", NeurIPS 2012, Section 4.1.
https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks
Also the "standard color augmentation" of He et al. 2015 (ResNet), https://arxiv.org/abs/1512.03385.

PCA on the set of RGB pixel values of the whole training set: the 3 x 3 covariance Sigma, its
eigenvectors p_i and eigenvalues lambda_i. To every pixel of a training image add

    I_xy = [I^R_xy, I^G_xy, I^B_xy]^T + [p_1, p_2, p_3] [alpha_1 lambda_1, alpha_2 lambda_2, alpha_3 lambda_3]^T
    alpha_i ~ N(0, 0.1),  drawn once per image per presentation

"This scheme approximately captures ... that object identity is invariant to changes in the intensity
and color of the illumination" and reduced top-1 error by over 1%.

Differs from common re-implementations: the paper's lambda_i are the eigenvalues (variances) of the pixel
covariance; some code uses sqrt(lambda_i). We follow the paper. No clipping is applied (the paper does not
say), so values may leave [0, 1] slightly; ``clip=True`` clamps them.
"""

from __future__ import annotations

import torch

from reproductions.augment._util import as_batch, unbatch


def fit_pca_color(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues (descending) and eigenvectors (columns p_i) of the RGB covariance of all pixels of (N, 3, H, W)."""
    xb, _ = as_batch(images)
    if xb.shape[1] != 3:
        raise ValueError(f"PCA colour augmentation needs RGB images, got {xb.shape[1]} channels")
    pixels = xb.permute(1, 0, 2, 3).reshape(3, -1).to(torch.float64)
    centered = pixels - pixels.mean(dim=1, keepdim=True)
    # Sigma = 1/(n-1) sum (I - mean)(I - mean)^T over every pixel of the training set
    cov = centered @ centered.t() / (pixels.shape[1] - 1)
    # Sigma p_i = lambda_i p_i
    eigvals, eigvecs = torch.linalg.eigh(cov)
    order = torch.argsort(eigvals, descending=True)
    return eigvals[order].to(images.dtype), eigvecs[:, order].to(images.dtype)


def pca_color_shift(eigvals: torch.Tensor, eigvecs: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """[p_1 p_2 p_3][alpha_1 lambda_1, alpha_2 lambda_2, alpha_3 lambda_3]^T for alpha of shape (N, 3) -> (N, 3)."""
    # delta = P (alpha * lambda)
    return (alpha * eigvals) @ eigvecs.t()


def pca_color_noise(
    x: torch.Tensor,
    eigvals: torch.Tensor,
    eigvecs: torch.Tensor,
    std: float = 0.1,
    clip: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Add the PCA colour shift to every pixel of each image, alpha_i ~ N(0, std) drawn per image."""
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    xb, single = as_batch(x)
    if xb.shape[1] != 3:
        raise ValueError(f"PCA colour augmentation needs RGB images, got {xb.shape[1]} channels")
    # alpha_i ~ N(0, 0.1)
    alpha = std * torch.randn(xb.shape[0], 3, generator=generator, dtype=xb.dtype)
    delta = pca_color_shift(eigvals.to(xb.dtype), eigvecs.to(xb.dtype), alpha).to(xb.device)
    # I_xy += delta, the same for every pixel of the image
    out = xb + delta.view(-1, 3, 1, 1)
    if clip:
        out = out.clamp(0.0, 1.0)
    return unbatch(out, single)
