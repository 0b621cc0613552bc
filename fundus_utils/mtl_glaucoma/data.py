"""In-memory arrays for the four MTL-IO tasks, built from a canonical sample table.

One :class:`TaskArrays` holds, for the rows of a table at one network input size: the
images, the OD/OC masks, the fovea heatmaps (an isotropic Gaussian at the fovea, see
:func:`fundus_utils.data.targets.fovea_heatmap`), the glaucoma labels, the
fovea coordinates in network pixels and the reference vCDR measured on the resized
ground-truth masks (the authors' code measures it at the network resolution too).

Images and masks come from :func:`fundus_utils.data.load_resized` (a disk cache: each file
is decoded and resized once). Any source works: the REFUGE importer (masks 0 = cup,
128 = rim, 255 = background) and the synthetic twin give the same table. Missing task
columns are allowed: rows without masks, labels or fovea simply do not train those tasks.
Preprocessing follows the code (``dataset.py``): a plain resize of the whole image to a
square, intensities in [0, 1], no normalisation. The reference fovea position is, as in
the code (``dataset.py``: ``center_of_mass`` of the float32 target), the centre of mass
of the discretised Gaussian target map the network fits (after any band of rows is cut),
not the annotated point: the two differ where the Gaussian is cut by the picture's edge.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import load_resized
from ..data.arrays import PerImage, channels_first
from ..data.io import image_size
from ..data.targets import fovea_heatmap, fovea_variance
from ..evaluation import centres_of_mass, vertical_cdr


@dataclass
class TaskArrays(PerImage):
    """Network-ready arrays of ``len(self)`` images at ``size`` px (see module docstring)."""

    image_id: np.ndarray     # (N,) str
    x: np.ndarray            # (N, 3, H, W) uint8
    seg: np.ndarray          # (N, 3, H, W) float32: OD, OC, fovea map
    aux: np.ndarray          # (N, 4) float32: glaucoma, fovea x, fovea y, has masks
    vcdr: np.ndarray         # (N,) reference vCDR from the resized masks (NaN without masks)
    size: int

    @property
    def od(self) -> np.ndarray:
        return self.seg[:, 0] > 0.5

    @property
    def oc(self) -> np.ndarray:
        return self.seg[:, 1] > 0.5

    @property
    def glaucoma(self) -> np.ndarray:
        return self.aux[:, 0]

    @property
    def fovea_xy(self) -> np.ndarray:
        return self.aux[:, 1:3]

    @property
    def has_masks(self) -> np.ndarray:
        return self.aux[:, 3] > 0.5

    def has(self, task: str) -> bool:
        """Whether any row carries a target for ``task``."""
        if task == "glaucoma":
            return bool(np.isfinite(self.glaucoma).any())
        if task == "fovea":
            return bool(np.isfinite(self.aux[:, 1]).any())
        return bool(self.has_masks.any())


def _check_band(table: pd.DataFrame, od: np.ndarray, top: int, bottom: int) -> None:
    """Refuse a band of rows that would cut any optic disc (its Dice would be scored on a part)."""
    outside = od[:, :top].any(axis=(1, 2)) | od[:, bottom:].any(axis=(1, 2))
    if outside.any():
        names = ", ".join(table.loc[outside, "image"].astype(str).head(3))
        raise ValueError(f"rows band [{top}, {bottom}) px cuts the optic disc of {int(outside.sum())} image(s), "
                         f"e.g. {names}: widen the profile's rows setting or set rows=None")


def target_fovea_xy(maps: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """``(N, 2)`` centre of mass (x, y) of each target map (NaN where ``fx`` is NaN or the map is empty)."""
    out = centres_of_mass(maps).astype(np.float32)
    out[~np.isfinite(fx)] = np.nan
    return out


def prepare(table: pd.DataFrame, size: int, variance_256: float = 50.0,
            rows: tuple[float, float] | None = None) -> TaskArrays:
    """:class:`TaskArrays` of ``table``'s rows at ``size`` x ``size`` px.

    ``rows=(top, bottom)``, fractions of the height, keeps only that horizontal band of
    every resized image (the smoke profile's cost saver, see the config); fovea
    coordinates are shifted accordingly. Default: the whole image, as in the paper.
    """
    table = table.reset_index(drop=True)
    n = len(table)
    has_masks = np.array([isinstance(p, str) and bool(p) for p in table.get("od_mask", pd.Series([""] * n))])
    cols = ["image"] + (["od_mask", "oc_mask"] if has_masks.any() else [])
    arr = load_resized(table, size, cols, missing="zeros")
    x = channels_first(arr["image"])
    od = arr.get("od_mask", np.zeros((n, size, size), bool))
    oc = arr.get("oc_mask", np.zeros((n, size, size), bool))
    fx = pd.to_numeric(table.get("fovea_x", pd.Series(np.nan, index=table.index)), errors="coerce").to_numpy(float)
    fy = pd.to_numeric(table.get("fovea_y", pd.Series(np.nan, index=table.index)), errors="coerce").to_numpy(float)
    if np.isfinite(fx).any():
        wh = np.array([image_size(p) if np.isfinite(a) else (np.nan, np.nan)
                       for p, a in zip(table["image"], fx)], float)
        fx, fy = fx * size / wh[:, 0], fy * size / wh[:, 1]
    var = fovea_variance(size, variance_256)
    heat = np.stack([fovea_heatmap(a, b, size, var) for a, b in zip(fx, fy)]) if n else np.zeros((0, size, size))
    seg = np.stack([od, oc, heat], axis=1).astype(np.float32)
    glaucoma = pd.to_numeric(table.get("glaucoma", pd.Series(np.nan, index=table.index)), errors="coerce")
    aux = np.stack([glaucoma.to_numpy(float), fx, fy, has_masks.astype(float)], axis=1).astype(np.float32)
    if rows is not None:
        top, bottom = int(round(rows[0] * size)), int(round(rows[1] * size))
        _check_band(table, od, top, bottom)
        x, seg = np.ascontiguousarray(x[:, :, top:bottom]), np.ascontiguousarray(seg[:, :, top:bottom])
        aux[:, 2] -= top
    aux[:, 1:3] = target_fovea_xy(seg[:, 2], aux[:, 1])
    vcdr = np.array([vertical_cdr(o, c) if m else np.nan for o, c, m in zip(seg[:, 0] > 0.5, seg[:, 1] > 0.5, has_masks)],
                    float)
    return TaskArrays(table["image_id"].astype(str).to_numpy(), x, seg, aux, vcdr, size)


__all__ = ["TaskArrays", "prepare", "target_fovea_xy"]
