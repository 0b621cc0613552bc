"""Landmark target maps shared by the chapters' heatmap regressors (MTL-IO's fovea head, the
REFUGE ensemble's bi-distance fovea U-Net).

From Pascal et al. (Sci Rep 2022) and their code (robustml-eurecom/glaucoma_mtl,
``dataset.py``): an isotropic Gaussian centred on the landmark, scaled to peak 1, with
variance 50 px^2 on 256 x 256 inputs. Our reading: at other input sizes the variance scales
with the squared size, so the map covers the same part of the eye.
"""
from __future__ import annotations

import numpy as np


def fovea_variance(size: int, variance_256: float = 50.0) -> float:
    """Variance (px^2) of the fovea Gaussian at input ``size`` (code: 50 px^2 at 256 px)."""
    return variance_256 * (size / 256.0) ** 2


def fovea_heatmap(x: float, y: float, size: int | tuple[int, int], variance: float) -> np.ndarray:
    """Isotropic Gaussian centred at pixel ``(x, y)``, peak 1, float32 ``H x W``; zeros if x or y is NaN."""
    h, w = (size, size) if isinstance(size, int) else size
    if not (np.isfinite(x) and np.isfinite(y)):
        return np.zeros((h, w), np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    return np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * variance)).astype(np.float32)


__all__ = ["fovea_heatmap", "fovea_variance"]
