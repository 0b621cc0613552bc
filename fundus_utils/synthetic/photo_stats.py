"""Statistics of one fundus photograph and its masks, the same for real and synthetic pictures.

Every function takes arrays on a common grid (the picture letterboxed to ``GRID`` px, see
:func:`on_grid`), so a DRIVE image (565 x 584), a CHASE_DB1 image (999 x 960) and a twin
rendered at 512 px are measured alike. Lengths are given in thousandths of the field-of-view
diameter, areas per field of view, so the numbers do not depend on the grid either.

* colour: mean RGB inside the field of view (0-1) and the pixels' 3 x 3 covariance;
* vessels: the share of the field of view they cover, their calibre at every centreline
  pixel (twice the distance to the background, less one pixel), branch points (centreline pixels with three
  or more centreline neighbours, touching ones counted once), the tortuosity of every
  segment between branch points (arc length / chord, segments of at least 0.03 FOV diameters)
  and the orientation of vessel pixels against the image's horizontal axis - the disc-fovea
  axis of a macula-centred photograph to within about 10 degrees (0 = along it, 90 = across);
* optic disc: mean luminance inside the disc over that of the rest of the field of view.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize

from ..data.preprocess import letterbox

GRID = 512
MIN_SEGMENT = 0.03   # shortest segment whose tortuosity counts, in FOV diameters
_EIGHT = np.ones((3, 3), np.uint8)


@dataclass
class Picture:
    """A picture on the common grid: RGB image (uint8), FOV, and the masks it has (bool or None)."""

    image: np.ndarray
    fov: np.ndarray
    vessels: np.ndarray | None = None
    od: np.ndarray | None = None

    @property
    def fov_diameter(self) -> float:
        return 2.0 * np.sqrt(self.fov.sum() / np.pi)


def on_grid(image: np.ndarray, fov: np.ndarray, vessels: np.ndarray | None = None,
            od: np.ndarray | None = None, grid: int = GRID) -> Picture:
    """Letterbox a picture and its masks to ``grid`` px (masks by area, thresholded at one half)."""
    def mask(m):
        return None if m is None else letterbox(m.astype(np.float32), grid)[0] >= 0.5
    return Picture(letterbox(image, grid)[0], mask(fov), mask(vessels), mask(od))


def colour(p: Picture) -> tuple[np.ndarray, np.ndarray]:
    """Mean RGB (0-1) inside the field of view and the pixels' covariance."""
    pixels = p.image[p.fov].astype(np.float64) / 255
    return pixels.mean(0), np.cov(pixels.T)


def vessel_fraction(p: Picture) -> float:
    return float((p.vessels & p.fov).sum() / p.fov.sum())


def _skeleton(p: Picture) -> np.ndarray:
    return skeletonize(p.vessels & p.fov)


def _neighbours(skeleton: np.ndarray) -> np.ndarray:
    """Centreline neighbours of every pixel (8-connected), zero off the centreline."""
    s = skeleton.astype(np.uint8)
    return (cv2.filter2D(s, -1, _EIGHT, borderType=cv2.BORDER_CONSTANT) - s) * s


def calibres(p: Picture) -> np.ndarray:
    """Vessel calibre at every centreline pixel, in thousandths of the FOV diameter."""
    skeleton = _skeleton(p)
    depth = cv2.distanceTransform((p.vessels & p.fov).astype(np.uint8), cv2.DIST_L2, 5)
    # the distance to the nearest background pixel's centre: 2 d - 1 px across (1 px for a 1-px vessel)
    return (2 * depth[skeleton] - 1) / p.fov_diameter * 1000


def branch_points(p: Picture) -> float:
    """Branch points per field of view."""
    skeleton = _skeleton(p)
    junctions = _neighbours(skeleton) >= 3
    return float(ndimage.label(junctions, structure=_EIGHT)[1])


def tortuosity(p: Picture) -> np.ndarray:
    """Arc length / chord of every centreline segment between branch points (>= MIN_SEGMENT long)."""
    skeleton = _skeleton(p)
    junctions = cv2.dilate((_neighbours(skeleton) >= 3).astype(np.uint8), _EIGHT) > 0
    segments = skeleton & ~junctions
    labels, n = ndimage.label(segments, structure=_EIGHT)
    if n == 0:
        return np.zeros(0)
    # Arc length: 1 per straight step, sqrt(2) per diagonal one, half of each step per pixel.
    s = segments.astype(np.uint8)
    straight = cv2.filter2D(s, -1, np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.uint8),
                            borderType=cv2.BORDER_CONSTANT)
    diagonal = cv2.filter2D(s, -1, np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1]], np.uint8),
                            borderType=cv2.BORDER_CONSTANT)
    step = (straight + np.sqrt(2) * np.minimum(diagonal, np.maximum(2 - straight, 0))) / 2
    arc = ndimage.sum_labels(step * s, labels, np.arange(1, n + 1))
    ends = segments & (_neighbours(segments) == 1)
    ys, xs = np.nonzero(ends)
    which = labels[ys, xs]
    order = np.argsort(which, kind="stable")
    which, ys, xs = which[order], ys[order], xs[order]
    first = np.searchsorted(which, np.arange(1, n + 1))
    last = np.searchsorted(which, np.arange(1, n + 1), side="right") - 1
    two = last > first  # open segments with two ends (loops and single pixels have none)
    chord = np.hypot(ys[last[two]] - ys[first[two]], xs[last[two]] - xs[first[two]])
    arc = arc[two]
    keep = chord >= MIN_SEGMENT * p.fov_diameter
    return arc[keep] / chord[keep]


def orientations(p: Picture, sigma: float = 2.0) -> np.ndarray:
    """Angle (degrees, 0-90) between the vessel direction at each vessel pixel and the horizontal axis.

    The direction is the structure tensor's minor axis of the smoothed vessel mask.
    """
    m = cv2.GaussianBlur((p.vessels & p.fov).astype(np.float32), (0, 0), sigma)
    gx, gy = cv2.Sobel(m, cv2.CV_32F, 1, 0), cv2.Sobel(m, cv2.CV_32F, 0, 1)
    jxx, jyy, jxy = (cv2.GaussianBlur(v, (0, 0), sigma) for v in (gx * gx, gy * gy, gx * gy))
    where = p.vessels & p.fov
    across = 0.5 * np.arctan2(2 * jxy[where], jxx[where] - jyy[where])  # gradient direction
    along = np.degrees(across) + 90
    return np.abs((along + 90) % 180 - 90)


def disc_brightness(p: Picture) -> float:
    """Mean luminance inside the optic disc / mean luminance of the rest of the field of view."""
    lum = cv2.cvtColor(p.image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    around = p.fov & ~(cv2.dilate(p.od.astype(np.uint8), _EIGHT, iterations=3) > 0)
    return float(lum[p.od & p.fov].mean() / lum[around].mean())
