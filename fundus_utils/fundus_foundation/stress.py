"""Fig. 2C, the data-fraction stress test: linear probing trained on a fraction of each fold's training pictures.

The paper cuts the downstream training data to 1, 5, 10, 25, 50 and 100 % and reports the AUC of
each initialisation (Results, "Comparison of Stress Test"). Our reading where it is silent: the
protocol is linear probing (the paper's figure sits beside its LP results); in each of the five
CV folds, ``fraction`` of the training pictures are drawn at random (seeded per fold and fraction,
stratified by the label, at least one picture of each class) and the head is trained on their
frozen features only; every picture is scored by the head of the fold that held it out, and the
pooled out-of-fold scores give the AUC and its DeLong 95 % CI. The test folds are the same at
every fraction, so fractions and initialisations are compared on the same pictures.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..evaluation import delong_ci
from ..evaluation.bars import Bar, paired_auc
from . import downstream, upstream
from .upstream import INITS, pictures


def fraction_rows(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices of ``fraction`` of the rows (at least one per class), drawn per class at random with ``seed``."""
    if not 0 < fraction <= 1:
        raise ValueError(f"a data fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    picked = [rng.choice(rows, max(1, round(fraction * len(rows))), replace=False)
              for rows in (np.flatnonzero(labels == c) for c in np.unique(labels))]
    return np.sort(np.concatenate(picked))


def fraction_scores(features: np.ndarray, y: np.ndarray, folds: np.ndarray, fraction: float, cfg: Config) -> np.ndarray:
    """Out-of-fold scores of linear probes trained on ``fraction`` of each fold's training pictures."""
    scores = np.full(len(y), np.nan)
    for k in range(cfg.downstream.folds):
        train, held = np.flatnonzero(folds != k), folds == k
        seed = cfg.seed * 100 + k
        use = train[fraction_rows(y[train], fraction, seed + round(fraction * 1e4))]
        head = downstream.fit_head(features[use], y[use], cfg, seed=seed)
        scores[held] = downstream.head_scores(head, features[held])
    return scores


def stress_test(cfg: Config) -> pd.DataFrame:
    """Per initialisation and fraction of ``cfg.stress.fractions`` at ``cfg.stress.resolution`` (None: the top
    rung): training pictures per fold (mean), pooled out-of-fold AUC and its DeLong 95 % CI, and the scores
    (column ``scores``, one array per row, for the bars)."""
    size = cfg.stress.resolution or max(cfg.resolutions)
    table = downstream.downstream_table(cfg)
    y, folds, x = table["abnormal"].to_numpy(int), table["cv_fold"].to_numpy(), pictures(table, size)
    rows = []
    for init in INITS:
        feats = downstream.trunk_features(init, cfg, size, x)
        for fraction in cfg.stress.fractions:
            s = fraction_scores(feats, y, folds, fraction, cfg)
            auc, lo, hi = delong_ci(y, s)
            n = np.mean([len(fraction_rows(y[folds != k], fraction, 0)) for k in range(cfg.downstream.folds)])
            rows.append({"initialisation": upstream.init_label(init, cfg), "init": init, "fraction": fraction,
                         "training pictures per fold": n, "auc": auc, "lo": lo, "hi": hi, "resolution": size,
                         "scores": s})
    out = pd.DataFrame(rows)
    out.attrs["labels"] = y
    return out


def stress_bars(stress: pd.DataFrame, cfg: Config) -> tuple[list[Bar], list[bool]]:
    """Per initialisation and fraction: pooled out-of-fold AUC vs a prevalence-only score on the same pictures;
    and whether each is asserted (from ``cfg.stress.asserted_from`` of the data up, for the initialisations
    of ``cfg.downstream.lp.asserted_inits``, None: all)."""
    y, inits = stress.attrs["labels"], cfg.downstream.lp.asserted_inits
    bars = [paired_auc(f"LP {r.initialisation}, {r.fraction:.0%} of the training data: AUC vs prevalence", y, r.scores)
            for r in stress.itertuples()]
    return bars, [r.fraction >= cfg.stress.asserted_from and (inits is None or r.init in inits)
                  for r in stress.itertuples()]
