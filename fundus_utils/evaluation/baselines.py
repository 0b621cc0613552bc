"""Image-blind baselines that bars compare methods with (see :mod:`.bars`).

* :func:`shape_prior` - the training set's mean mask (each mask re-centred on its own
  centroid, averaged, thresholded at 0.5): the disc (or cup) an algorithm "knows" without
  looking at the test image. :func:`place_prior` puts it at the image centre, or at given
  centres (a crop pipeline's located disc), for every test image.
* :func:`prevalence_prior` - the training masks' per-pixel frequency, thresholded where its
  mean Dice on the training masks is best: the structure where it usually lies (both
  sides' blobs when left and right eyes mirror each other). Where a centred shape prior
  misses an off-centre disc entirely, this one does not.
* :func:`vessel_maps` - for vessels, the whole field of view beside the prevalence map.
* :func:`mean_position` - the mean training position of a landmark (fovea, disc centre),
  predicted for every test image.

A method that does not beat these on the same test images has not shown that it reads
the image: on REFUGE Test400 a circle at the true disc centre already scores OD Dice 0.91.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def _centroid(mask: np.ndarray) -> tuple[float, float] | None:
    ys, xs = np.nonzero(mask)
    return (float(xs.mean()), float(ys.mean())) if len(xs) else None


def shape_prior(masks: np.ndarray) -> np.ndarray:
    """bool ``H x W``: the mean of the training ``masks`` ``(N, H, W)`` after centring each on its centroid.

    Empty masks are left out of the mean (they have no shape); raises if all are empty.
    """
    masks = np.asarray(masks, bool)
    h, w = masks.shape[1:]
    centre = ((w - 1) / 2, (h - 1) / 2)
    acc, used = np.zeros((h, w), float), 0
    for m in masks:
        c = _centroid(m)
        if c is None:
            continue
        acc += ndimage.shift(m.astype(float), (centre[1] - c[1], centre[0] - c[0]), order=0, mode="constant")
        used += 1
    if used == 0:
        raise ValueError("shape_prior: every training mask is empty")
    return acc / used >= 0.5


def place_prior(prior: np.ndarray, n: int, centres: np.ndarray | None = None) -> np.ndarray:
    """bool ``n x H x W``: ``prior`` at the image centre, or at ``centres`` ``(n, 2)`` (x, y; NaN = image centre)."""
    prior = np.asarray(prior, bool)
    h, w = prior.shape
    if centres is None:
        return np.broadcast_to(prior, (n, h, w)).copy()
    centres = np.asarray(centres, float)
    if centres.shape != (n, 2):
        raise ValueError(f"place_prior: centres must be ({n}, 2), got {centres.shape}")
    out = np.zeros((n, h, w), bool)
    mid = ((w - 1) / 2, (h - 1) / 2)
    for i, (x, y) in enumerate(centres):
        dx, dy = (x - mid[0], y - mid[1]) if np.isfinite(x) and np.isfinite(y) else (0.0, 0.0)
        out[i] = ndimage.shift(prior.astype(np.uint8), (dy, dx), order=0, mode="constant") > 0
    return out


def mask_centres(masks: np.ndarray) -> np.ndarray:
    """``(N, 2)``: the centroid (x, y) of each mask ``(N, H, W)``; NaN for an empty mask.

    With :func:`mean_position` it places a :func:`shape_prior` where the training discs lie
    on average (``place_prior(prior, n, mean_position(mask_centres(train_masks), n))``).
    """
    out = np.full((len(masks), 2), np.nan)
    for i, m in enumerate(np.asarray(masks, bool)):
        c = _centroid(m)
        if c is not None:
            out[i] = c
    return out


def prevalence_prior(masks: np.ndarray, where: np.ndarray | None = None,
                     thresholds: np.ndarray = np.linspace(0.02, 0.6, 30)) -> tuple[np.ndarray, float, float]:
    """bool ``H x W``: the per-pixel frequency of the training ``masks`` thresholded where their mean Dice is best.

    ``where`` (one bool map per mask, e.g. the field of view) restricts the pixels scored.
    Returns (map, threshold, mean training Dice); chosen on the training masks only.
    """
    from .segmentation import dice

    masks = np.asarray(masks, bool)
    if len(masks) == 0:
        raise ValueError("prevalence_prior: no training masks")
    freq = masks.mean(axis=0)
    best = (-1.0, float(thresholds[0]))
    for t in thresholds:
        pred = freq >= t
        d = float(np.mean([dice(pred, m, where=None if where is None else where[i]) for i, m in enumerate(masks)]))
        best = max(best, (d, float(t)))
    return freq >= best[1], best[1], best[0]


def vessel_maps(masks: np.ndarray, fovs: np.ndarray) -> tuple[dict[str, np.ndarray], float, float]:
    """The image-blind vessel maps of training ``masks`` inside their ``fovs``: the whole picture ("all FOV":
    Dice 2p / (1 + p) at vessel prevalence p inside a test FOV, the soft Dice loss's trivial answer) and the
    :func:`prevalence_prior` map; with the prevalence map's threshold and mean training Dice."""
    prevalence, threshold, train_dice = prevalence_prior(masks, where=fovs)
    return {"all FOV": np.ones(prevalence.shape, bool), "prevalence map": prevalence}, threshold, train_dice


def mean_position(train_xy: np.ndarray, n: int) -> np.ndarray:
    """``n x 2``: the mean of the finite training positions ``(M, 2)``, repeated for ``n`` test images."""
    xy = np.asarray(train_xy, float)
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        raise ValueError("mean_position: no finite training position")
    return np.tile(xy[ok].mean(axis=0), (n, 1))


__all__ = ["mask_centres", "mean_position", "place_prior", "prevalence_prior", "shape_prior", "vessel_maps"]
