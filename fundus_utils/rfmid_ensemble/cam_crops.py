"""The paper's attention-crop augmentation (its Section 3.2, Eqs. 4-5 and Fig. 2).

A network trained on the whole pictures (stage 1, VGG) gives, for each training picture, a
Guided Grad-CAM map per class it predicts; the maps are summed over those classes and
rescaled to [0, 255] (Eq. 4); the pixels at or above a threshold theta (Eq. 5) mark the
attention area; its bounding rectangle is cut out and resized to the network's input size,
and the crop joins the training set with the picture's labels (stage 2).

From where: Guided Grad-CAM is pytorch-grad-cam's guided ReLU x ``GradCAM``, summed over the
predicted classes by :func:`fundus_utils.evaluation.cam.multilabel_cam`; resizing is OpenCV's
(``INTER_AREA`` when shrinking, ``INTER_LINEAR`` when enlarging). Ours where the paper is
silent: which classes count as predicted (``sigmoid >= min_prob``; a picture with none uses its
top class), theta (not given: a setting, swept by the notebooks), and a picture whose map has
no pixel at theta gives no crop (counted, not silently dropped: :class:`Crops` keeps the
source rows).

For the study of whether the crops land on lesions (beyond the paper): :func:`random_boxes`
places boxes of the same sizes at random positions, and :func:`lesion_coverage` measures the
share of a picture's lesion pixels inside a box.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..data.arrays import channels_first
from ..evaluation.cam import multilabel_cam

Box = tuple[int, int, int, int]   # row0, row1, col0, col1 (half-open)


def attention_maps(model: torch.nn.Module, images: np.ndarray, min_prob: float = 0.5,
                   device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4: per picture, the sum of the Guided Grad-CAM maps of its predicted classes, in [0, 1]
    (:func:`fundus_utils.evaluation.cam.multilabel_cam`; a picture with no class at ``min_prob``
    uses its top class).

    Returns ``(maps N x H x W float32, predicted N x K bool)``; ``model`` is a
    :class:`~fundus_utils.models.gap_classifier.GapClassifier` (its ``cam_layer``).
    """
    model = model.to(device).eval()
    x = torch.from_numpy(channels_first(images)).float().div_(255).to(device)
    maps, predicted = multilabel_cam(model, x, model.cam_layer(), method="guided_gradcam", threshold=min_prob)
    model.zero_grad(set_to_none=True)   # Grad-CAM's backward passes leave gradients on the caller's model
    return maps, predicted


def attention_box(attention: np.ndarray, theta: float) -> Box | None:
    """Eq. 5: the bounding rectangle of the pixels with ``255 * attention >= theta``; None if there are none."""
    rows, cols = np.nonzero(attention * 255.0 >= theta)
    if not len(rows):
        return None
    return int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1


def crop_resized(image: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The ``box`` of ``image`` (``H x W x 3``) resized to ``size x size``."""
    r0, r1, c0, c1 = box
    patch = np.ascontiguousarray(image[r0:r1, c0:c1])
    shrink = patch.shape[0] > size or patch.shape[1] > size
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


@dataclass
class Crops:
    """Crops cut from some of the pictures: ``images`` ``M x size x size x 3``, the row of the
    source picture of each (``rows``), its box, and how many pictures gave no crop."""

    images: np.ndarray
    rows: np.ndarray
    boxes: list[Box]
    n_without: int


def cut_crops(images: np.ndarray, boxes: list[Box | None], size: int) -> Crops:
    """:class:`Crops` of the pictures with a box (the others are counted in ``n_without``)."""
    rows = np.array([i for i, b in enumerate(boxes) if b is not None], int)
    kept = [boxes[i] for i in rows]
    cut = np.stack([crop_resized(images[i], b, size) for i, b in zip(rows, kept)]) if len(rows) else \
        np.zeros((0, size, size, images.shape[-1]), images.dtype)
    return Crops(cut, rows, kept, len(boxes) - len(rows))


def scale_box(box: Box, scale: float) -> Box:
    """``box`` of an ``H x W`` map in the pixels of the same picture at ``scale`` times the size
    (the box grows outward to whole pixels)."""
    r0, r1, c0, c1 = box
    return (int(np.floor(r0 * scale)), int(np.ceil(r1 * scale)), int(np.floor(c0 * scale)), int(np.ceil(c1 * scale)))


def box_area_fraction(boxes: list[Box], shape: tuple[int, int]) -> np.ndarray:
    """Each box's area as a share of a ``shape`` picture's."""
    return np.array([(r1 - r0) * (c1 - c0) / (shape[0] * shape[1]) for r0, r1, c0, c1 in boxes], float)


def random_boxes(boxes: list[Box], shape: tuple[int, int], rng: np.random.Generator) -> list[Box]:
    """Boxes of the same heights and widths as ``boxes``, each at a uniformly random position in ``shape``."""
    out = []
    for r0, r1, c0, c1 in boxes:
        h, w = r1 - r0, c1 - c0
        top, left = int(rng.integers(0, shape[0] - h + 1)), int(rng.integers(0, shape[1] - w + 1))
        out.append((top, top + h, left, left + w))
    return out


def lesion_coverage(box: Box, lesion: np.ndarray) -> float:
    """Share of the lesion pixels of ``lesion`` (bool ``H x W``) inside ``box``; NaN without lesion pixels."""
    total = int(lesion.sum())
    if total == 0:
        return float("nan")
    r0, r1, c0, c1 = box
    return float(lesion[r0:r1, c0:c1].sum()) / total


__all__ = ["Box", "Crops", "attention_box", "attention_maps", "box_area_fraction", "crop_resized", "cut_crops",
           "lesion_coverage", "random_boxes", "scale_box"]
