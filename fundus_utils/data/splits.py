"""Patient-level cross-validation folds, hold-outs and a leakage check.

Folds are made on ``patient_id`` (both eyes, all visits of a patient in one fold) with
scikit-learn's ``StratifiedGroupKFold`` (or ``GroupKFold`` when nothing is stratified),
shuffled with a fixed seed, so the same table and seed always give the same folds.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from .errors import DataError


class LeakageError(DataError):
    """A patient appears on both sides of a split or in more than one fold."""


def rarest_label_strata(table: pd.DataFrame, columns: Sequence[str], k: int) -> pd.Series:
    """Multi-label stratum per row: its rarest positive label ("none" if no positive).

    Labels with fewer than ``k`` positives are pooled into "rare", so every stratum can be
    spread over the folds. A cheap stand-in for iterative multi-label stratification.
    """
    counts = table[list(columns)].sum()
    usable = counts[counts >= k].sort_values()
    out = []
    for _, row in table[list(columns)].iterrows():
        positives = [c for c in usable.index if row[c] == 1]
        rare = any(row[c] == 1 for c in counts.index if c not in usable.index)
        out.append(positives[0] if positives else ("rare" if rare else "none"))
    return pd.Series(out, index=table.index, name="stratum")


def patient_folds(table: pd.DataFrame, k: int = 5, seed: int = 0,
                  stratify: Union[None, str, pd.Series] = None) -> pd.Series:
    """Fold number (0..k-1) per row; rows of one patient share a fold.

    ``stratify``: a column name or a Series of per-row strata (NaN becomes its own stratum);
    a patient's stratum is that of its first row.
    """
    if table["patient_id"].nunique() < k:
        raise DataError(f"{table['patient_id'].nunique()} patients cannot fill {k} folds")
    groups = table["patient_id"].astype(str).to_numpy()
    if stratify is None:
        # GroupKFold has no shuffle in older sklearn: shuffle the patients ourselves.
        rng = np.random.default_rng(seed)
        patients = np.unique(groups)
        order = {p: i for i, p in enumerate(rng.permutation(patients))}
        codes = np.array([order[g] for g in groups])
        splitter = GroupKFold(n_splits=k)
        split_iter = splitter.split(np.zeros(len(table)), groups=codes)
    else:
        strata = table[stratify] if isinstance(stratify, str) else pd.Series(stratify, index=table.index)
        strata = strata.astype(object).where(strata.notna(), "NaN").astype(str)
        first = strata.groupby(groups).transform("first")
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        split_iter = splitter.split(np.zeros(len(table)), first.to_numpy(), groups)
    fold = np.full(len(table), -1, dtype=int)
    for f, (_, test_idx) in enumerate(split_iter):
        fold[test_idx] = f
    return pd.Series(fold, index=table.index, name="fold")


def patient_holdout(patients: Sequence, fraction: float, seed: int = 0) -> np.ndarray:
    """Boolean mask of the rows held out: whole patients drawn at random (``seed``) until at
    least ``fraction`` of the rows (at least one row) are out; never every patient.

    The monitoring split of a fit: drawn, never "the last 10 %" of a table, whose order may
    follow the source release or the label.
    """
    groups = np.asarray([str(p) for p in patients])
    unique = np.unique(groups)
    if len(unique) < 2:
        raise ValueError(f"a hold-out needs at least two patients, got {len(unique)}")
    target = max(1, int(len(groups) * fraction))
    held, n = [], 0
    for p in np.random.default_rng(seed).permutation(unique)[:-1]:  # the last one always trains
        if n >= target:
            break
        held.append(p)
        n += int((groups == p).sum())
    return np.isin(groups, held)


def leakage_problems(table: pd.DataFrame) -> list[str]:
    """One line per leak: duplicated image ids, patients in several folds or several splits."""
    problems = []
    dup = table["image_id"][table["image_id"].duplicated()]
    problems += [f"duplicated image_id {i!r}" for i in sorted(set(dup))]
    in_cv = table[table["fold"] >= 0]
    folds = in_cv.groupby("patient_id")["fold"].unique()
    problems += [f"patient {p!r} in folds {sorted(int(x) for x in f)}" for p, f in folds.items() if len(f) > 1]
    splits = table.groupby("patient_id")["split"].unique()
    problems += [f"patient {p!r} in splits {sorted(s)}" for p, s in splits.items() if len(s) > 1]
    return problems


def check_leakage(table: pd.DataFrame, name: Optional[str] = None) -> pd.DataFrame:
    """Return ``table`` or raise :class:`LeakageError` listing every leak."""
    problems = leakage_problems(table)
    if problems:
        raise LeakageError(f"{name or 'table'}: " + "; ".join(problems[:20])
                           + (f"; ... ({len(problems)} in all)" if len(problems) > 20 else ""))
    return table
