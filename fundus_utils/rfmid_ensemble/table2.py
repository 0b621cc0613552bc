"""Table 2's metrics (accuracy, precision, recall, F1) with the averaging the paper's numbers
imply, per-category AUC and average precision, and bootstrap CIs over test pictures.

The paper does not say how it averages over labels or where it thresholds. What its numbers
say (:func:`paper_readings`): in every row F1 is the harmonic mean of the row's precision and
recall (to the fourth decimal), as for micro-averaged counts or for F1 computed from averaged P
and R, not for a mean of per-category F1; accuracies of 0.90-0.97 are per-label-cell
accuracies (an exact match of all 28 labels of a picture is far rarer); and read as one
confusion matrix each, the rows imply different shares of positive cells (0.10-0.21), so they
were not all counted on one test set with one averaging. Ours: micro-averaged counts over all
(picture, scorable category) cells at a threshold of 0.5 on the sigmoid (:func:`micro_metrics`),
beside the all-negative classifier's accuracy on the same cells (1 minus their prevalence);
mean AUC and mAP over the scorable categories (:func:`.data.usable_labels`).

Bootstrap: pictures are resampled jointly (every category and metric sees the same
resample); a resample leaving a scorable category with one class is drawn again (the
bootstrap conditioned on both classes being present, as a stratified one is).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation import Bar, auc_rank
from ..evaluation.stats import ci_text

METRICS = ("accuracy", "precision", "recall", "F1", "mean AUC", "mAP")


def cell_counts(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per picture: true positives, false positives, false negatives, true negatives over its
    label cells (``N x 4``)."""
    y, hit = np.asarray(y) > 0.5, np.asarray(p) >= threshold
    return np.stack([(y & hit).sum(1), (~y & hit).sum(1), (y & ~hit).sum(1), (~y & ~hit).sum(1)], axis=1)


