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


def centres_of_mass(maps: np.ndarray) -> np.ndarray:
    """``(N, 2)`` centre of mass (x, y) of each map of ``(N, H, W)``, in pixels; negative weights
    count as 0, an all-zero map gives NaN. The project's one centre of mass: predicted fovea
    heatmaps, the MTL chapter's target maps (the authors' ``center_of_mass``), disc masks."""
    w = np.clip(np.asarray(maps, np.float64), 0, None)
    total = w.sum(axis=(1, 2))
    h, wd = w.shape[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = (w.sum(axis=1) * np.arange(wd)).sum(axis=1) / total
        cy = (w.sum(axis=2) * np.arange(h)).sum(axis=1) / total
    out = np.stack([cx, cy], axis=1)
    out[~(total > 0)] = np.nan
    return out


def centre_of_mass(weights: np.ndarray) -> tuple[float, float]:
    """(x, y) centre of mass of one non-negative map, in pixels (NaN for an all-zero map)."""
    x, y = centres_of_mass(np.asarray(weights)[None])[0]
    return float(x), float(y)
