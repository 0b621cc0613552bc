"""Fit the simulator's device colour statistics to real photographs.

The numbers the simulator draws its colours from (:mod:`fundus_utils.data.simulator.fitted`)
were computed by :func:`fit_all` on the copies of REFUGE, Drishti-GS1, DRIVE and CHASE_DB1
in ``../shared/data`` and typed into that module with their source; images are never
redistributed, only these few moments. Re-fit and print them with::

    .venv/bin/python -m fundus_utils.synthetic.colour_fit ../shared/data

Per device (one public data set = one camera and site), over its images at 256 px:

``mean`` / ``mean_cov``
    the mean and covariance, over images, of each image's mean RGB (0-1) inside the field of view;
``pixel_cov``
    the mean over images of the within-image 3 x 3 covariance of the field of view's pixels;
``vignette``
    median over images of 1 - (mean luminance at 0.8-0.95 of the FOV radius) / (mean inside 0.4);
``disc_ratio``
    median of the disc's mean luminance over the rest of the field of view (sets with disc masks);
``noise``
    median standard deviation of the green channel minus its 3 x 3 median (sensor noise and JPEG);
``fov_radius``
    median field-of-view radius as a fraction of the letterboxed image's side.
"""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from .. import data
from ..data.preprocess import fov_from_image
from ..data.registry import present
from .photo_stats import Picture, colour, disc_brightness, on_grid

DEVICES = ("REFUGE", "Drishti-GS1", "DRIVE", "CHASE_DB1")
FIT_GRID = 256


def real_pictures(name: str, root, grid: int = FIT_GRID, limit: int | None = None, vessels: bool = False):
    """Yield the pictures of a real data set on the common grid (with the masks it has)."""
    table = data.open_dataset(name, root)
    table = table.head(limit) if limit else table
    for row in table.itertuples():
        image = data.read_image(row.image)
        fov_path = getattr(row, "fov_mask", "")
        fov = (data.read_mask(fov_path, "binary", "fov") if isinstance(fov_path, str) and fov_path
               else fov_from_image(image))
        od = (data.read_mask(row.od_mask, row.mask_encoding, "od", check_size=image.shape[:2])
              if isinstance(getattr(row, "od_mask", ""), str) and getattr(row, "od_mask", "") else None)
        vessel = (data.read_mask(row.vessel_mask, row.mask_encoding, "vessel", check_size=image.shape[:2])
                  if vessels else None)
        yield on_grid(image, fov, vessel, od, grid)


def _vignette(p: Picture) -> float:
    lum = cv2.cvtColor(p.image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    ys, xs = np.nonzero(p.fov)
    r = np.hypot(ys - ys.mean(), xs - xs.mean()) / (p.fov_diameter / 2)
    values = lum[ys, xs]
    return float(1 - values[(r > 0.8) & (r < 0.95)].mean() / values[r < 0.4].mean())


def _noise(p: Picture) -> float:
    green = p.image[..., 1]
    residual = green.astype(np.float32) - cv2.medianBlur(green, 3)
    inner = cv2.erode(p.fov.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return float(residual[inner].std() / 255)


def fit_device(pictures) -> dict:
    """The colour statistics (module docstring) of one device's pictures."""
    means, covs, vignettes, discs, noises, radii = [], [], [], [], [], []
    for p in pictures:
        m, c = colour(p)
        means.append(m)
        covs.append(c)
        vignettes.append(_vignette(p))
        noises.append(_noise(p))
        radii.append(p.fov_diameter / 2 / p.fov.shape[0])
        if p.od is not None and p.od.any():
            discs.append(disc_brightness(p))
    means = np.asarray(means)
    return {"images": len(means), "mean": means.mean(0).round(4).tolist(),
            "mean_cov": np.cov(means.T).round(6).tolist(), "pixel_cov": np.mean(covs, 0).round(6).tolist(),
            "vignette": round(float(np.median(vignettes)), 3),
            "disc_ratio": round(float(np.median(discs)), 3) if discs else None,
            "noise": round(float(np.median(noises)), 4), "fov_radius": round(float(np.median(radii)), 3)}


def fit_all(root, devices=DEVICES, limit: int | None = None) -> dict[str, dict]:
    """:func:`fit_device` for every device present under ``root``."""
    return {name: fit_device(real_pictures(name, root, limit=limit)) for name in devices if present(name, root)}


if __name__ == "__main__":
    import pprint
    pprint.pprint(fit_all(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")), width=110, sort_dicts=False)
