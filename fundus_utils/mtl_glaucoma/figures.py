"""Figures of the MTL-IO paper: ROC (Fig. 1), learning-rate study (Figs. 2-3),
segmentation example (Fig. 4) and fovea heatmap example (Fig. 6)."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, LogFormatterSciNotation, LogLocator, NullFormatter
from sklearn.metrics import roc_auc_score, roc_curve

from ..report import style
from .sweep import TASK_OF

# One colour per method from the book's colour-blind palette (no red-green pair; MTL-IO orange).
COLOURS = {"STL": style.BLUE, "MTL-IO": style.ORANGE, "Vanilla MTL": style.GREEN, "GradNorm": style.PURPLE,
           "PCGrad": style.SKY_BLUE, "Res34-Unet": style.BROWN}
TITLES = {"glaucoma": "Glaucoma", "od": "Optic disc", "oc": "Optic cup", "fovea": "Fovea"}


def roc_figure(per_image: Mapping[str, Sequence[pd.DataFrame]], score: str = "score") -> Figure:
    """ROC curves of the glaucoma score, one thin curve per fold and method; legend: mean AUC ± SD."""
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    for method, frames in per_image.items():
        aucs = []
        for k, df in enumerate(frames):
            ok = np.isfinite(df["glaucoma"]) & np.isfinite(df[score])
            y, s = df.loc[ok, "glaucoma"].to_numpy(), df.loc[ok, score].to_numpy()
            if len(np.unique(y)) < 2:
                continue
            fpr, tpr, _ = roc_curve(y, s)
            aucs.append(roc_auc_score(y, s))
            ax.plot(fpr, tpr, color=COLOURS.get(method), lw=1.2, alpha=0.7)
        if aucs:
            ax.plot([], [], color=COLOURS.get(method), lw=2,
                    label=f"{method}: AUC {np.mean(aucs):.3f} ± {np.std(aucs, ddof=1) if len(aucs) > 1 else 0:.3f}")
    ax.plot([0, 1], [0, 1], ls=":", color="0.6")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="Glaucoma detection (test set)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def log_lr_axis(ax, lrs: Sequence[float]) -> None:
    """A log x axis whose tick labels cannot overlap: labelled decades (at most 4) when the
    studied values span a decade or more, else labels at the studied values only; minor
    ticks unlabelled."""
    lrs = np.unique(np.asarray(lrs, float))
    lrs = lrs[np.isfinite(lrs) & (lrs > 0)]
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    if len(lrs) and lrs.max() / lrs.min() >= 10:
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=4))
        ax.xaxis.set_major_formatter(LogFormatterSciNotation(base=10))
    elif len(lrs):
        ax.xaxis.set_major_locator(FixedLocator(lrs))
        ax.xaxis.set_major_formatter(LogFormatterSciNotation(base=10, labelOnlyBase=False,
                                                             minor_thresholds=(np.inf, np.inf)))  # label every one


def sweep_figure(sweep: pd.DataFrame, kind: str = "metric") -> Figure:
    """Best validation metric (``kind="metric"``, Fig. 2) or minimum validation loss (``"loss"``, Fig. 3) vs lr."""
    cols = [c for c in ("auc", "dice_od", "dice_oc", "fovea_px") if c in sweep] if kind == "metric" else \
        [f"loss_{t}" for t in ("glaucoma", "od", "oc", "fovea") if f"loss_{t}" in sweep]
    ncols = 2 if len(cols) == 4 else max(len(cols), 1)  # four panels as 2 x 2: legible at the book's width
    nrows = int(np.ceil(len(cols) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 2.7 * nrows), squeeze=False)
    for ax, col in zip(axes.flat, cols):
        task = TASK_OF.get(col, col.replace("loss_", ""))
        for method, g in sweep.groupby("method", sort=False):
            g = g.sort_values("lr")
            ax.plot(g["lr"], g[col], "o-", color=COLOURS.get(method), label=method)
        log_lr_axis(ax, sweep["lr"])
        label = {"auc": "best AUC (FC)", "dice_od": "best Dice", "dice_oc": "best Dice", "fovea_px": "best error (px)"}
        ax.set(title=TITLES[task], xlabel="learning rate", ylabel=label.get(col, "min. validation loss"))
    for ax in list(axes.flat)[len(cols):]:
        ax.axis("off")
    axes[0][0].legend()
    fig.tight_layout()
    return fig


def _contour(ax, mask: np.ndarray, colour: str, ls: str = "-") -> None:
    if mask.any():
        ax.contour(mask.astype(float), [0.5], colors=[colour], linewidths=1.2, linestyles=ls)


def segmentation_figure(image: np.ndarray, od: np.ndarray, oc: np.ndarray,
                        predictions: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str = "",
                        pad: int = 10) -> Figure:
    """Fig. 4: the disc region with reference (white) and predicted OD (yellow) / OC (cyan) outlines."""
    ys, xs = np.nonzero(od)
    y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, od.shape[0])
    x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, od.shape[1])
    crop = (slice(y0, y1), slice(x0, x1))
    panels = {"reference": (od, oc), **predictions}
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 2.8))
    for ax, (name, (pod, poc)) in zip(np.atleast_1d(axes), panels.items()):
        ax.imshow(image.transpose(1, 2, 0)[crop], interpolation="nearest")
        _contour(ax, pod[crop], "yellow" if name != "reference" else "white")
        _contour(ax, poc[crop], "cyan" if name != "reference" else "white", "--" if name == "reference" else "-")
        ax.set_title(name)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=style.FONT_SIZE)
    fig.tight_layout()
    return fig


def fovea_figure(image: np.ndarray, target: np.ndarray, pred: np.ndarray, true_xy: Sequence[float],
                 pred_xy: Sequence[float]) -> Figure:
    """Fig. 6: the picture, the Gaussian target map and the predicted map with both fovea positions."""
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.6 * max(image.shape[1] / image.shape[2], 0.45) + 0.6))
    axes[0].imshow(image.transpose(1, 2, 0))
    axes[1].imshow(target, cmap="magma", vmin=0, vmax=1)
    axes[2].imshow(pred, cmap="magma", vmin=0, vmax=1)
    for ax, title in zip(axes, ("image", "target map (Gaussian)", "predicted map")):
        ax.plot(*true_xy, "+", color="lime", ms=10, mew=2, label="true fovea")
        ax.plot(*pred_xy, "x", color="cyan", ms=8, mew=2, label="centre of mass")
        ax.set_title(title)
        ax.axis("off")
    axes[0].legend(loc="lower left")
    fig.tight_layout()
    return fig


__all__ = ["COLOURS", "fovea_figure", "log_lr_axis", "roc_figure", "segmentation_figure", "sweep_figure"]
