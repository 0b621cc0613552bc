"""Confidence intervals and tests for reported metrics: bootstrap, DeLong's AUC variance and test.

DeLong's method (DeLong, DeLong & Clarke-Pearson, Biometrics 44:837-845, 1988) estimates the
variance of an empirical ROC AUC, and the covariance of two AUCs measured on the same images,
from the structural components (placement values) V10 (one per positive) and V01 (one per
negative). ``_placements`` computes them from mid-ranks in O((m+n) log(m+n)) (Sun & Xu, IEEE
Signal Processing Letters 21(11):1389-1393, 2014) instead of DeLong's O(m n) kernel sums;
``delong_ci`` (one AUC) and ``delong_test`` (two correlated AUCs) share it.
"""
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


def ci_text(value: float, lo: float, hi: float, digits: int = 3) -> str:
    """``'0.912 [0.890, 0.930]'``: a value and its interval, for tables (``'n/a'`` for a NaN value)."""
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def mean_ci_text(values: np.ndarray, digits: int = 3, seed: int = 0) -> str:
    """'0.912 [0.890, 0.930]': mean with its 95 % bootstrap interval, for tables."""
    return ci_text(*bootstrap_ci(values, seed=seed), digits=digits)


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
    """DeLong's structural components V10 (per positive) and V01 (per negative), via mid-ranks (Sun & Xu 2014).

    ``V10[i]`` is the fraction of negatives that positive ``i`` outscores (ties count half),
    ``V01[j]`` the fraction of positives that outscore negative ``j``; both average to the AUC.
    """
    from scipy.stats import rankdata

    m, n = len(pos), len(neg)
    tz = rankdata(np.concatenate([pos, neg]))
    v10 = (tz[:m] - rankdata(pos)) / n
    v01 = 1.0 - (tz[m:] - rankdata(neg)) / m
    return v10, v01


def _split_classes(name: str, labels: np.ndarray,
                   *scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Boolean masks of positives and negatives, and the scores as float arrays, after DeLong's checks."""
    y = np.asarray(labels, float)
    arrays = [np.asarray(s, float) for s in scores]
    for s in arrays:
        if s.shape != y.shape:
            raise ValueError(f"{name}: labels and scores differ in shape ({y.shape} vs {s.shape})")
        if not np.isfinite(s).all():
            raise ValueError(f"{name}: scores contain NaN or inf")
    pos, neg = y == 1, y == 0
    if pos.sum() < 2 or neg.sum() < 2 or (pos | neg).sum() != len(y):
        raise ValueError(f"{name}: needs labels 0/1 with at least two images of each class")
    return pos, neg, arrays


def delong_ci(labels: np.ndarray, scores: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float]:
    """ROC AUC of ``scores`` with its DeLong (1988) ``1 - alpha`` confidence interval: ``(auc, lo, hi)``.

    The variance is DeLong's ``var(V10)/m + var(V01)/n`` (sample variances of the structural
    components over the m positives and n negatives, from the mid-rank placements of Sun & Xu
    2014); the interval is the normal one, ``auc -/+ z_{1-alpha/2} * se``, clipped to [0, 1].
    Ties count half.
    """
    from scipy.stats import norm

    if not 0 < alpha < 1:
        raise ValueError(f"delong_ci: alpha must lie in (0, 1), got {alpha!r}")
    pos, neg, (s,) = _split_classes("delong_ci", labels, scores)
    v10, v01 = _placements(s[pos], s[neg])
    auc = float(v10.mean())
    var = float(v10.var(ddof=1) / pos.sum() + v01.var(ddof=1) / neg.sum())
    half = float(norm.ppf(1 - alpha / 2)) * np.sqrt(max(var, 0.0))
    return auc, float(max(0.0, auc - half)), float(min(1.0, auc + half))


def delong_test(labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray | None = None,
                alternative: str = "two-sided") -> dict[str, float]:
    """DeLong, DeLong & Clarke-Pearson (1988) test of AUC(a) vs AUC(b) on the same images.

    DeLong's asymptotic covariance of two correlated AUCs, computed in the fast mid-rank form
    of Sun & Xu (IEEE Signal Processing Letters 2014): ``S10/m + S01/n``, with S10 and S01 the
    2x2 sample covariances of the structural components over the m positives and n negatives;
    z = (AUC(a) - AUC(b)) / se of the difference. Ties count half. ``scores_b=None`` tests
    AUC(a) against 0.5 (a constant score). ``alternative``: "two-sided", or "greater"
    (AUC(a) > AUC(b)). Returns auc_a, auc_b, diff, se (of the difference), z, p, and the 95 %
    CI of the difference (lo, hi) from DeLong's variance.

    References: E. R. DeLong, D. M. DeLong, D. L. Clarke-Pearson, "Comparing the areas under
    two or more correlated receiver operating characteristic curves: a nonparametric
    approach", Biometrics 44(3):837-845, 1988; X. Sun, W. Xu, "Fast implementation of DeLong's
    algorithm for comparing the areas under correlated receiver operating characteristic
    curves", IEEE Signal Processing Letters 21(11):1389-1393, 2014.
    """
    from scipy.stats import norm

    a = np.asarray(scores_a, float)
    b = np.full_like(a, 0.5) if scores_b is None else scores_b
    pos, neg, (a, b) = _split_classes("delong_test", labels, a, b)
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
