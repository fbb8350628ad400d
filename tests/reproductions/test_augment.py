"""Augmentation transforms on tensors: shapes, ranges, identities, and the PCA colour geometry."""

from __future__ import annotations

import pytest
import torch

from reproductions.augment import (
    adjust_brightness,
    adjust_contrast,
    center_crop,
    color_jitter,
    crop,
    fit_pca_color,
    five_crop_offsets,
    hflip,
    pca_color_noise,
    pca_color_shift,
    random_crop,
    random_hflip,
    random_scale_crop,
    resize_shorter,
    ten_crop,
    tta_predict,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _images(n: int = 8, size: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _symmetric_images(n: int = 6, size: int = 16) -> torch.Tensor:
    """Mirror-symmetric images (a centred disc of random colour): a flip must leave them unchanged."""
    yy, xx = torch.meshgrid(torch.arange(size) - (size - 1) / 2, torch.arange(size) - (size - 1) / 2, indexing="ij")
    disc = ((yy**2 + xx**2) < (size / 3) ** 2).float()
    colours = torch.rand(n, 3, 1, 1, generator=torch.Generator().manual_seed(1))
    return colours * disc


# --------------------------------------------------------------------------------------------- flip


def test_flip_twice_is_identity_and_mirrors_columns() -> None:
    x = _images()
    assert torch.equal(hflip(hflip(x)), x)
    assert torch.equal(hflip(x)[..., 0], x[..., -1])
    assert torch.equal(hflip(x[0]), hflip(x)[0])  # single image (C, H, W)


def test_flip_preserves_symmetric_images() -> None:
    x = _symmetric_images()
    assert torch.equal(hflip(x), x)
    assert not torch.equal(hflip(_images()), _images())


def test_random_flip_flips_about_half_per_image() -> None:
    x = _images(400)
    y = random_hflip(x, 0.5, generator=torch.Generator().manual_seed(0))
    flipped = torch.tensor([torch.equal(a, b.flip(-1)) for a, b in zip(y, x, strict=False)])
    same = torch.tensor([torch.equal(a, b) for a, b in zip(y, x, strict=False)])
    assert bool((flipped | same).all())
    assert flipped.float().mean().item() == pytest.approx(0.5, abs=0.08)
    assert torch.equal(random_hflip(x, 0.0), x)
    with pytest.raises(ValueError):
        random_hflip(x, 1.5)
    with pytest.raises(ValueError):
        hflip(torch.zeros(3, 3))


# --------------------------------------------------------------------------------- crops and scales


def test_random_crop_shapes_and_content() -> None:
    x = _images(20, 16)
    y = random_crop(x, 12, generator=torch.Generator().manual_seed(0))
    assert y.shape == (20, 3, 12, 12)
    for a, b in zip(y, x, strict=False):  # every crop is a window of its own image
        found = any(torch.equal(a, b[:, t : t + 12, l : l + 12]) for t in range(5) for l in range(5))  # noqa: E741
        assert found
    padded = random_crop(x, 16, padding=2, generator=torch.Generator().manual_seed(0))
    assert padded.shape == x.shape
    a = random_crop(x, 12, generator=torch.Generator().manual_seed(3))
    b = random_crop(x, 12, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    with pytest.raises(ValueError):
        random_crop(x, 20)


def test_center_crop_and_resize() -> None:
    x = _images(2, 16)
    assert torch.equal(center_crop(x, 8), x[..., 4:12, 4:12])
    r = resize_shorter(torch.rand(3, 10, 20), 15)
    assert r.shape == (3, 15, 30)
    const = torch.full((1, 3, 16, 16), 0.3)
    torch.testing.assert_close(resize_shorter(const, 23), torch.full((1, 3, 23, 23), 0.3))
    with pytest.raises(ValueError):
        crop(x, 10, 10, 8)


def test_random_scale_crop_the_resnet_recipe() -> None:
    x = _images(16, 16)
    y = random_scale_crop(x, 16, (16, 22), generator=torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert y.min() >= -1e-6 and y.max() <= 1 + 1e-6  # bilinear resizing stays in range
    # scale range [16, 16] and crop 16 is the identity
    torch.testing.assert_close(random_scale_crop(x, 16, (16, 16)), x)
    with pytest.raises(ValueError):
        random_scale_crop(x, 16, (12, 20))


# ------------------------------------------------------------------------------------- colour jitter


def test_brightness_and_contrast_definitions() -> None:
    x = _images(4) * 0.5 + 0.25
    torch.testing.assert_close(adjust_brightness(x, 1.2), (1.2 * x).clamp(0, 1))
    assert torch.equal(adjust_brightness(x, 1.0), x)
    assert torch.equal(adjust_contrast(x, 1.0), x)
    low = adjust_contrast(x, 0.0)  # contrast 0: the mean grey everywhere
    assert low.flatten(1).std(1).max().item() < 1e-6
    high = adjust_contrast(x, 1.5)
    assert (high.flatten(1).std(1) > x.flatten(1).std(1)).all()


def test_color_jitter_ranges_and_reproducible() -> None:
    x = _images(50)
    y = color_jitter(x, 0.4, 0.4, generator=torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.min() >= 0 and y.max() <= 1
    assert not torch.equal(y, x)
    assert torch.equal(y, color_jitter(x, 0.4, 0.4, generator=torch.Generator().manual_seed(0)))
    torch.testing.assert_close(color_jitter(x, 0.0, 0.0), x)
    with pytest.raises(ValueError):
        color_jitter(x, brightness=1.2)


# -------------------------------------------------------------------------------------- PCA colour


def _correlated_colour_images(n: int = 64) -> torch.Tensor:
    """Colour images whose pixels vary mostly along one RGB direction (like natural images' luminance)."""
    g = torch.Generator().manual_seed(0)
    direction = torch.tensor([0.6, 0.7, 0.38])
    direction = direction / direction.norm()
    base = torch.rand(n, 1, 8, 8, generator=g)
    noise = 0.03 * torch.randn(n, 3, 8, 8, generator=g)
    return 0.2 + 0.6 * base * direction.view(1, 3, 1, 1) + noise


def test_fit_pca_color_finds_the_training_set_covariance() -> None:
    x = _correlated_colour_images()
    vals, vecs = fit_pca_color(x)
    assert vals.shape == (3,) and vecs.shape == (3, 3)
    assert (vals[:-1] >= vals[1:]).all()
    pixels = x.permute(1, 0, 2, 3).reshape(3, -1)
    cov = torch.cov(pixels)
    torch.testing.assert_close(vecs @ torch.diag(vals) @ vecs.t(), cov, atol=1e-5, rtol=1e-4)
    top = vecs[:, 0] * torch.sign(vecs[0, 0])
    assert torch.dot(top, torch.tensor([0.6, 0.7, 0.38]) / torch.tensor([0.6, 0.7, 0.38]).norm()) > 0.99


def test_pca_noise_moves_colours_along_the_principal_components() -> None:
    x = _correlated_colour_images()
    vals, vecs = fit_pca_color(x)
    y = pca_color_noise(x, vals, vecs, std=0.1, generator=torch.Generator().manual_seed(1))
    delta = y - x
    # the same shift for every pixel of an image
    per_image = delta[:, :, :1, :1]
    torch.testing.assert_close(delta, per_image.expand_as(delta))
    shifts = per_image.flatten(1)  # (N, 3)
    # coordinates of the shift in the eigenbasis: alpha_i lambda_i with alpha_i ~ N(0, 0.1)
    coords = shifts @ vecs
    alphas = coords / vals
    assert alphas.std(0).max().item() == pytest.approx(0.1, rel=0.35)
    # most of the shift energy lies along p_1 since lambda_1 dominates
    energy = (coords**2).mean(0)
    assert energy[0] > 10 * energy[1:].sum()
    # explicit alpha gives exactly P diag(lambda) alpha
    alpha = torch.tensor([[1.0, 0.0, 0.0]])
    torch.testing.assert_close(pca_color_shift(vals, vecs, alpha)[0], vals[0] * vecs[:, 0])


def test_pca_noise_validates_and_clips() -> None:
    x = _correlated_colour_images(4)
    vals, vecs = fit_pca_color(x)
    y = pca_color_noise(x, vals * 1000, vecs, clip=True, generator=torch.Generator().manual_seed(0))
    assert y.min() >= 0 and y.max() <= 1
    assert torch.equal(pca_color_noise(x, vals, vecs, std=0.0), x)
    with pytest.raises(ValueError):
        fit_pca_color(torch.rand(2, 1, 4, 4))
    with pytest.raises(ValueError):
        pca_color_noise(x, vals, vecs, std=-1)


# ---------------------------------------------------------------------------- test-time averaging


def test_ten_crop_views() -> None:
    x = _images(2, 16)
    assert five_crop_offsets(16, 16, 12) == [(0, 0), (0, 4), (4, 0), (4, 4), (2, 2)]
    views = ten_crop(x, 12)
    assert len(views) == 10 and all(v.shape == (2, 3, 12, 12) for v in views)
    assert torch.equal(views[5], views[0].flip(-1))
    assert len(ten_crop(x, 16)) == 2  # full-size "crops" collapse to identity + flip


def test_tta_predict_averages_softmax_over_views() -> None:
    x = _images(5, 16)
    weight = torch.randn(3 * 12 * 12, 4, generator=torch.Generator().manual_seed(0))

    def model(v: torch.Tensor) -> torch.Tensor:
        return v.flatten(1) @ weight

    probs = tta_predict(model, x, 12)
    expected = torch.stack([torch.softmax(model(v), -1) for v in ten_crop(x, 12)]).mean(0)
    torch.testing.assert_close(probs, expected)
    torch.testing.assert_close(probs.sum(1), torch.ones(5))

    # a flip-invariant model on symmetric inputs: averaging changes nothing
    s = _symmetric_images(4, 12)
    sym_w = torch.randn(3, 4, generator=torch.Generator().manual_seed(2))

    def pooled(v: torch.Tensor) -> torch.Tensor:
        return v.mean(dim=(2, 3)) @ sym_w

    torch.testing.assert_close(tta_predict(pooled, s, 12), torch.softmax(pooled(s), -1))
