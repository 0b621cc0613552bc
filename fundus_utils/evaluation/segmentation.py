"""Segmentation metrics on numpy masks: Dice, vertical cup-to-disc ratio, centre of mass.

These score predictions after thresholding, image by image, as challenge papers do
(mean of per-image Dice); the fastai metrics in ``train.metrics`` monitor training.
"""
from __future__ import annotations

import numpy as np


def dice(pred: np.ndarray, target: np.ndarray, where: np.ndarray | None = None) -> float:
    """Dice of two boolean masks (1.0 when both are empty); ``where`` restricts the pixels scored."""
    pred, target = pred.astype(bool), target.astype(bool)
    if where is not None:
        pred, target = pred & where, target & where
    total = pred.sum() + target.sum()
    return 1.0 if total == 0 else float(2 * (pred & target).sum() / total)


def dice_per_image(preds: np.ndarray, targets: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Dice of each image in stacks of masks (N x H x W); ``where`` is one mask per image or None."""
    return np.array([dice(p, t, None if where is None else where[i]) for i, (p, t) in enumerate(zip(preds, targets))])


def vertical_extent(mask: np.ndarray) -> int:
    """Number of rows from the top-most to the bottom-most pixel of ``mask`` (0 if empty)."""
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def vertical_cdr(od: np.ndarray, oc: np.ndarray) -> float:
    """Vertical cup-to-disc ratio: cup height / disc height (NaN when there is no disc)."""
    disc = vertical_extent(od)
    return float(vertical_extent(oc) / disc) if disc else float("nan")


def centre_of_mass(weights: np.ndarray) -> tuple[float, float]:
    """(x, y) centre of mass of a non-negative map, in pixels (NaN for an all-zero map)."""
    weights = np.clip(weights.astype(np.float64), 0, None)
    total = weights.sum()
    if total <= 0:
        return float("nan"), float("nan")
    ys, xs = np.indices(weights.shape)
    return float((xs * weights).sum() / total), float((ys * weights).sum() / total)
