"""Figures of the datasets chapter: sample images with their masks, class balance, label statistics.

Each function returns a matplotlib ``Figure`` (to be saved with ``report.figure``);
thumbnails come from the resized-image cache (:func:`fundus_utils.data.load_resized`),
so a second run decodes nothing. Tables in the long formats of
:mod:`fundus_utils.data.summary` go in.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from PIL import Image

from ..report import style
from .cache import load_resized

# How each mask column is drawn: (RGB colour, "outline" or "fill").
MASK_STYLE: dict[str, tuple[tuple[int, int, int], str]] = {
    "od_mask": ((60, 230, 60), "outline"),
    "oc_mask": ((40, 120, 255), "outline"),
    "vessel_mask": ((255, 235, 0), "fill"),
    "fov_mask": ((255, 255, 255), "outline"),
    "lesion_mask": ((255, 60, 200), "fill"),
}
CLASS_COLOURS = style.CLASS_COLOURS  # the book's class colours (blue vs orange), defined once in report.style


def overlay(image: np.ndarray, masks: Mapping[str, np.ndarray],
            style: Optional[Mapping[str, tuple[tuple[int, int, int], str]]] = None,
            alpha: float = 0.6, thickness: int = 1) -> np.ndarray:
    """``image`` (uint8 ``H x W x 3``) with boolean ``masks`` drawn on it, keyed by mask column.

    Filled masks are blended with ``alpha``; outlined ones get their contours drawn
    ``thickness`` px wide. Columns missing from ``style`` are outlined in white.
    """
    style = MASK_STYLE if style is None else style
    out = np.ascontiguousarray(image.copy())
    for col, mask in masks.items():
        colour, mode = style.get(col, ((255, 255, 255), "outline"))
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != out.shape[:2]:
            raise ValueError(f"mask {col!r} is {mask.shape}, image is {out.shape[:2]}")
        if mode == "fill":
            blend = (1 - alpha) * out[mask] + alpha * np.asarray(colour, dtype=float)
            out[mask] = blend.round().astype(np.uint8)
        else:
            contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(out, contours, -1, tuple(int(c) for c in colour), thickness)
    return out


def pick_samples(table: pd.DataFrame, n: int, seed: int = 0, by: str = "glaucoma") -> pd.DataFrame:
    """``n`` rows for a gallery, reproducibly: balanced over the classes of ``by`` where labelled.

    With a labelled ``by`` column, rows are drawn from the labelled ones, about ``n/k`` per
    class (``k`` classes, positives first); otherwise ``n`` rows at random. Sorted by class
    and image id.
    """
    rng = np.random.default_rng(seed)
    n = min(n, len(table))
    if by in table and table[by].notna().any():
        labelled = table[table[by].notna()]
        classes = sorted(labelled[by].unique(), reverse=True)
        picked, left = [], n
        for i, cls in enumerate(classes):
            rows = labelled[labelled[by] == cls]
            k = min(len(rows), int(np.ceil(left / (len(classes) - i))))
            picked.append(rows.iloc[np.sort(rng.choice(len(rows), k, replace=False))])
            left -= k
        return pd.concat(picked).head(n)
    return table.iloc[np.sort(rng.choice(len(table), n, replace=False))]


def thumb_shape(path: str, height: int) -> tuple[int, int]:
    """``(height, width)`` keeping the aspect ratio of the image at ``path`` (header read only)."""
    with Image.open(path) as img:
        w, h = img.size
    return height, max(1, int(round(height * w / h)))


def _finish(fig: Figure, title: str = "", ax=None) -> Figure:
    """``title`` on ``ax`` (or as the figure's suptitle without ``ax``), then a tight layout."""
    if title and ax is not None:
        ax.set_title(title)
    elif title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _caption(row: pd.Series, by: str) -> str:
    label = ""
    if by in row and pd.notna(row[by]):
        label = " · glaucoma" if row[by] == 1 else " · normal"
    return f"{row['image_id']}{label}"


def sample_gallery(table: pd.DataFrame, mask_columns: Sequence[str], n: int = 4, height: int = 160,
                   seed: int = 0, title: str = "", by: str = "glaucoma", panel_in: Optional[float] = None) -> Figure:
    """A row of ``n`` thumbnails of ``table`` with ``mask_columns`` overlaid (see :data:`MASK_STYLE`).

    Thumbnails are ``height`` px high with the first sample's aspect ratio, read through
    the resized cache. Samples come from :func:`pick_samples` (balanced over ``by``).
    Panels are ``panel_in`` inches high (default ``height / 72``, so that bigger thumbnails
    keep their detail in the saved PNG).
    """
    panel_in = height / 72 if panel_in is None else panel_in
    rows = pick_samples(table, n, seed, by)
    shape = thumb_shape(rows["image"].iloc[0], height)
    cols = ["image", *[c for c in mask_columns if c in rows]]
    arrays = load_resized(rows, shape, columns=cols, missing="zeros")
    aspect = shape[1] / shape[0]
    fig, axes = plt.subplots(1, len(rows), figsize=(panel_in * aspect * len(rows), panel_in + 0.35), squeeze=False)
    for i, (ax, (_, row)) in enumerate(zip(axes[0], rows.iterrows())):
        ax.imshow(overlay(arrays["image"][i], {c: arrays[c][i] for c in cols[1:]}))
        ax.set_title(_caption(row, by), fontsize="medium")
        ax.axis("off")
    return _finish(fig, title)


def glaucoma_prevalence_plot(balance: pd.DataFrame) -> Figure:
    """Glaucoma prevalence per dataset and split, annotated ``glaucoma/n``.

    ``balance``: :func:`fundus_utils.data.summary.expected_glaucoma_balance`.
    """
    df = balance.assign(pct=100 * balance["prevalence"],
                        row=[f"{d} ({s})" for d, s in zip(balance["dataset"], balance["split"])]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(df) + 1.0))
    sns.barplot(data=df, y="row", x="pct", hue="split", dodge=False, ax=ax)
    for y, (g, n, pct) in enumerate(zip(df["glaucoma"], df["n"], df["pct"])):
        ax.text(pct + 1, y, f"{g}/{n}", va="center", fontsize=style.ANNOTATION_SIZE)
    ax.set_xlabel("glaucoma prevalence (%)")
    ax.set_ylabel("")
    ax.set_xlim(0, 100)
    ax.legend(title="split", loc="lower right")
    fig.tight_layout()
    return fig


