"""Beyond the paper: do trunks pretrained on the synthetic twin help a real downstream task?

No published fundus foundation model answers this: the upstream models here never saw a real
photograph (the screening twin's train patients), and the downstream task is real glaucoma on
REFUGE Test400 (its 400 labelled pictures, 40 glaucomatous), under linear probing and fine-tuning
with patient-level (here: picture-level, REFUGE has one picture per patient) label-stratified
five-fold CV, DeLong's test of each initialisation against **Scratch**. Real pictures are resized
to the ladder's rungs through the resized-image cache; nothing else is done to them (the twin's
colours were fitted to these cameras, :mod:`fundus_utils.data.simulator.fitted`).

Where REFUGE is absent (no ``$FUNDUS_DATA``, no ``../shared/data``) the study reports that and
runs nothing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import data
from ..config import Config
from ..data.registry import present
from ..evaluation import delong_ci, delong_test
from .upstream import pictures
from . import downstream


def glaucoma_table(cfg: Config) -> pd.DataFrame | None:
    """REFUGE's labelled split (``cfg.real_images.split``) with ``abnormal`` = glaucoma and stratified
    folds (:func:`.downstream.assign_folds`); None when REFUGE is not under the data root."""
    spec = cfg.real_images
    if not present(spec.dataset, cfg.data_root):
        return None
    table = data.open_dataset(spec.dataset, cfg.data_root)
    table = table[table["split"] == spec.split].reset_index(drop=True)
    if table["glaucoma"].isna().any():
        raise ValueError(f"{spec.dataset} {spec.split}: {int(table['glaucoma'].isna().sum())} pictures have no "
                         "glaucoma label")
    table["abnormal"] = table["glaucoma"].astype(int)
    return downstream.assign_folds(table, cfg, "abnormal")


def glaucoma_table1(cfg: Config, protocol: str, table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Table 1 of the real glaucoma task for ``protocol``: every initialisation against Scratch (DeLong)."""
    return downstream.table1(cfg, protocol, table=table, against="Scratch")


def availability(cfg: Config) -> pd.DataFrame:
    """Which real set the study needs and whether it is present."""
    spec = cfg.real_images
    here = present(spec.dataset, cfg.data_root)
    return pd.DataFrame([{"task": "glaucoma", "dataset": spec.dataset, "split": spec.split, "present": here,
                          "reason": "" if here else "not under the data root ($FUNDUS_DATA or ../shared/data)"}])


def thumbnail_scores(table: pd.DataFrame, grid: int = 8, size: int = 64) -> np.ndarray:
    """Out-of-fold glaucoma scores of a simple learned baseline: logistic regression (scikit-learn, L2, C=1) on
    each picture's ``grid`` x ``grid`` colour thumbnail (the mean of ``size // grid`` px blocks, standardised on
    the training folds), in the table's ``cv_fold`` folds. What any trunk's AUC must be read against."""
    x = pictures(table, size).astype(np.float32) / 255
    block = size // grid
    thumbs = x.reshape(len(x), 3, grid, block, grid, block).mean(axis=(3, 5)).reshape(len(x), -1)
    y, folds = table["abnormal"].to_numpy(int), table["cv_fold"].to_numpy()
    scores = np.full(len(y), np.nan)
    for k in np.unique(folds):
        fit = folds != k
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)).fit(thumbs[fit], y[fit])
        scores[~fit] = model.predict_proba(thumbs[~fit])[:, 1]
    return scores


def against_thumbnail(results: list[pd.DataFrame], oofs: list[dict], table: pd.DataFrame) -> pd.DataFrame:
    """The thumbnail baseline's pooled out-of-fold AUC [DeLong 95 % CI] and, per protocol, rung and
    initialisation, DeLong's two-sided p of its pooled scores against the baseline's on the same pictures."""
    y, base = table["abnormal"].to_numpy(int), thumbnail_scores(table)
    auc, lo, hi = delong_ci(y, base)
    rows = [{"protocol": "baseline", "resolution": 64, "initialisation": "logistic regression on 8 x 8 thumbnails",
             "pooled AUC [95% CI]": f"{auc:.3f} [{lo:.3f}, {hi:.3f}]", "DeLong p vs thumbnail baseline": np.nan}]
    for result, oof in zip(results, oofs):
        for r in result.itertuples():
            scores = oof[r.init, r.resolution]["score"].to_numpy()
            a, l, h = delong_ci(y, scores)
            rows.append({"protocol": r.protocol, "resolution": r.resolution, "initialisation": r.initialisation,
                         "pooled AUC [95% CI]": f"{a:.3f} [{l:.3f}, {h:.3f}]",
                         "DeLong p vs thumbnail baseline": delong_test(y, scores, base)["p"]})
    return pd.DataFrame(rows)


def _pooled_auc(cell: str) -> float:
    return float(str(cell).split(" ")[0])


def reading(against_scratch: pd.DataFrame, against_baseline: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """How a (recorded) run reads, counted: for each reference (Scratch; the thumbnail baseline), how many
    of the comparisons came out ahead or behind it at DeLong's p < ``alpha`` (uncorrected), and which.

    Takes the two tables of notebook 08 (or their records), indexed by protocol, rung and initialisation.
    """
    rows = []
    for reference, frame, p_col, ref_auc in (
            ("Scratch", against_scratch.drop(index="Scratch", level="initialisation"), "DeLong p vs Scratch", None),
            ("thumbnail baseline", against_baseline.drop(index="baseline", level="protocol"),
             "DeLong p vs thumbnail baseline", _pooled_auc(against_baseline.xs("baseline", level="protocol").iloc[0, 0]))):
        auc = frame["pooled AUC [95% CI]"].map(_pooled_auc)
        if ref_auc is None:  # Scratch's own AUC at the same protocol and rung
            scratch = against_scratch.xs("Scratch", level="initialisation")["pooled AUC [95% CI]"].map(_pooled_auc)
            ref = pd.Series([scratch[(p, r)] for p, r, _ in frame.index], index=frame.index)
        else:
            ref = pd.Series(ref_auc, index=frame.index)
        p = frame[p_col].astype(float)
        if p.isna().any():
            raise ValueError(f"{int(p.isna().sum())} comparisons against {reference} have no p-value")
        for side, mask in (("ahead of", (p < alpha) & (auc > ref)), ("behind", (p < alpha) & (auc < ref))):
            rows.append({"comparison": f"{side} {reference} at p < {alpha}",
                         "count": f"{int(mask.sum())} of {len(frame)}", "which": _which(frame.index, mask.to_numpy())})
    return pd.DataFrame(rows).set_index("comparison")


def _which(index: pd.MultiIndex, mask: np.ndarray) -> str:
    """The comparisons in ``mask`` by name: none, all, a few, or all but a few."""
    name = lambda i: f"{index[i][0]} {index[i][1]} px: {index[i][2]}"  # noqa: E731
    if not mask.any():
        return "none"
    if mask.all():
        return "all"
    if mask.sum() <= len(mask) / 2:
        return "; ".join(name(i) for i in np.flatnonzero(mask))
    return "all but " + "; ".join(name(i) for i in np.flatnonzero(~mask))
