"""Bars: a method must beat a baseline computed in the same run on the same images.

A fixed number typed into a notebook ("AUC > 0.65") flips with a machine's float kernels
when it sits inside the statistic's own noise, and a trivial method may clear it. A bar
here is a paired comparison instead: per test image, the method's value and a baseline's
value (an image-blind prior, the mean training position, a shape prior, chance), and the
bar passes only when the **lower end of the paired bootstrap 95 % CI of the improvement**
is above zero (``margin``, by default 0). Images are resampled jointly, so what the
method and the baseline have in common cancels.

Rules the functions enforce:

* A NaN never passes: a NaN improvement, a NaN CI or a NaN summary fails the bar.
* Nothing is silently dropped: where a method gives no answer for an image (a missed
  landmark, an empty mask without a defined score), pass ``worst=`` to score the image
  at that penalty and count it in ``missing``; without ``worst`` any NaN fails the bar.
* AUC bars resample positives and negatives separately (stratified), so every replicate
  has both classes; their DeLong p-value (one-sided, method > baseline) is reported too.

Usage in a notebook::

    bars = [evaluation.paired_mean("OD Dice, CE-Net vs shape prior", dice_cenet, dice_prior),
            evaluation.paired_auc("glaucoma AUC, ensemble vs chance", y, p_ensemble)]
    report.bars(bars, "re_seg_bars", "Bars", cfg)   # the table (with an asserted column), then the asserts
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .stats import auc_rank, delong_test

N_BOOT = 2000


@dataclass(frozen=True)
class Bar:
    """One paired comparison of a method with a baseline on the same ``n`` images."""

    name: str
    method: float       # the method's summary (mean, or AUC)
    baseline: float     # the baseline's summary on the same images
    gain: float         # improvement in the "better" direction (method - baseline, or baseline - method)
    lo: float           # paired bootstrap 95 % CI of the gain
    hi: float
    n: int
    missing: int        # images where the method gave no answer (scored at ``worst``)
    margin: float       # the CI's lower end must exceed this
    p_delong: float = float("nan")  # AUC bars only: one-sided DeLong p (method > baseline)

    @property
    def passed(self) -> bool:
        values = (self.method, self.baseline, self.gain, self.lo, self.hi)
        return bool(np.all(np.isfinite(values)) and self.lo > self.margin)


def _fill(values: np.ndarray, worst: float | Sequence[float] | None) -> tuple[np.ndarray, int]:
    values = np.asarray(values, float)
    missing = int((~np.isfinite(values)).sum())
    if missing and worst is not None:  # one penalty for all, or one per image (e.g. the image diagonal in DD)
        values = np.where(np.isfinite(values), values, np.broadcast_to(np.asarray(worst, float), values.shape))
    return values, missing


def paired_mean(name: str, method: Sequence[float], baseline: Sequence[float], higher_is_better: bool = True,
                worst: float | Sequence[float] | None = None, margin: float = 0.0, n_boot: int = N_BOOT, seed: int = 0) -> Bar:
    """Bar on a per-image metric (Dice, error in px or disc diameters): mean method vs mean baseline.

    ``worst`` scores images where the method (or the baseline) has no value (NaN), counted in
    ``missing``; a scalar, or one value per image; without it a NaN fails the bar.
    """
    m, missing = _fill(method, worst)
    b, _ = _fill(baseline, worst)
    if m.shape != b.shape or m.ndim != 1:
        raise ValueError(f"{name}: method and baseline need one value per image each, got {m.shape} and {b.shape}")
    sign = 1.0 if higher_is_better else -1.0
    d = sign * (m - b)
    if len(d) == 0:
        return Bar(name, np.nan, np.nan, np.nan, np.nan, np.nan, 0, missing, margin)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(d), size=(n_boot, len(d)))
    boots = d[idx].mean(axis=1)  # NaN stays NaN: a NaN value makes the CI NaN and fails the bar
    lo, hi = (np.quantile(boots, [0.025, 0.975]) if np.isfinite(boots).all() else (np.nan, np.nan))
    return Bar(name, float(m.mean()), float(b.mean()), float(d.mean()), float(lo), float(hi), len(d), missing, margin)


def paired_auc(name: str, labels: Sequence[float], method: Sequence[float], baseline: Sequence[float] | None = None,
               margin: float = 0.0, n_boot: int = N_BOOT, seed: int = 0) -> Bar:
    """Bar on ROC AUC: the method's scores vs a baseline's scores (``None``: chance, AUC 0.5).

    Stratified paired bootstrap of AUC(method) - AUC(baseline); a NaN score fails the bar
    (a classifier that gives no answer has no AUC), as do labels of one class only.
    """
    y = np.asarray(labels, float)
    s = np.asarray(method, float)
    b = np.full_like(s, 0.5) if baseline is None else np.asarray(baseline, float)
    missing = int((~np.isfinite(s)).sum())
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if missing or len(pos) == 0 or len(neg) == 0 or len(pos) + len(neg) != len(y) or not np.isfinite(b).all():
        return Bar(name, np.nan, np.nan, np.nan, np.nan, np.nan, len(y), missing, margin)
    rng = np.random.default_rng(seed)
    idx = np.concatenate([pos[rng.integers(0, len(pos), (n_boot, len(pos)))],
                          neg[rng.integers(0, len(neg), (n_boot, len(neg)))]], axis=1)
    yb = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    gain = auc_rank(yb, s[idx]) - auc_rank(yb, b[idx])
    lo, hi = np.quantile(gain, [0.025, 0.975])
    a_m, a_b = float(auc_rank(y, s)), float(auc_rank(y, b))
    p = delong_test(y, s, b, alternative="greater")["p"] if baseline is not None else \
        delong_test(y, s, None, alternative="greater")["p"]
    return Bar(name, a_m, a_b, a_m - a_b, float(lo), float(hi), len(y), 0, margin, float(p))


def _resampled_auc(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of ``(replicates, n)`` labels and scores (mid-ranks); NaN where a row has one class."""
    from scipy.stats import rankdata

    n1 = labels.sum(axis=1)
    n0 = labels.shape[1] - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = ((rankdata(scores, axis=1) * labels).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return np.where((n1 > 0) & (n0 > 0), auc, np.nan)


def paired_macro_auc(name: str, labels: np.ndarray, method: np.ndarray, baseline: np.ndarray | None = None,
                     margin: float = 0.0, n_boot: int = N_BOOT, seed: int = 0) -> Bar:
    """Bar on the macro-average ROC AUC of a multi-label task (``labels``, scores: ``N x C``): the mean over the
    C classes of each class's AUC, the method's vs a baseline's (``None``: chance, 0.5 per class).

    Pictures (rows) are resampled jointly for every class, as the classes share them; a replicate
    that leaves a class with one label only has no macro AUC, and makes the CI NaN (the bar fails)
    rather than being dropped. A NaN score or a class without both labels fails the bar.
    """
    y, s = np.asarray(labels, float), np.asarray(method, float)
    b = np.full_like(s, 0.5) if baseline is None else np.asarray(baseline, float)
    if y.ndim != 2 or s.shape != y.shape or b.shape != y.shape:
        raise ValueError(f"{name}: labels, method and baseline must all be N x C, got {y.shape}, {s.shape}, {b.shape}")
    missing = int((~np.isfinite(s)).any(axis=1).sum())
    if missing or not np.isfinite(b).all() or ((y == 1).sum(0) == 0).any() or ((y == 0).sum(0) == 0).any():
        return Bar(name, np.nan, np.nan, np.nan, np.nan, np.nan, len(y), missing, margin)

    a_m = float(np.mean([auc_rank(y[:, c], s[:, c]) for c in range(y.shape[1])]))
    a_b = float(np.mean([auc_rank(y[:, c], b[:, c]) for c in range(y.shape[1])]))
    idx = np.random.default_rng(seed).integers(0, len(y), (n_boot, len(y)))
    gain = np.mean([_resampled_auc(y[:, c][idx], s[:, c][idx])
                    - (0.5 if baseline is None else _resampled_auc(y[:, c][idx], b[:, c][idx]))  # chance: 0.5 exactly
                    for c in range(y.shape[1])], axis=0)
    lo, hi = np.quantile(gain, [0.025, 0.975]) if np.isfinite(gain).all() else (np.nan, np.nan)
    return Bar(name, a_m, a_b, a_m - a_b, float(lo), float(hi), len(y), 0, margin)


def bars_table(bars: Sequence[Bar]) -> pd.DataFrame:
    """One row per bar: method, baseline, gain [95 % CI], n, missing, passed (for ``report.table``).

    No bars (nothing was scored) gives an empty table with the same columns.
    """
    if not bars:
        columns = [f for f in Bar.__dataclass_fields__ if f not in ("name", "p_delong")] + ["passed"]
        return pd.DataFrame(columns=columns, index=pd.Index([], name="name"))
    rows = []
    for bar in bars:
        r = asdict(bar)
        r["passed"] = bar.passed
        rows.append(r)
    df = pd.DataFrame(rows).set_index("name")
    if df["p_delong"].isna().all():
        df = df.drop(columns="p_delong")
    return df  # DeLong's p exists for AUC bars only; report.table shows the others' empty cells as "—"


def named(bars: Sequence[Bar], prefixes: Sequence[str], setting: str) -> list[bool]:
    """Per bar: does its name start with one of ``prefixes``? (a chapter's asserted or reported bars)

    A prefix that names no bar raises, naming ``setting``: a typo must not silently change
    which bars are asserted.
    """
    prefixes = tuple(prefixes)
    unmatched = [p for p in prefixes if not any(b.name.startswith(p) for b in bars)]
    if unmatched:
        raise ValueError(f"{setting}: no bar is named {unmatched!r}...; bars: {[b.name for b in bars]}")
    return [b.name.startswith(prefixes) for b in bars]


def verdict(lo: float, hi: float) -> str:
    """What a paired 95 % CI of a gain says, in words, for a summary table."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "not computed (no finite interval)"
    if lo > 0:
        return "better than the baseline in this run (95 % CI above 0)"
    if hi < 0:
        return "worse than the baseline in this run (95 % CI below 0)"
    return "no difference this run can resolve (95 % CI spans 0)"


def check_bars(bars: Sequence[Bar]) -> None:
    """Raise ``AssertionError`` naming every bar that failed (NaN, or CI lower end not above the margin)."""
    failed = [b for b in bars if not b.passed]
    if failed:
        lines = [f"{b.name}: method {b.method:.3f} vs baseline {b.baseline:.3f}, gain {b.gain:+.3f} "
                 f"[{b.lo:+.3f}, {b.hi:+.3f}] (needs lower end > {b.margin:g}; n={b.n}, missing={b.missing})"
                 for b in failed]
        raise AssertionError("bars not met:\n" + "\n".join(lines))


__all__ = ["Bar", "bars_table", "check_bars", "named", "paired_auc", "paired_mean", "verdict"]
