"""The data layer: canonical sample table, image/mask reading, dataset registry.

``open_dataset(name, root=None)`` returns the canonical table (see :mod:`.table`) of a
registered dataset; public datasets are found under ``$FUNDUS_DATA/<folder>``.
"""
from __future__ import annotations

from .errors import DataError, MissingDatasetError
from .io import read_image, read_mask
from .registry import names, open_dataset, register
from .table import SampleTableError, validate
from . import importers, twins  # noqa: F401  (register the public datasets and the synthetic twins)

__all__ = ["DataError", "MissingDatasetError", "SampleTableError", "names", "open_dataset", "read_image",
           "read_mask", "register", "validate"]
