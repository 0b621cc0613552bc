"""Synthetic non-fundus textures: the stand-in pretraining task where a paper used ImageNet.

Nothing may be downloaded in tests or in the ``smoke`` and ``real`` profiles, so chapters whose
paper initialises from ImageNet use a clearly labelled stand-in: the same network first learns
to classify these procedurally drawn pictures (patches of stripes of random period and colours
on noisy, randomly tinted backgrounds) by the stripes' orientation. Like ImageNet it is a
generic, non-fundus classification task; it exercises the transfer code path, not ImageNet's
benefit. Used by the MTL-IO chapter (encoder initialisation) and the fundus foundation chapter
(the "ImageNet" and "ImageNet + Fundus" initialisations).
"""
from __future__ import annotations

import numpy as np

ORIENTATIONS = (0, 45, 90, 135)


def synthetic_textures(n: int, size: tuple[int, int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uint8 pictures ``(n, 3, H, W)`` of a striped patch and its orientation class (0-3).

    Each picture: a noisy, randomly tinted background and a disc- or square-shaped patch of
    stripes (random period, phase and two random colours) at 0, 45, 90 or 135 degrees.
    """
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    x = np.empty((n, 3, h, w), np.uint8)
    y = rng.integers(0, len(ORIENTATIONS), n)
    for i in range(n):
        img = rng.uniform(0, 1, 3)[:, None, None] * 0.7 + rng.normal(0, 0.06, (3, h, w))
        ang = np.deg2rad(ORIENTATIONS[y[i]] + rng.normal(0, 4))
        u = xx * np.cos(ang) + yy * np.sin(ang)
        stripes = np.sin(2 * np.pi * u / rng.uniform(3, 7) + rng.uniform(0, 2 * np.pi)) > 0
        cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.5) * min(h, w)
        patch = ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r) if rng.uniform() < 0.5 else \
            ((np.abs(xx - cx) <= r) & (np.abs(yy - cy) <= r))
        c1, c2 = rng.uniform(0, 1, (2, 3, 1, 1))
        img = np.where(patch[None], np.where(stripes[None], c1, c2), img)
        x[i] = (np.clip(img, 0, 1) * 255).astype(np.uint8)
    return x, y
