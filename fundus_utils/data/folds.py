"""Committed fold assignments: ``data_manifests/folds/<dataset>.csv`` (image_id, patient_id, fold).

They are built from the datasets' published ids (no images needed, except the RFMiD
label CSV for stratification) by :func:`build`, written once with
``python -m fundus_utils.data folds write NAME``, committed, and applied to an imported
table with :func:`apply`.

Datasets
    REFUGE     Training400 (g0001-g0040, n0001-n0360) + Validation400 (V0001-V0400), 5 folds,
               stratified by g / n / V (validation labels are not public per image here).
    DRIVE      all 40 images (one per patient), 5 folds.
    CHASE_DB1  14 children, 5 folds by child (both eyes together).
    RFMiD      training IDs 1-1920, 5 folds stratified by the rarest positive label.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd

from .errors import DataError
from .registry import MANIFEST_DIR
from .splits import check_leakage, patient_folds, patient_holdout, rarest_label_strata

FOLD_DIR = MANIFEST_DIR / "folds"
SEED = 20240601
K = 5


def _refuge(_: Optional[Path]) -> pd.DataFrame:
    ids = [f"g{i:04d}" for i in range(1, 41)] + [f"n{i:04d}" for i in range(1, 361)] + \
          [f"V{i:04d}" for i in range(1, 401)]
    t = pd.DataFrame({"image_id": ids, "patient_id": ids})
    t["fold"] = patient_folds(t, K, SEED, stratify=t["image_id"].str[0])
    return t


def _drive(_: Optional[Path]) -> pd.DataFrame:
    ids = [f"{i:02d}" for i in range(1, 41)]
    t = pd.DataFrame({"image_id": ids, "patient_id": ids})
    t["fold"] = patient_folds(t, K, SEED)
    return t


def _chase(_: Optional[Path]) -> pd.DataFrame:
    ids = [f"{i:02d}{e}" for i in range(1, 15) for e in "LR"]
    t = pd.DataFrame({"image_id": ids, "patient_id": [i[:2] for i in ids]})
    t["fold"] = patient_folds(t, K, SEED)
    return t


def _rfmid(labels_csv: Optional[Path]) -> pd.DataFrame:
    from .importers.rfmid import CONDITIONS, read_labels

    if labels_csv is None:
        raise DataError("RFMiD folds need RFMiD_Training_Labels.csv (pass its path)")
    lab = read_labels(Path(labels_csv), "train")
    t = pd.DataFrame({"image_id": [f"train-{i}" for i in lab["ID"]]})
    t["patient_id"] = t["image_id"]
    strata = rarest_label_strata(lab, [f"label_{c}" for c in CONDITIONS], K)
    t["fold"] = patient_folds(t, K, SEED, stratify=strata.to_numpy())
    return t


BUILDERS: dict[str, Callable[[Optional[Path]], pd.DataFrame]] = {
    "REFUGE": _refuge, "DRIVE": _drive, "CHASE_DB1": _chase, "RFMiD": _rfmid}


def build(dataset: str, source: Optional[Path] = None) -> pd.DataFrame:
    """The fold table of ``dataset`` (deterministic: fixed ``SEED``)."""
    if dataset not in BUILDERS:
        raise KeyError(f"no committed folds for {dataset!r}; available: {sorted(BUILDERS)}")
    t = BUILDERS[dataset](source)
    t["split"] = "train"
    check_leakage(t, f"folds of {dataset}")
    return t[["image_id", "patient_id", "fold"]]


def write(dataset: str, source: Optional[Path] = None) -> Path:
    """Build and write ``data_manifests/folds/<dataset>.csv``."""
    FOLD_DIR.mkdir(parents=True, exist_ok=True)
    path = FOLD_DIR / f"{dataset}.csv"
    build(dataset, source).to_csv(path, index=False)
    return path


def load(dataset: str) -> pd.DataFrame:
    """The committed fold table of ``dataset``."""
    path = FOLD_DIR / f"{dataset}.csv"
    if not path.is_file():
        raise DataError(f"no committed folds for {dataset!r} ({path} missing)")
    return pd.read_csv(path, dtype={"image_id": str, "patient_id": str, "fold": int})


def apply(table: pd.DataFrame, dataset: Optional[str] = None) -> pd.DataFrame:
    """Copy of ``table`` with ``fold`` from the committed file; rows not in it keep ``fold = -1``.

    Raises when a committed id's patient differs from the table's, or when the result leaks.
    """
    dataset = dataset or str(table["dataset"].iloc[0])
    folds = load(dataset).set_index("image_id")
    out = table.copy()
    known = out["image_id"].isin(folds.index)
    clash = out.loc[known & (out["patient_id"] != out["image_id"].map(folds["patient_id"])), "image_id"]
    if len(clash):
        raise DataError(f"{dataset}: patient ids differ from the committed folds for {clash.tolist()[:5]}")
    out["fold"] = out["image_id"].map(folds["fold"]).fillna(-1).astype(int)
    return check_leakage(out, dataset)


def ensure(table: pd.DataFrame, k: int = K, seed: int = SEED, test_fraction: float = 0.3) -> pd.DataFrame:
    """``table`` ready for cross-validation, whatever dataset it comes from.

    * folds: the committed folds of its dataset (:func:`apply`) when there are, else ``k``
      patient-level folds over its non-test rows drawn here (``seed``);
    * a table with no test rows (a release without an official split) first gets a
      patient-level random test split of ``test_fraction`` (the rest becomes ``train``).

    ``out.attrs["folds"]`` says which of these happened, in words, for the notebook to show.
    """
    dataset = str(table["dataset"].iloc[0])
    out = table.copy()
    notes = []
    if not (out["split"] == "test").any() or (out["split"] == "test").all():
        test = patient_holdout(out["patient_id"], test_fraction, seed)
        out["split"] = np.where(test, "test", "train")
        notes.append(f"no official train/test split: a patient-level random {test_fraction:.0%} test split "
                     f"(seed {seed})")
    if (FOLD_DIR / f"{dataset}.csv").is_file():
        out = apply(out, dataset)
        notes.append(f"committed folds (data_manifests/folds/{dataset}.csv)")
    else:
        pool = out["split"] != "test"
        out["fold"] = -1
        out.loc[pool, "fold"] = patient_folds(out[pool], k, seed).to_numpy()
        notes.append(f"{k} patient-level folds drawn over the {int(pool.sum())} non-test images (seed {seed}; "
                     "the dataset has no committed folds)")
    check_leakage(out, dataset)
    out.attrs["folds"] = "; ".join(notes)
    return out
