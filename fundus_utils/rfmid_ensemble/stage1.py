"""Stage 1 of the paper's pipeline: a VGG on the whole pictures, and the attention crops it gives.

* :func:`open_fold` / :func:`split_rows`: the data, and one bagging fold's rows - train on the pool's other folds, select the
  checkpoint on this fold, score on the test split.
* :func:`trained` / :func:`scores`: the stage-1 network (:mod:`.fit`, through the result cache,
  for the notebooks that follow) and its test probabilities.
* :func:`stage1_bars`: per-category AUC against a prevalence-only score (a constant: AUC 0.5)
  on the same test pictures, and the mean over the scorable categories
  (:func:`.data.usable_labels`);
* :func:`auc_table`: the per-category test AUC with its 95 % CI, from those bars; the
  categories the test split cannot score are listed as "too few".
* :func:`theta_sweep`: for each threshold theta, how many pictures give a crop, how large the
  boxes are, and how much of each picture's lesion they cover - against boxes of the same
  sizes at random positions (beyond the paper: do the crops land on lesions?).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation import Bar, paired_auc, paired_mean
from . import cam_crops as cc
from .data import NAMES, Arrays, open_samples, usable_labels
from .data import arrays as arrays_of
from .fit import Fitted, predict
from .table2 import mean_auc_bar


def split_rows(table: pd.DataFrame, fold: int, pool_splits) -> dict[str, np.ndarray]:
    """Row indices of one bagging fold: ``train`` (pool, other folds), ``valid`` (pool, this fold), ``test``."""
    pool = table["split"].isin(pool_splits).to_numpy()
    fold_of = table["fold"].to_numpy()
    rows = {"train": np.flatnonzero(pool & (fold_of != fold)), "valid": np.flatnonzero(pool & (fold_of == fold)),
            "test": np.flatnonzero(table["split"].to_numpy() == "test")}
    if min(len(r) for r in rows.values()) == 0:
        raise ValueError(f"fold {fold}: an empty part ({ {k: len(v) for k, v in rows.items()} })")
    return rows


def open_fold(cfg, fold: int = 0) -> tuple[pd.DataFrame, Arrays, dict[str, np.ndarray]]:
    """The notebooks' data: the sample table (:func:`.data.open_samples`), its arrays at the
    profile's input size and the rows of bagging fold ``fold`` (:func:`split_rows`)."""
    table = open_samples(cfg)
    return table, arrays_of(table, cfg.image_size), split_rows(table, fold, cfg.pool_splits)


def cache_key(table: pd.DataFrame, rows: dict[str, np.ndarray], cfg, seed: int = 0, backbone: str | None = None) -> dict:
    """What a base model trained on ``rows`` depends on (the result cache's key): the profile's
    settings, the seed, the trunk and every column and file of the rows it trains and selects on
    (the library's digest is added by :func:`fundus_utils.train.result_cache.entry`)."""
    from ..train import result_cache

    return {"profile": cfg.profile, "seed": seed, "settings": cfg.settings, "backbone": backbone or cfg.vgg,
            "train": result_cache.row_digests(table.iloc[rows["train"]]),
            "valid": result_cache.row_digests(table.iloc[rows["valid"]])}


def trained(table: pd.DataFrame, arrays: Arrays, cfg, fold: int = 0, seed: int = 0) -> Fitted:
    """The stage-1 VGG (``cfg.vgg``) of bagging fold ``fold`` on the whole pictures, through the
    result cache (keyed by :func:`cache_key`), so the notebooks after the one that trains it reuse
    the same network; it is also the stage-2 ensemble's fold-``fold`` VGG on the originals
    (:func:`.stage2.train_members`). Only the state dict and the history are stored (read back
    with ``weights_only=True``)."""
    from .stage2 import Member, train_members

    return train_members(table, arrays, [Member("vgg", fold, "originals")], cfg, seed=seed)[0]


def scores(fitted: Fitted, arrays: Arrays, cfg) -> np.ndarray:
    """Sigmoid probabilities ``N x 28`` of ``arrays``."""
    return predict(fitted.model, arrays.x, cfg)


def auc_table(y: np.ndarray, bars: list[Bar], min_positives: int) -> pd.DataFrame:
    """Per category: test positives, AUC with its stratified bootstrap 95 % CI, or "too few".

    Read from :func:`stage1_bars` (its per-category bars against a constant score, AUC 0.5:
    the AUC's interval is 0.5 + the gain's), so the bootstrap runs once."""
    ok = np.flatnonzero(usable_labels(y, min_positives))
    scored = dict(zip(ok, bars))
    out = []
    for k, name in enumerate(NAMES):
        pos = int(y[:, k].sum())
        if k in scored:
            b = scored[k]
            out.append((name, pos, b.method, 0.5 + b.lo, 0.5 + b.hi, "scored"))
        else:
            out.append((name, pos, np.nan, np.nan, np.nan, f"too few (< {min_positives} positives)"))
    return pd.DataFrame(out, columns=["category", "test positives", "AUC", "lo", "hi", "status"]).set_index("category")


