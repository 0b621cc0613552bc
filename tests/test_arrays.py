"""data.arrays.PerImage: one subset for every per-image container."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundus_utils.data.arrays import PerImage


@dataclass
class _Demo(PerImage):
    image_id: np.ndarray
    x: np.ndarray
    boxes: list
    labels: np.ndarray | None
    size: int


def test_subset_indexes_per_image_fields_and_copies_the_rest() -> None:
    d = _Demo(np.array(["a", "b", "c"]), np.arange(12).reshape(3, 4), ["A", "B", "C"], None, 64)
    s = d.subset([2, 0])
    assert len(d) == 3 and len(s) == 2
    assert s.image_id.tolist() == ["c", "a"] and s.x.tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
    assert s.boxes == ["C", "A"] and s.labels is None and s.size == 64 and type(s) is _Demo
