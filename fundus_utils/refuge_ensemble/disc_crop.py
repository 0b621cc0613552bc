"""Optic-disc crops for the ``disc`` members of the glaucoma ensemble.

Zhao et al. (Section 4.2): "we locate the optic disc area, and then take it as the crop
size about twice the diameter of the optic disc, and then resize it to 512x512". The disc
is located "by the segmentation model"; for speed the book uses the plain U-Net of
:func:`fundus_utils.train.segmentation.fit_segmenter`, trained on optic-disc masks of the
*training* images only at a low resolution (``cfg.cls.locator["size"]``):

1. :func:`fit_locator` trains the U-Net (Dice + BCE) on standardised images and OD masks;
2. :func:`locate` gives disc probabilities for any images;
3. :func:`disc_boxes` keeps one connected component of ``p > threshold`` - the most disc-like
   one (:func:`disc_component`: largest area x roundness, since a briefly trained locator also
   lights up arcs of a bright field-of-view rim, which can outsize the disc) - and returns a
   square box centred on its centroid with side ``factor`` x the disc diameter (the larger of
   its vertical and horizontal extent), in pixels of the image to crop;
4. :func:`crop_discs` cuts (zero-padded where the box leaves the picture) and resizes;
5. :func:`stretch_contrast` (optional, ``cfg.cls.crop_stretch``; our addition, the paper states no
   preprocessing) maps each crop's 1st-99th percentile of every channel to 0-255, so that the
   pale cup stands out from the rim whatever the camera's brightness (on the synthetic twin it
   lifts a disc member from AUC ~0.65 to ~0.8 at the same compute).

An image where no disc is predicted either stops with an error naming it (``fallback=None``)
or gets a box at the image centre with ``fallback_diameter`` (a fraction of the image side),
counted in :attr:`DiscBoxes.n_fallback` and announced with a warning, so that a table can
report how often it happened. Ground-truth masks of evaluated images are never read here.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np
from scipy import ndimage

from ..config import Config
from ..data.preprocess import standardise
from ..evaluation import centre_of_mass


@dataclass
class DiscBoxes:
    """Square crop boxes ``(x0, y0, side)`` per image, in pixels of the image they will cut."""

    boxes: np.ndarray                 # N x 3 float: left, top, side
    fallback: np.ndarray              # N bool: no disc predicted, centre box used
    diameters: np.ndarray             # N float: disc diameter in image pixels (NaN for fallbacks)
    ids: list[str] = field(default_factory=list)

    @property
    def n_fallback(self) -> int:
        return int(self.fallback.sum())


def resize_stack(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 ``N x H x W x 3`` resized to ``N x size x size x 3`` (area interpolation when shrinking)."""
    if images.ndim != 4:
        raise ValueError(f"expected images N x H x W x C, got shape {images.shape}")
    if images.shape[1:3] == (size, size):
        return images.copy()
    interp = cv2.INTER_AREA if images.shape[1] > size else cv2.INTER_LINEAR
    return np.stack([cv2.resize(im, (size, size), interpolation=interp) for im in images]) if len(images) \
        else np.zeros((0, size, size, images.shape[-1]), images.dtype)


def locator_inputs(images: np.ndarray, size: int) -> np.ndarray:
    """float32 ``N x 3 x size x size``: images resized and standardised over their field of view."""
    small = resize_stack(images, size)
    return np.stack([standardise(im) for im in small]) if len(small) else np.zeros((0, 3, size, size), np.float32)


def fit_locator(images: np.ndarray, od_masks: np.ndarray, cfg: Config, params: dict, progress: bool | None = None,
                patients: Sequence | None = None, seed: int = 0):
    """The chapter's one disc locator: a U-Net trained on ``images`` (uint8 ``N x H x W x 3``) and
    their OD masks (bool ``N x H x W``) at low resolution.

    ``params``: a locator group of the settings (``cfg.seg.locator`` or ``cfg.cls.locator``):
    size, width, depth, epochs, lr, bs, and ``mask_resize`` - how the masks reach the locator's
    grid: ``"nearest"`` (sampled) or ``"any"`` (a pixel is disc if any disc falls in it: the
    area average above 0). ``patients`` (one per image) and ``seed`` draw the monitoring
    hold-out (:func:`fundus_utils.train.loaders.holdout_dls`). Returns the fastai Learner.
    """
    from ..train.segmentation import fit_segmenter

    if len(images) != len(od_masks):
        raise ValueError(f"fit_locator: {len(images)} images but {len(od_masks)} OD masks")
    if len(images) < 4:
        raise ValueError(f"fit_locator: need at least 4 training images with OD masks, got {len(images)}")
    size, how = int(params["size"]), params.get("mask_resize", "nearest")
    if how not in ("nearest", "any"):
        raise ValueError(f"locator mask_resize must be 'nearest' or 'any', got {how!r}")
    interp = cv2.INTER_NEAREST if how == "nearest" else cv2.INTER_AREA
    x = locator_inputs(images, size)
    y = np.stack([cv2.resize(m.astype(np.uint8), (size, size), interpolation=interp) for m in od_masks]) > 0
    return fit_segmenter(x, y, cfg, epochs=int(params["epochs"]), width=int(params["width"]),
                         depth=int(params["depth"]), lr=float(params["lr"]), bs=int(params["bs"]), progress=progress,
                         patients=patients, seed=seed)