def micro_metrics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy, precision, recall and F1 of summed counts (``... x 4``; NaN where undefined)."""
    tp, fp, fn, tn = (counts[..., i].astype(float) for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        prec, rec = tp / (tp + fp), tp / (tp + fn)
        return {"accuracy": (tp + tn) / (tp + fp + fn + tn), "precision": prec, "recall": rec,
                "F1": 2 * prec * rec / (prec + rec)}


def average_precision(y: np.ndarray, s: np.ndarray) -> np.ndarray | float:
    """Average precision (the mean of the precision at each positive, ranked by score; the
    step-wise area under the precision-recall curve, as scikit-learn's without ties); ``y`` and
    ``s`` may carry leading axes (bootstrap replicates). One class only gives NaN."""
    y, s = np.asarray(y, float), np.asarray(s, float)
    order = np.argsort(-s, axis=-1, kind="stable")
    ys = np.take_along_axis(np.broadcast_to(y, s.shape), order, axis=-1)
    tp = np.cumsum(ys, axis=-1)
    precision = tp / np.arange(1, s.shape[-1] + 1)
    n_pos = ys.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ap = (precision * ys).sum(-1) / n_pos
    ap = np.where((n_pos > 0) & (n_pos < s.shape[-1]), ap, np.nan)
    return ap if ap.ndim else float(ap)


def _aucs(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per category (last axis) AUC of one picture set, ``y`` and ``p`` ``N x K``."""
    return np.array([auc_rank(y[:, k], p[:, k]) for k in range(y.shape[1])])


def point(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Table 2's metrics of one score matrix (``y``, ``p``: the scorable categories only)."""
    out = {k: float(v) for k, v in micro_metrics(cell_counts(y, p, threshold).sum(0)).items()}
    out["mean AUC"] = float(np.mean(_aucs(y, p)))
    out["mAP"] = float(np.mean([average_precision(y[:, k], p[:, k]) for k in range(y.shape[1])]))
    return out


def bootstrap(y: np.ndarray, p: np.ndarray, threshold: float = 0.5, n_boot: int = 1000,
              seed: int = 0) -> dict[str, tuple[float, float]]:
    """95 % CIs of :func:`point`'s metrics: pictures resampled jointly, ``n_boot`` resamples with
    both classes in every category (a NaN CI when too few such resamples come in 10 x ``n_boot`` draws)."""
    idx = resamples(y, n_boot, seed)
    if idx is None:
        return {m: (np.nan, np.nan) for m in METRICS}
    boots = micro_metrics(cell_counts(y, p, threshold)[idx].sum(1))   # n_boot x 4 counts
    yb, pb = y[idx], p[idx]                                            # n_boot x N x K
    boots["mean AUC"] = _boot_aucs(yb, pb).mean(1)
    boots["mAP"] = average_precision(np.moveaxis(yb, 1, 2), np.moveaxis(pb, 1, 2)).mean(1)
    return {m: tuple(float(q) for q in np.quantile(boots[m], [0.025, 0.975])) for m in METRICS}


def resamples(y: np.ndarray, n_boot: int = 1000, seed: int = 0) -> np.ndarray | None:
    """``n_boot`` bootstrap resamples of the pictures (rows of ``n_boot x N``), each with both
    classes in every category of ``y``; None if 10 x ``n_boot`` draws do not give that many."""
    rng = np.random.default_rng(seed)
    n = len(y)
    idx = rng.integers(0, n, (10 * n_boot, n))
    pos = np.stack([y[:, k][idx].sum(1) for k in range(y.shape[1])], axis=1)   # draws x K
    idx = idx[((pos > 0) & (pos < n)).all(1)][:n_boot]
    return idx if len(idx) == n_boot else None


def _boot_aucs(yb: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """Mid-rank AUC of each resample and category, ``yb``/``pb`` ``B x N x K`` -> ``B x K``."""
    from scipy.stats import rankdata

    n1 = yb.sum(1)
    return ((rankdata(pb, axis=1) * yb).sum(1) - n1 * (n1 + 1) / 2) / (n1 * (yb.shape[1] - n1))


def mean_auc_bar(name: str, y: np.ndarray, p: np.ndarray, baseline: np.ndarray | None = None,
                 n_boot: int = 2000, seed: int = 0) -> Bar:
    """Bar on the mean AUC over the categories of ``y`` (``N x K``): ``p`` against ``baseline``'s
    scores on the same pictures (None: a prevalence-only score, AUC 0.5 in every category), with
    the pictures resampled jointly across categories (:func:`resamples`; a NaN CI fails)."""
    method = float(np.mean(_aucs(y, p)))
    base = 0.5 if baseline is None else float(np.mean(_aucs(y, baseline)))
    idx = resamples(y, n_boot, seed)
    if idx is None:
        lo = hi = np.nan
    else:
        yb = y[idx]
        gain = _boot_aucs(yb, p[idx]).mean(1) - (0.5 if baseline is None else _boot_aucs(yb, baseline[idx]).mean(1))
        lo, hi = np.quantile(gain, [0.025, 0.975])
    return Bar(name, method, base, method - base, float(lo), float(hi), len(y), 0, 0.0)


def rows(scores: dict[str, np.ndarray], y: np.ndarray, ok: np.ndarray, threshold: float = 0.5,
         n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Table 2 (ours): one row per named score matrix (``N x 28``) on the categories ``ok``,
    each metric as 'value [95 % CI]'; the all-negative accuracy on the same cells beside them."""
    yk = y[:, ok]
    out = {}
    for name, p in scores.items():
        pk = np.asarray(p)[:, ok]
        value, ci = point(yk, pk, threshold), bootstrap(yk, pk, threshold, n_boot, seed)
        out[name] = {m: ci_text(value[m], *ci[m]) for m in METRICS}
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index.name = "model"
    table["all-negative accuracy"] = f"{1 - yk.mean():.3f}"
    return table


#: The paper's Table 2 rows and ours they stand beside.
PAPER_ROWS = {"VGG16": "VGG", "ResNet50": "ResNet", "Ensemble model": "ensemble",
              "Ensemble model + Image enhance": "ensemble + CAM crops"}


def versus_paper(paper: pd.DataFrame, scores: dict[str, np.ndarray], y: np.ndarray, ok: np.ndarray,
                 threshold: float = 0.5) -> pd.DataFrame:
    """The paper's Table 2 rows (accuracy, precision, recall, F1) beside ours (:func:`point`)."""
    out = []
    for paper_row, ours_row in PAPER_ROWS.items():
        mine = point(y[:, ok], np.asarray(scores[ours_row])[:, ok], threshold)
        row = {"ours": ours_row}
        for m, col in zip(("accuracy", "precision", "recall", "F1"), ("accuracy", "precision", "recall", "f1")):
            row[f"{m} (paper)"], row[f"{m} (ours)"] = float(paper.loc[paper_row, col]), round(mine[m], 4)
        out.append(pd.Series(row, name=paper_row))
    table = pd.DataFrame(out)
    table.index.name = "paper row"
    return table


def fig6_claims(y: np.ndarray, p: np.ndarray, ok: np.ndarray) -> pd.DataFrame:
    """Fig. 6's two claims - a mean AUC of 0.95, and DN, ODC and Others the only categories below
    0.9 - against ours (categories the test split cannot score are named as such)."""
    from .data import NAMES
    from ..report import paper_values

    aucs = {NAMES[k]: auc_rank(y[:, k], p[:, k]) for k in np.flatnonzero(ok)}
    below = [n for n, a in aucs.items() if a < 0.9]
    claimed = paper_values.get("rfmid_ensemble", "fig6_below_0_9")
    unscored = [n for n in claimed if n not in aucs]
    return pd.DataFrame({
        "paper": [f"{paper_values.get('rfmid_ensemble', 'fig6_mean_auc'):.2f}", ", ".join(claimed)],
        "ours": [f"{np.mean(list(aucs.values())):.3f} (over {len(aucs)} scorable categories)",
                 ", ".join(below) or "none"],
        "note": ["", f"not scorable here: {', '.join(unscored)}" if unscored else ""]},
        index=pd.Index(["mean AUC", "categories with AUC below 0.9"], name="claim"))


def literature(paper: pd.DataFrame, ours: dict[str, float], label: str) -> pd.DataFrame:
    """Fig. 7's table: the paper's literature values (in %) with a row of ours added."""
    table = paper[[c for c in ("accuracy", "precision", "recall", "auc", "f1") if c in paper]].astype(float)
    mine = {"accuracy": ours["accuracy"], "precision": ours["precision"], "recall": ours["recall"],
            "auc": ours["mean AUC"], "f1": ours["F1"]}
    table.loc[label] = [100 * mine[c] for c in table.columns]
    return table


def paper_readings(paper: pd.DataFrame) -> pd.DataFrame:
    """What each of the paper's Table 2 rows implies: the harmonic mean of its precision and
    recall (against its F1), and the share of positive cells its four numbers imply if they
    were one confusion matrix: ``(1 - acc) / (rec (1/prec - 1) + 1 - rec)``."""
    acc, prec, rec, f1 = (paper[c].astype(float) for c in ("accuracy", "precision", "recall", "f1"))
    out = pd.DataFrame({"F1 (paper)": f1, "2PR / (P + R)": 2 * prec * rec / (prec + rec),
                        "implied share of positive cells": (1 - acc) / (rec * (1 / prec - 1) + 1 - rec)})
    out["implied all-negative accuracy"] = 1 - out["implied share of positive cells"]
    return out.round(4)


__all__ = ["METRICS", "PAPER_ROWS", "average_precision", "bootstrap", "cell_counts", "fig6_claims", "literature",
           "mean_auc_bar", "micro_metrics", "paper_readings", "point", "resamples", "rows", "versus_paper"]