def class_balance_plot(balance: pd.DataFrame, col_wrap: int = 3) -> Figure:
    """Images per split and class, one panel per dataset (``summary.class_balance`` rows)."""
    datasets = list(dict.fromkeys(balance["dataset"]))
    ncols = min(col_wrap, max(len(datasets), 1))
    nrows = int(np.ceil(len(datasets) / ncols)) if datasets else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 2.7 * nrows), squeeze=False)
    palette = {c: CLASS_COLOURS.get(c, None) for c in balance["class"].unique()}
    palette = {c: v for c, v in palette.items() if v is not None} or None
    for ax, name in zip(axes.flat, datasets):
        part = balance[balance["dataset"] == name]
        sns.barplot(data=part, x="split", y="n", hue="class", ax=ax, saturation=1,  # exactly the class colours
                    palette={c: palette[c] for c in part["class"].unique()} if palette and
                    set(part["class"]) <= set(palette) else None)
        for container in ax.containers:
            ax.bar_label(container, fontsize=style.ANNOTATION_SIZE, padding=1)
        ax.set_title(name)
        ax.set_xlabel("")
        ax.set_ylabel("images")
        ax.legend(title=None)
        ax.margins(y=0.15)
    for ax in list(axes.flat)[len(datasets):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def label_counts_plot(counts: pd.DataFrame, grouped: Sequence[str] = (), title: str = "") -> Figure:
    """Horizontal bars of positives per label (``summary.label_counts``), log scale.

    Labels in ``grouped`` (e.g. the 18 merged into OTHER) are drawn in a second colour.
    Labels with no positive are listed at zero.
    """
    df = counts.assign(group=np.where(counts["label"].isin(list(grouped)), "merged into OTHER", "own category"))
    fig, ax = plt.subplots(figsize=(6.5, 0.17 * len(df) + 1.2))
    sns.barplot(data=df, y="label", x="positives", hue="group", dodge=False, ax=ax,
                palette={"own category": style.BLUE, "merged into OTHER": style.ORANGE})
    for y, v in enumerate(df["positives"]):
        ax.text(max(v, 0.8) * 1.08, y, str(v), va="center", fontsize=style.ANNOTATION_SIZE)
    ax.set_xscale("log")
    ax.set_xlim(0.8, float(df["positives"].max()) * 3 if len(df) else 10)
    ax.set_xlabel("images with the label (log scale)")
    ax.set_ylabel("")
    ax.legend(title=None, loc="lower right")
    return _finish(fig, title, ax)


# The co-occurrence heat map: cell side (in) and the size of its numbers (pt); a 4-digit count
# at 7 pt is about 17 pt wide, the cell 22 pt.
COOCCURRENCE_CELL_IN = 0.3
COOCCURRENCE_ANNOTATION_SIZE = 7


def cooccurrence_heatmap(matrix: pd.DataFrame, title: str = "") -> Figure:
    """Pairwise co-occurrence counts (``summary.cooccurrence``) on a log colour scale; zeros blank."""
    n = len(matrix)
    cell = COOCCURRENCE_CELL_IN
    fig, ax = plt.subplots(figsize=(cell * n + 2.4, cell * n + 1.4))
    data = matrix.astype(float)
    vmax = max(float(data.to_numpy().max()), 1.0)
    sns.heatmap(data, mask=data.to_numpy() == 0, norm=LogNorm(vmin=1, vmax=vmax), cmap="viridis", square=True,
                annot=n <= 30, fmt=".0f", annot_kws={"fontsize": COOCCURRENCE_ANNOTATION_SIZE},
                cbar_kws={"label": "images", "shrink": 0.6}, linewidths=0.2, linecolor="0.92", ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return _finish(fig, title, ax)


def labels_per_image_plot(per_image: pd.DataFrame, title: str = "") -> Figure:
    """Images by number of positive labels (``summary.labels_per_image``), annotated."""
    fig, ax = plt.subplots(figsize=(4.5, 2.8))
    sns.barplot(data=per_image, x="labels", y="images", ax=ax, color=style.BLUE)
    ax.bar_label(ax.containers[0], fontsize=style.ANNOTATION_SIZE, padding=1)
    ax.set_xlabel("positive conditions per image")
    ax.set_ylabel("images")
    ax.margins(y=0.12)
    return _finish(fig, title, ax)
