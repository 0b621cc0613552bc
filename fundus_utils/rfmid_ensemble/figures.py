"""Figures of the RFMiD-ensemble chapter (matplotlib, in the book's style)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from . import cam_crops as cc


def crop_pipeline(image: np.ndarray, attention: np.ndarray, theta: float, size: int, title: str = "") -> Figure:
    """Fig. 2's panels for one picture: (a) original, (b) attention map, (c) overlay, (d) the pixels
    at theta and their bounding box, (e) the crop, (f) the crop resized to the input size."""
    box = cc.attention_box(attention, theta)
    fig, axes = plt.subplots(1, 6, figsize=(12, 2.6))
    panels = [("(a) original", image, None), ("(b) Guided Grad-CAM", attention, "magma"),
              ("(c) overlay", image, None), (f"(d) area at θ = {theta:g}", attention * 255 >= theta, "gray")]
    for ax, (name, img, cmap) in zip(axes, panels):
        ax.imshow(img, cmap=cmap)
        ax.set_title(name, fontsize=9)
    axes[2].imshow(attention, cmap="magma", alpha=0.5)
    if box is not None:
        r0, r1, c0, c1 = box
        for ax in axes[2:4]:
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, edgecolor="#56B4E9", lw=1.5))
        axes[4].imshow(image[r0:r1, c0:c1])
        axes[5].imshow(cc.crop_resized(image, box, size))
    axes[4].set_title("(e) crop", fontsize=9)
    axes[5].set_title(f"(f) resized to {size} px", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def theta_plot(sweep) -> Figure:
    """Box size and lesion coverage against theta (the paper gives no theta)."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(sweep.index, sweep["mean box area share"], "o-", label="mean box area share")
    if "lesion inside CAM box" in sweep:
        ax.plot(sweep.index, sweep["lesion inside CAM box"], "s-", label="lesion inside CAM box")
        ax.plot(sweep.index, sweep["lesion inside random box"], "^--", label="lesion inside random box (same size)")
    ax.set_xlabel("θ (on the map's 0-255 scale)")
    ax.set_ylabel("share")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def loss_curves(history: pd.DataFrame, smooth: int = 3) -> Figure:
    """Fig. 5 (ours): training and validation loss per epoch, one panel per base model; each
    fold's curve smoothed by a centred running mean over ``smooth`` epochs (the paper: LOESS),
    then seaborn's mean over folds with its 95 % bootstrap band (with two folds, a wide one)."""
    import seaborn as sns

    long = history.melt(id_vars=["model", "fold", "arm", "phase", "epoch"], value_vars=["train_loss", "valid_loss"],
                        var_name="set", value_name="loss")
    long["set"] = long["set"].map({"train_loss": "training", "valid_loss": "validation"})
    long["loss"] = long.groupby(["model", "fold", "arm", "set"])["loss"].transform(
        lambda v: v.rolling(smooth, center=True, min_periods=1).mean())
    models = list(dict.fromkeys(long["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(4.5 * len(models), 3.2), squeeze=False)
    for ax, model in zip(axes[0], models):
        sns.lineplot(data=long[long["model"] == model], x="epoch", y="loss", hue="set", errorbar=("ci", 95), ax=ax,
                     n_boot=200, seed=0)
        ax.set_title({"vgg": "VGG", "resnet": "ResNet"}.get(model, model), fontsize=10)
    fig.tight_layout()
    return fig


def roc_curves(y: np.ndarray, p: np.ndarray, names, ok: np.ndarray, title: str = "") -> Figure:
    """Fig. 6 (ours): ROC curve and AUC of each scorable category, in two panels (the paper's
    (a) and (b)), the categories split by test positives."""
    from sklearn.metrics import roc_auc_score, roc_curve

    order = sorted(np.flatnonzero(ok), key=lambda k: -y[:, k].sum())
    halves = [order[: (len(order) + 1) // 2], order[(len(order) + 1) // 2:]]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, part, tag in zip(axes, halves, ("(a)", "(b)")):
        for k in part:
            fpr, tpr, _ = roc_curve(y[:, k], p[:, k])
            ax.plot(fpr, tpr, lw=1.2, label=f"{names[k]} ({roc_auc_score(y[:, k], p[:, k]):.2f}, n+ {int(y[:, k].sum())})")
        ax.plot([0, 1], [0, 1], ":", color="grey", lw=1)
        ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title=f"{tag} {title}".strip())
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def literature(comparison: pd.DataFrame) -> Figure:
    """Fig. 7 (ours): the metrics the paper states for other studies and itself, with ours
    added (missing = not stated); grouped bars per metric."""
    metrics = [c for c in ("accuracy", "precision", "recall", "auc", "f1") if c in comparison]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    width = 0.8 / len(comparison)
    for i, (study, row) in enumerate(comparison.iterrows()):
        values = [row[m] for m in metrics]
        ax.bar(np.arange(len(metrics)) + i * width, values, width, label=study)
    ax.set_xticks(np.arange(len(metrics)) + 0.4 - width / 2, metrics)
    ax.set_ylabel("%")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def cam_examples(images: np.ndarray, maps: np.ndarray, titles, missing=()) -> Figure:
    """Fig. 8 (ours): pictures and their Guided Grad-CAM maps, in pairs of columns; the
    categories without a test positive (``missing``) are named in the title."""
    if not len(images):
        fig, ax = plt.subplots(figsize=(5, 1.2))
        ax.text(0.5, 0.5, f"no test positive for {', '.join(missing)}", ha="center", va="center")
        ax.set_axis_off()
        return fig
    fig, axes = plt.subplots(1, 2 * len(images), figsize=(2.4 * 2 * len(images), 2.8), squeeze=False)
    for i, (img, m, title) in enumerate(zip(images, maps, titles)):
        axes[0, 2 * i].imshow(img)
        axes[0, 2 * i].set_title(f"({chr(97 + 2 * i)}) {title}", fontsize=8)
        axes[0, 2 * i + 1].imshow(img)
        axes[0, 2 * i + 1].imshow(m, cmap="magma", alpha=0.6)
        axes[0, 2 * i + 1].set_title(f"({chr(98 + 2 * i)}) Guided Grad-CAM", fontsize=8)
    for ax in axes.ravel():
        ax.set_axis_off()
    if missing:
        fig.suptitle(f"no test positive for {', '.join(missing)}", fontsize=9)
    fig.tight_layout()
    return fig


def method_panels(image: np.ndarray, lesion: np.ndarray, maps: dict[str, np.ndarray], columns: int = 5) -> Figure:
    """One picture, its lesion mask and each named map (the CAM-method comparison), ``columns`` a row."""
    n = 2 + len(maps)
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.9 * columns, 2.1 * rows), squeeze=False)
    axes = axes.ravel()
    axes[0].imshow(image)
    axes[0].set_title("picture", fontsize=8)
    axes[1].imshow(lesion, cmap="gray")
    axes[1].set_title("lesion mask", fontsize=8)
    for ax, (name, m) in zip(axes[2:], maps.items()):
        ax.imshow(m, cmap="magma", vmin=0, vmax=max(float(np.max(m)), 1e-6))
        ax.contour(lesion, levels=[0.5], colors="#56B4E9", linewidths=0.6)
        ax.set_title(name, fontsize=7)
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


__all__ = ["cam_examples", "crop_pipeline", "literature", "loss_curves", "method_panels", "roc_curves", "theta_plot"]
