"""Per-image arrays cut from a sample table: one base class, one ``subset``.

Each chapter keeps its own network-ready container (MTL-IO's :class:`TaskArrays`, the REFUGE
ensemble's ``SegData`` and ``LandmarkData``, sim-to-real's ``RealSet``), as MONAI keeps one
dictionary per sample: the fields differ by task. What they share lives here: a dataclass
whose per-image fields (arrays with one row per image, lists with one entry per image) are
indexed together by :meth:`PerImage.subset`, while everything else (a size, a name) is
copied; ``len`` is the number of images.
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


__all__ = ["PerImage"]