def locate(learn, images: np.ndarray, cfg: Config, params: dict) -> np.ndarray:
    """Disc probabilities ``N x s x s`` (``s = params["size"]``) for uint8 images ``N x H x W x 3``."""
    from ..train.segmentation import predict_probabilities

    x = locator_inputs(images, int(params["size"]))
    return predict_probabilities(learn, x, cfg) if len(x) else np.zeros((0,) + x.shape[-2:], np.float32)


def disc_component(mask: np.ndarray) -> np.ndarray:
    """The most disc-like 8-connected component of a boolean mask (empty if ``mask`` is).

    Score = area x fill, where fill = area / (pi/4 x d^2) with d the larger bounding-box side:
    1 for a filled disc, small for thin arcs and lines; among equally round blobs the largest wins.
    """
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n <= 1:
        return labels > 0
    best, best_score = 0, -1.0
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        comp = labels[sl] == k
        area = comp.sum()
        d = max(comp.shape)
        score = area * min(1.0, area / (np.pi / 4 * d * d))
        if score > best_score:
            best, best_score = k, score
    return labels == best


def disc_boxes(probs: np.ndarray, image_size: int | tuple[int, int], factor: float = 2.0, threshold: float = 0.5,
               fallback: str | None = "centre", fallback_diameter: float = 0.15,
               ids: Sequence[str] | None = None) -> DiscBoxes:
    """Crop boxes around the predicted disc of each probability map (see the module docstring).

    ``image_size`` is the (height, width) (or side) of the images to be cropped; the maps are
    scaled to it. ``fallback="centre"`` boxes an image without predicted disc at its centre
    with a disc of ``fallback_diameter`` x the image side (warned and counted);
    ``fallback=None`` raises ``ValueError`` naming those images.
    """
    probs = np.asarray(probs)
    if probs.ndim != 3:
        raise ValueError(f"disc_boxes: expected probability maps N x H x W, got shape {probs.shape}")
    if len(probs) == 0:
        raise ValueError("disc_boxes: empty batch of probability maps (no images to crop)")
    if fallback not in (None, "centre"):
        raise ValueError(f"disc_boxes: fallback must be None or 'centre', got {fallback!r}")
    if factor <= 0:
        raise ValueError(f"disc_boxes: factor must be positive, got {factor}")
    ids = [str(i) for i in (ids if ids is not None else range(len(probs)))]
    if len(ids) != len(probs):
        raise ValueError(f"disc_boxes: {len(ids)} ids for {len(probs)} maps")
    h, w = (image_size, image_size) if np.isscalar(image_size) else tuple(image_size)
    sy, sx = h / probs.shape[1], w / probs.shape[2]
    boxes = np.zeros((len(probs), 3))
    diam = np.full(len(probs), np.nan)
    missed = np.zeros(len(probs), bool)
    for i, p in enumerate(probs):
        comp = disc_component(p > threshold)
        if not comp.any():
            missed[i] = True
            d = fallback_diameter * min(h, w)
            cy, cx = (h - 1) / 2, (w - 1) / 2
        else:
            rows, cols = np.flatnonzero(comp.any(axis=1)), np.flatnonzero(comp.any(axis=0))
            d = max((rows[-1] - rows[0] + 1) * sy, (cols[-1] - cols[0] + 1) * sx)
            cxp, cyp = centre_of_mass(comp)
            cy, cx = (cyp + 0.5) * sy - 0.5, (cxp + 0.5) * sx - 0.5
            diam[i] = d
        side = factor * d
        boxes[i] = (cx + 0.5 - side / 2, cy + 0.5 - side / 2, side)
    if missed.any():
        names = [ids[i] for i in np.flatnonzero(missed)]
        if fallback is None:
            raise ValueError(f"disc_boxes: no optic disc predicted (p > {threshold}) in {len(names)} image(s): "
                             f"{names[:10]}; pass fallback='centre' to crop the image centre instead")
        warnings.warn(f"disc_boxes: no disc predicted in {len(names)} of {len(probs)} images ({names[:5]}...); "
                      f"cropped at the image centre", RuntimeWarning, stacklevel=2)
    return DiscBoxes(boxes=boxes, fallback=missed, diameters=diam, ids=ids)


def crop_discs(images: np.ndarray, boxes: DiscBoxes | np.ndarray, size: int) -> np.ndarray:
    """uint8 ``N x size x size x C``: each image cut to its box (zeros outside the picture) and resized."""
    b = boxes.boxes if isinstance(boxes, DiscBoxes) else np.asarray(boxes, float)
    if len(b) != len(images):
        raise ValueError(f"crop_discs: {len(images)} images but {len(b)} boxes")
    out = np.zeros((len(images), size, size, images.shape[-1]), np.uint8)
    for i, (im, (x0, y0, side)) in enumerate(zip(images, b)):
        s = size / side
        m = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]], np.float32)
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        out[i] = cv2.warpAffine(im, m, (size, size), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def stretch_contrast(images: np.ndarray, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """uint8 images with each image's channels linearly stretched from their ``low``-``high`` percentiles to 0-255."""
    if images.ndim != 4:
        raise ValueError(f"stretch_contrast: expected N x H x W x C, got shape {images.shape}")
    f = images.astype(np.float32)
    lo = np.percentile(f, low, axis=(1, 2), keepdims=True)
    hi = np.percentile(f, high, axis=(1, 2), keepdims=True)
    return (np.clip((f - lo) / np.maximum(hi - lo, 1.0), 0, 1) * 255 + 0.5).astype(np.uint8)
