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
