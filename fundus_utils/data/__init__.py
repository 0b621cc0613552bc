"""The data layer: canonical sample table, image/mask reading, dataset registry.

``open_dataset(name, root=None)`` returns the canonical table (see :mod:`.table`) of a
registered dataset; public datasets are found under ``$FUNDUS_DATA/<folder>``.
"""
from __future__ import annotations

from .errors import DataError, MissingDatasetError
from .io import read_image, read_mask
from .registry import names, open_dataset, register
from .table import SampleTableError, validate
from .cache import load_resized
from .splits import LeakageError, check_leakage, patient_folds, patient_holdout
from . import importers, twins  # noqa: F401  (register the public datasets and the synthetic twins)

__all__ = ["DataError", "LeakageError", "MissingDatasetError", "SampleTableError", "check_leakage", "load_resized",
           "names", "open_dataset", "patient_folds", "patient_holdout", "read_image", "read_mask", "register", "validate"]
