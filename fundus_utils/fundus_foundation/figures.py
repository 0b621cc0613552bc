"""Figures of the foundation-model chapter: the upstream pictures across the ladder, Fig. 2A and Fig. 2C."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..report.style import PALETTE
from .upstream import pictures


def ladder_gallery(table: pd.DataFrame, sizes: list[int], per_finding: int = 1, seed: int = 0) -> Figure:
    """One normal picture and one per finding (the first ``per_finding`` drawn with ``seed``), at every rung of
    ``sizes``: how much of each finding is left when the picture is resized down."""
    rng = np.random.default_rng(seed)
    found = table["findings"].fillna("").astype(str)
    names = sorted({f for fs in found for f in fs.split("|") if f})
    picks = [("normal", int(rng.choice(np.flatnonzero(table["abnormal"].to_numpy() == 0))))]
    for name in names:
        rows = np.flatnonzero(found.str.split("|").apply(lambda fs, n=name: n in fs).to_numpy())
        picks += [(name.replace("_", " "), int(r)) for r in rng.choice(rows, min(per_finding, len(rows)), replace=False)]
    rows = table.iloc[[r for _, r in picks]]
    fig, axes = plt.subplots(len(sizes), len(picks), figsize=(1.05 * len(picks), 1.2 * len(sizes)), squeeze=False)
    for i, size in enumerate(sizes):
        x = pictures(rows, size).transpose(0, 2, 3, 1)
        for j, (name, _) in enumerate(picks):
            ax = axes[i, j]
            ax.imshow(x[j], interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=7)
            if j == 0:
                ax.set_ylabel(f"{size} px", fontsize=8)
    return fig


def resolution_figure(lp: pd.DataFrame) -> Figure:
    """Fig. 2A: linear-probe AUC (fold mean ± SD) against resolution, one line per initialisation."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    for colour, (init, g) in zip(PALETTE, lp.groupby("initialisation", sort=False)):
        g = g.sort_values("resolution")
        ax.errorbar(g["resolution"], g["mean"], yerr=g["sd"], marker="o", capsize=3, color=colour, label=init)
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1, label="chance (prevalence-only score)")
    ax.set_xticks(sorted(lp["resolution"].unique()))
    ax.set_xlabel("resolution (px)")
    ax.set_ylabel("AUC, linear probing (5-fold mean ± SD)")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def fraction_figure(stress: pd.DataFrame) -> Figure:
    """Fig. 2C: linear-probe AUC [DeLong 95 % CI] against the fraction of training data, per initialisation."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    for k, (colour, (init, g)) in enumerate(zip(PALETTE, stress.groupby("initialisation", sort=False))):
        g = g.sort_values("fraction")
        x = g["fraction"].to_numpy() * (1 + 0.04 * (k - 1.5))  # a small dodge keeps the intervals apart
        ax.errorbar(x, g["auc"], yerr=[g["auc"] - g["lo"], g["hi"] - g["auc"]], marker="o", capsize=3, color=colour,
                    label=init)
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1, label="chance (prevalence-only score)")
    ax.set_xscale("log")
    fractions = sorted(stress["fraction"].unique())
    ax.set_xticks(fractions, [f"{f:.0%}" for f in fractions])
    ax.set_xlabel("fraction of each fold's training pictures")
    ax.set_ylabel("AUC, linear probing [95 % CI]")
    ax.legend(fontsize=8, loc="lower right")
    return fig
