"""Image preprocessing shared by training and inference: letterboxing and FOV standardisation.

Letterboxing pads a non-square fundus image to a square (black, like the area outside
the field of view) before resizing, so anatomy keeps its aspect ratio; ``unletterbox``
maps a prediction back onto the original pixel grid, where it is scored.
Standardising each channel inside the field of view removes most of the colour and
brightness differences between cameras, the first lever against domain shift.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Letterbox:
    """How an image of ``height`` x ``width`` was padded to ``side`` and resized to ``size``."""

    height: int
    width: int
    side: int
    size: int

    @property
    def pads(self) -> tuple[int, int]:
        """(top, left) padding in original pixels."""
        return (self.side - self.height) // 2, (self.side - self.width) // 2


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
    """Pad ``image`` (H x W [x C]) to a centred square and resize it to ``size`` x ``size``."""
    h, w = image.shape[:2]
    box = Letterbox(h, w, max(h, w), size)
    top, left = box.pads
    padded = np.zeros((box.side, box.side, *image.shape[2:]), image.dtype)
    padded[top:top + h, left:left + w] = image
    interp = cv2.INTER_AREA if box.side > size else cv2.INTER_LINEAR
    return cv2.resize(padded, (size, size), interpolation=interp), box


def unletterbox(prediction: np.ndarray, box: Letterbox) -> np.ndarray:
    """Map a ``size`` x ``size`` map (e.g. probabilities) back to the original H x W grid."""
    top, left = box.pads
    full = cv2.resize(prediction.astype(np.float32), (box.side, box.side), interpolation=cv2.INTER_LINEAR)
    return full[top:top + box.height, left:left + box.width]


def fov_from_image(image: np.ndarray, threshold: int = 15) -> np.ndarray:
    """Field-of-view mask of a fundus photograph: pixels brighter than the black surround.

    The channel maximum by OpenCV (~12x faster than ``image.max(axis=2)`` on a 2 Mpx photograph).
    """
    r, g, b = cv2.split(np.ascontiguousarray(image))
    mask = (cv2.max(cv2.max(r, g), b) > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return mask.astype(bool)


def standardise(image: np.ndarray, fov: np.ndarray | None = None) -> np.ndarray:
    """float32 C x H x W: each channel z-scored over the field of view, zero outside it."""
    img = image.astype(np.float32)
    fov = fov_from_image(image) if fov is None else fov
    if fov.sum() < 16:
        raise ValueError("image has (almost) no field of view: is it black or empty?")
    pixels = img[fov]
    out = (img - pixels.mean(0)) / (pixels.std(0) + 1e-3)
    out[~fov] = 0
    return np.ascontiguousarray(out.transpose(2, 0, 1))
