"""Figures of the RFMiD-ensemble chapter (matplotlib, in the book's style)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
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


__all__ = ["crop_pipeline", "theta_plot"]
