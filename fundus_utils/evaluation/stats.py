"""Confidence intervals for reported metrics."""
from __future__ import annotations

from typing import Callable

import numpy as np


def bootstrap_ci(values: np.ndarray, statistic: Callable[[np.ndarray], float] = np.mean, n_boot: int = 2000,
                 level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """Point estimate and percentile bootstrap interval of ``statistic`` over per-sample ``values``."""
    values = np.asarray(values, float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    boots = np.array([statistic(values[i]) for i in idx])
    alpha = (1 - level) / 2
    return float(statistic(values)), float(np.quantile(boots, alpha)), float(np.quantile(boots, 1 - alpha))


def mean_ci_text(values: np.ndarray, digits: int = 3, seed: int = 0) -> str:
    """'0.912 [0.890, 0.930]': mean with its 95 % bootstrap interval, for tables."""
    m, lo, hi = bootstrap_ci(values, seed=seed)
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def auc_rank(labels: np.ndarray, scores: np.ndarray) -> np.ndarray | float:
    """ROC AUC from mid-ranks (Mann-Whitney), ties counted half; ``scores`` may be ``(..., n)``.

    Vectorised over leading axes, so bootstrap replicates are scored in one call. Labels of
    one class only give NaN.
    """
    from scipy.stats import rankdata

    y = np.asarray(labels, float)
    s = np.asarray(scores, float)
    n1, n0 = int((y == 1).sum()), int((y == 0).sum())
    if n1 == 0 or n0 == 0:
        return np.full(s.shape[:-1], np.nan) if s.ndim > 1 else float("nan")
    ranks = rankdata(s, axis=-1)
    auc = (ranks[..., y == 1].sum(axis=-1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return auc if s.ndim > 1 else float(auc)


def _placements(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's structural components V10 (per positive) and V01 (per negative), via mid-ranks (Sun & Xu 2014)."""
    from scipy.stats import rankdata

    m, n = len(pos), len(neg)
    tz = rankdata(np.concatenate([pos, neg]))
    v10 = (tz[:m] - rankdata(pos)) / n
    v01 = 1.0 - (tz[m:] - rankdata(neg)) / m
    return v10, v01


def delong_test(labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray | None = None,
                alternative: str = "two-sided") -> dict[str, float]:
    """DeLong, DeLong & Clarke-Pearson (1988) test of AUC(a) vs AUC(b) on the same images.

    Fast mid-rank form of Sun & Xu (IEEE SPL 2014). ``scores_b=None`` tests AUC(a) against
    0.5 (a constant score). ``alternative``: "two-sided", or "greater" (AUC(a) > AUC(b)).
    Returns auc_a, auc_b, diff, se (of the difference), z, p, and the 95 % CI of the
    difference (lo, hi) from DeLong's variance.
    """
    from scipy.stats import norm

    y = np.asarray(labels, float)
    a = np.asarray(scores_a, float)
    b = np.full_like(a, 0.5) if scores_b is None else np.asarray(scores_b, float)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("delong_test: scores contain NaN or inf")
    pos, neg = y == 1, y == 0
    if pos.sum() < 2 or neg.sum() < 2 or (pos | neg).sum() != len(y):
        raise ValueError("delong_test: needs labels 0/1 with at least two images of each class")
    va10, va01 = _placements(a[pos], a[neg])
    vb10, vb01 = _placements(b[pos], b[neg])
    s10 = np.cov(np.vstack([va10, vb10]))
    s01 = np.cov(np.vstack([va01, vb01]))
    cov = s10 / pos.sum() + s01 / neg.sum()
    auc_a, auc_b = float(va10.mean()), float(vb10.mean())
    diff = auc_a - auc_b
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = float(np.sqrt(max(var, 0.0)))
    if se == 0:
        z = np.inf * np.sign(diff) if diff else 0.0
    else:
        z = diff / se
    if alternative == "two-sided":
        p = float(2 * norm.sf(abs(z)))
    elif alternative == "greater":
        p = float(norm.sf(z))
    else:
        raise ValueError(f"delong_test: alternative must be 'two-sided' or 'greater', got {alternative!r}")
    return dict(auc_a=auc_a, auc_b=auc_b, diff=diff, se=se, z=float(z), p=p,
                lo=diff - 1.959964 * se, hi=diff + 1.959964 * se)
