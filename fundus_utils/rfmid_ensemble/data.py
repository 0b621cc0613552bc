"""The chapter's data: RFMiD (or its twin) in the paper's 28 categories, as in-memory arrays.

* :func:`open_samples`: the profile's sample table - the ``synthetic-rfmid`` twin in ``smoke``,
  RFMiD's official Training / Validation / Test split in ``full`` (through the data manifest;
  a missing copy stops with the manifest's message) - with the paper's 28 categories
  (:func:`fundus_utils.data.importers.rfmid.group_28`: 27 conditions + "Others") and the
  bagging folds (RFMiD's committed patient-level folds over the training images,
  ``data_manifests/folds/RFMiD.csv``; the twin's own folds).
* :class:`Arrays`: images (uint8 ``N x H x W x 3``, resized once through the shared image
  cache), the 28 labels ``N x 28`` and, where the data have them, the lesion masks.
* :func:`usable_labels`: the categories a test set can score (at least ``min_positives``
  positives and one negative); the others are reported as "too few", never averaged in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import data as _data
from ..data.arrays import PerImage
from ..data.cache import load_resized
from ..data.importers.rfmid import GROUP_28, group_28

#: The 28 label columns, in the paper's Table 1 order of the importer (27 conditions, then "Others").
LABELS = tuple(GROUP_28)
NAMES = tuple(c.removeprefix("label_") for c in LABELS)


def open_samples(cfg) -> pd.DataFrame:
    """The profile's table with ``label_OTHER`` added and only pool (bagging) and test rows kept.

    ``cfg.pool_splits``: the splits the bagging folds are drawn from; ``test`` rows score.
    """
    try:
        table = _data.open_dataset(cfg.dataset, cfg.data_root, **(cfg.twin or {}))
    except _data.DataError as err:   # e.g. the real profile here: RFMiD's label CSV without its images
        raise _data.DataError(f"{err}\n{cfg.dataset}'s images are needed from the stage-1 network on (notebooks "
                              "02-07): the `full` profile with a copy of the dataset (data_manifests/), or the "
                              "`smoke` profile on its synthetic twin; Table 1 and Figs. 3-4 (notebook 01) need "
                              "only the label CSV") from err
    if not cfg.twin:
        from ..data import folds

        table = folds.ensure(table)
    table = group_28(table)
    pool = table["split"].isin(cfg.pool_splits)
    if not (table["split"] == "test").any():
        raise ValueError(f"{cfg.dataset}: no test split to score on")
    bad = table.loc[pool & (table["fold"] < 0), "image_id"]
    if len(bad):
        raise ValueError(f"{cfg.dataset}: {len(bad)} bagging rows have no fold (e.g. {bad.tolist()[:3]})")
    return table[pool | (table["split"] == "test")].reset_index(drop=True)


def source(cfg):
    """Provenance source: the twin's parameters or the dataset name (manifest-hashed)."""
    return {"name": cfg.dataset, **cfg.twin} if cfg.twin else cfg.dataset


@dataclass
class Arrays(PerImage):
    """Rows of a sample table as arrays: ``x`` uint8 ``N x H x W x 3``, ``y`` float32 ``N x 28``,
    ``lesion`` bool ``N x H x W`` (None without lesion masks), ``ids`` the image ids;
    ``subset(rows)`` (:class:`fundus_utils.data.arrays.PerImage`) slices them together."""

    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray
    lesion: np.ndarray | None = None


def arrays(table: pd.DataFrame, size: int) -> Arrays:
    """:class:`Arrays` of ``table`` at ``size`` px (lesion masks when the table has them)."""
    columns = ("image", "lesion_mask") if "lesion_mask" in table else ("image",)
    loaded = load_resized(table, (size, size), columns=columns, missing="zeros")
    y = table[list(LABELS)].to_numpy(np.float32)
    if np.isnan(y).any():
        raise ValueError(f"{int(np.isnan(y).any(axis=1).sum())} rows have missing labels")
    return Arrays(loaded["image"], y, table["image_id"].to_numpy(), loaded.get("lesion_mask"))


def usable_labels(y: np.ndarray, min_positives: int) -> np.ndarray:
    """Boolean mask of the categories with at least ``min_positives`` positives and one negative in ``y``."""
    pos = np.asarray(y).sum(axis=0)
    return (pos >= min_positives) & (pos < len(y))


__all__ = ["Arrays", "LABELS", "NAMES", "arrays", "open_samples", "source", "usable_labels"]
