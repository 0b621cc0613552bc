"""Per-image arrays cut from a sample table: one base class, one ``subset``.

Each chapter keeps its own network-ready container (MTL-IO's :class:`TaskArrays`, the REFUGE
ensemble's ``SegData`` and ``LandmarkData``, sim-to-real's ``RealSet``), as MONAI keeps one
dictionary per sample: the fields differ by task. What they share lives here: a dataclass
whose per-image fields (arrays with one row per image, lists with one entry per image) are
indexed together by :meth:`PerImage.subset`, while everything else (a size, a name) is
copied; ``len`` is the number of images. :func:`channels_first` turns the image cache's
``N x H x W x C`` into the loaders' ``N x C x H x W``.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence, TypeVar

import numpy as np

P = TypeVar("P", bound="PerImage")


@dataclasses.dataclass
class PerImage:
    """Base of the per-image containers; the first field must hold one entry per image."""

    def __len__(self) -> int:
        return len(getattr(self, dataclasses.fields(self)[0].name))

    def subset(self: P, idx: Sequence[int] | np.ndarray) -> P:
        """The same container for the images ``idx`` (positions, in that order)."""
        idx = np.asarray(idx, dtype=int)
        n = len(self)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray) and v.ndim and len(v) == n:
                v = v[idx]
            elif isinstance(v, list) and len(v) == n:
                v = [v[i] for i in idx]
            values[f.name] = v
        return dataclasses.replace(self, **values)


def channels_first(images: np.ndarray) -> np.ndarray:
    """uint8 ``N x H x W x C`` (the image cache's layout) -> contiguous ``N x C x H x W`` (the loaders')."""
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"expected images N x H x W x C (C = 1 or 3), got shape {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2))


__all__ = ["PerImage", "channels_first"]
