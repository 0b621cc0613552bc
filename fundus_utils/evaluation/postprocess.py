"""Inference post-processing of segmentation and heatmap outputs.

* :func:`largest_component` keeps the largest connected component of a binary mask, the
  refinement the MTL-IO paper applies to its OD and OC predictions (Pascal et al., Sci Rep
  2022, Methods "Optic disc and cup segmentation tasks"; authors' code ``utils.refine_seg``,
  ``scipy.ndimage.label`` with its default 4-connectivity). An empty mask stays empty
  (the code turns an empty prediction into an all-ones mask; we keep it empty - our reading).
* :func:`fovea_location` is the centre of mass of a predicted heatmap, without any
  refinement ("since it may shift the center of mass", same paper, "Fovea localization").
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from .segmentation import centre_of_mass


def largest_component(mask: np.ndarray) -> np.ndarray:
    """Boolean mask of the largest 4-connected component of ``mask`` (empty if ``mask`` is)."""
    mask = np.asarray(mask, bool)
    labels, n = ndimage.label(mask)
    if n <= 1:
        return mask.copy()
    sizes = np.bincount(labels.ravel())[1:]
    return labels == (int(np.argmax(sizes)) + 1)


def largest_components(masks: np.ndarray) -> np.ndarray:
    """:func:`largest_component` of each mask in a stack ``N x H x W``."""
    return np.stack([largest_component(m) for m in masks]) if len(masks) else np.asarray(masks, bool)


def fovea_location(heatmap: np.ndarray) -> tuple[float, float]:
    """(x, y) of the fovea: centre of mass of the (non-negative) predicted map."""
    return centre_of_mass(heatmap)


__all__ = ["fovea_location", "largest_component", "largest_components"]