def stage1_bars(y: np.ndarray, p: np.ndarray, min_positives: int, label: str) -> list[Bar]:
    """AUC of each scorable category against a prevalence-only (constant) score, then the mean
    over those categories against the same baseline (pictures resampled jointly)."""
    ok = np.flatnonzero(usable_labels(y, min_positives))
    bars = [paired_auc(f"{NAMES[k]} AUC, {label} vs prevalence only", y[:, k], p[:, k]) for k in ok]
    mean = mean_auc_bar(f"mean AUC over the {len(ok)} scorable categories, {label} vs prevalence only", y[:, ok],
                        p[:, ok])
    return bars + [mean]


def asserted(bars: list[Bar], y: np.ndarray, min_positives: int, common: int, reported=()) -> list[bool]:
    """Which of :func:`stage1_bars`' bars are asserted: the common categories' (at least ``common``
    test positives) but those named in ``reported``, and the mean's; the others are shown only."""
    ok = np.flatnonzero(usable_labels(y, min_positives))
    unknown = set(reported) - set(NAMES)
    if unknown:
        raise ValueError(f"reported_bars: unknown categories {sorted(unknown)}")
    return [bool(y[:, k].sum() >= common and NAMES[k] not in reported) for k in ok] + [True]


def attention(fitted: Fitted, arrays: Arrays, cfg) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4's maps of ``arrays``' pictures from the stage-1 network (:func:`.cam_crops.attention_maps`)."""
    return cc.attention_maps(fitted.model, arrays.x, min_prob=cfg.cam["min_prob"], device=cfg.device)


def example(arrays: Arrays) -> int:
    """The row of the picture Fig. 2 shows: the first with a lesion mask and a positive label
    (else the first with a positive label, else the first)."""
    labelled = arrays.y.any(axis=1)
    if arrays.lesion is not None:
        both = np.flatnonzero(labelled & arrays.lesion.reshape(len(arrays), -1).any(axis=1))
        if len(both):
            return int(both[0])
    return int(np.flatnonzero(labelled)[0]) if labelled.any() else 0


def label_names(y_row: np.ndarray) -> list[str]:
    """The category names of one picture's positive labels."""
    return [NAMES[k] for k in np.flatnonzero(y_row)] or ["none"]


def theta_sweep(maps: np.ndarray, lesion: np.ndarray | None, thetas, seed: int = 0) -> pd.DataFrame:
    """Per theta: pictures with a crop, mean box area share, and (with lesion masks) the mean share
    of each picture's lesion inside its CAM box and inside a random box of the same size."""
    rng = np.random.default_rng(seed)
    shape = maps.shape[1:]
    rows = []
    for theta in thetas:
        boxes = [cc.attention_box(m, theta) for m in maps]
        have = [i for i, b in enumerate(boxes) if b is not None]
        kept = [boxes[i] for i in have]
        row = {"theta": theta, "pictures with a crop": len(have), "of": len(maps),
               "mean box area share": float(np.mean(cc.box_area_fraction(kept, shape))) if kept else np.nan}
        if lesion is not None and kept:
            rand = cc.random_boxes(kept, shape, rng)
            cam_cov = np.array([cc.lesion_coverage(b, lesion[i]) for i, b in zip(have, kept)])
            rnd_cov = np.array([cc.lesion_coverage(b, lesion[i]) for i, b in zip(have, rand)])
            with_lesion = np.isfinite(cam_cov)
            row.update({"pictures with a lesion": int(with_lesion.sum()),
                        "lesion inside CAM box": float(np.mean(cam_cov[with_lesion])) if with_lesion.any() else np.nan,
                        "lesion inside random box": float(np.mean(rnd_cov[with_lesion])) if with_lesion.any() else np.nan})
        rows.append(row)
    return pd.DataFrame(rows).set_index("theta")


def coverage_bar(maps: np.ndarray, lesion: np.ndarray, theta: float, seed: int = 0) -> Bar:
    """Lesion share inside the CAM box against a random box of the same size, per picture with a
    lesion and a crop (paired bootstrap)."""
    rng = np.random.default_rng(seed)
    boxes = [cc.attention_box(m, theta) for m in maps]
    have = [i for i, b in enumerate(boxes) if b is not None and lesion[i].any()]
    kept = [boxes[i] for i in have]
    rand = cc.random_boxes(kept, maps.shape[1:], rng)
    cam = [cc.lesion_coverage(b, lesion[i]) for i, b in zip(have, kept)]
    rnd = [cc.lesion_coverage(b, lesion[i]) for i, b in zip(have, rand)]
    return paired_mean(f"lesion share inside the box, CAM (theta {theta:g}) vs random box of the same size",
                       cam, rnd, higher_is_better=True)


__all__ = ["open_fold", "asserted", "attention", "auc_table", "cache_key", "coverage_bar", "example", "label_names",
           "scores", "split_rows", "stage1_bars", "theta_sweep", "trained"]
