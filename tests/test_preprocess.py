"""Letterboxing and field-of-view standardisation."""
from __future__ import annotations

import numpy as np
import pytest

from fundus_utils.data.preprocess import fov_from_image, letterbox, standardise, unletterbox


def test_letterbox_round_trip_keeps_geometry():
    mask = np.zeros((300, 200), np.float32)
    mask[100:160, 80:120] = 1  # a 60 x 40 box
    small, box = letterbox(mask, 150)
    assert small.shape == (150, 150) and box.side == 300 and box.pads == (0, 50)
    back = unletterbox(small, box) > 0.5
    assert back.shape == mask.shape
    assert abs(int(back.sum()) - 2400) < 150, "area survives the round trip"
    rows, cols = np.nonzero(back)
    assert abs(rows.mean() - 129.5) < 1.5 and abs(cols.mean() - 99.5) < 1.5, "and so does position"


def test_standardise_inside_fov_only():
    rng = np.random.default_rng(0)
    image = np.zeros((64, 64, 3), np.uint8)
    yy, xx = np.mgrid[:64, :64]
    fov = (yy - 32) ** 2 + (xx - 32) ** 2 < 28 ** 2
    image[fov] = rng.integers(60, 200, (fov.sum(), 3))
    assert (fov_from_image(image) == fov).mean() > 0.99
    out = standardise(image)
    assert out.shape == (3, 64, 64) and out.dtype == np.float32
    assert np.allclose(out[:, fov].mean(axis=1), 0, atol=1e-3)
    assert np.allclose(out[:, fov].std(axis=1), 1, atol=1e-2)
    assert (out[:, ~fov] == 0).all()


def test_standardise_rejects_black_image():
    with pytest.raises(ValueError, match="field of view"):
        standardise(np.zeros((32, 32, 3), np.uint8))


def test_fov_from_image_is_the_opened_channel_maximum() -> None:
    import cv2

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:61, :73]
    image = (rng.uniform(0, 255, (61, 73, 3)) * (np.hypot(yy - 30, xx - 36) < 25)[..., None]).astype(np.uint8)
    image[5, 5] = 200  # a lone bright pixel outside the disc: removed by the opening
    expected = cv2.morphologyEx((image.max(axis=2) > 15).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    assert np.array_equal(fov_from_image(image), expected.astype(bool)) and not fov_from_image(image)[5, 5]
