"""Figures and tables of the simulator chapter (a tour of what the simulator draws)."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score

from ...evaluation import vertical_cdr
from ...progress import progress
from ..plots import overlay
from .lesions import FAMILIES
from .render import render
from .rfmid import CONDITIONS, FINDINGS_OF, N_TRAINING, TRAINING_COUNTS, sample_labels
from .scene import DIFFUSE, sample_scene
from .styles import STYLES


def _grid(images: Sequence[np.ndarray], titles: Sequence[str], ncols: int, cell: float = 2.2) -> Figure:
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, cell * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(image)
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def style_gallery(size: int, eyes_per_style: int = 4, seed: int = 0) -> Figure:
    """One row per device style (the named ones, then randomly drawn styles)."""
    images, titles = [], []
    for row, style in enumerate([*STYLES, None]):
        for k in range(eyes_per_style):
            scene = sample_scene(seed + 100 * row + k, style=style, glaucoma=k % 2)
            images.append(render(scene, size).image)
            titles.append(f"{scene.style.name} · {scene.eye} · vCDR {scene.vcdr:.2f}")
    return _grid(images, titles, eyes_per_style)


def ground_truth_figure(size: int, seeds: Sequence[int] = (3, 8, 21)) -> Figure:
    """Image, OD/OC outlines with the fovea, vessel mask and lesion masks for a few eyes."""
    images, titles = [], []
    findings = [(), ("haemorrhages", "hard_exudates", "microaneurysms"), ("drusen", "peripapillary_atrophy")]
    for seed, found in zip(seeds, findings):
        out = render(sample_scene(seed, findings=found, glaucoma=seed % 2), size)
        marked = overlay(out.image, {"od_mask": out.od, "oc_mask": out.oc}, thickness=max(1, size // 256))
        x, y = (int(round(v)) for v in out.fovea_xy)
        r = max(2, size // 100)
        marked[max(y - r, 0):y + r + 1, max(x - r, 0):x + r + 1] = (255, 255, 255)
        images += [out.image, marked, out.vessels, out.lesion_union]
        titles += ["image", "OD / OC / fovea", "vessels", "lesions: " + (", ".join(found) or "none")]
    return _grid(images, titles, 4)


def vcdr_statistics(n: int, size: int, prevalence: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """vCDR of ``n`` random eyes: the scene's value and the one measured from the rendered masks."""
    rows = []
    for i in progress(range(n), "measuring vCDR"):
        scene = sample_scene(seed + i, prevalence=prevalence)
        out = render(scene, size)
        rows.append({"glaucoma": scene.glaucoma, "device": scene.style.name, "vcdr": scene.vcdr,
                     "vcdr_measured": vertical_cdr(out.od, out.oc)})
    return pd.DataFrame(rows)


def vcdr_summary(stats: pd.DataFrame) -> pd.DataFrame:
    """Per label: count, vCDR mean and SD; plus the AUC of vCDR alone and the mask-measurement error."""
    table = stats.groupby("glaucoma")["vcdr"].agg(["count", "mean", "std"]).round(3)
    table.index = table.index.map({0: "non-glaucoma", 1: "glaucoma"})
    table["AUC of vCDR alone"] = round(roc_auc_score(stats["glaucoma"], stats["vcdr"]), 3)
    table["|measured - scene| mean"] = round((stats["vcdr_measured"] - stats["vcdr"]).abs().mean(), 4)
    return table.reset_index()


def vcdr_figure(stats: pd.DataFrame) -> Figure:
    """vCDR distributions by glaucoma label, and measured against the scene's value."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    labelled = stats.assign(label=stats["glaucoma"].map({0: "non-glaucoma", 1: "glaucoma"}))
    sns.histplot(labelled, x="vcdr", hue="label", stat="density", common_norm=False, bins=25, ax=a)
    a.set_xlabel("vertical cup-to-disc ratio")
    b.scatter(stats["vcdr"], stats["vcdr_measured"], s=6, alpha=0.6)
    b.plot([0.1, 0.95], [0.1, 0.95], color="0.5", lw=0.8)
    b.set_xlabel("scene vCDR")
    b.set_ylabel("vCDR measured from masks")
    fig.tight_layout()
    return fig


def findings_table() -> pd.DataFrame:
    """Every finding the simulator draws, what it looks like, and the RFMiD conditions it stands in for."""
    rows = []
    for name in [*FAMILIES, *DIFFUSE]:
        kind = "lesion family (mask)" if name in FAMILIES else "diffuse (whole eye)"
        what = FAMILIES[name].description if name in FAMILIES else DIFFUSE_DESCRIPTIONS[name]
        used_by = ", ".join(c for c in CONDITIONS if name in FINDINGS_OF[c])
        rows.append({"finding": name, "kind": kind, "appearance": what, "RFMiD conditions": used_by})
    return pd.DataFrame(rows)


DIFFUSE_DESCRIPTIONS = {
    "tessellation": "dark spaces between choroidal vessels show through",
    "media_haze": "blurred, washed-out picture",
    "tortuous_vessels": "wavier vessel paths",
    "disc_pallor": "pale, whitish disc",
    "disc_oedema": "swollen disc with blurred margins",
    "cupping": "large cup (vCDR 0.7-0.9)",
}


def findings_gallery(size: int, seed: int = 5) -> Figure:
    """Each finding on the same eye, with its lesion mask outlined where it has one."""
    images, titles = [], []
    for name in [*FAMILIES, *DIFFUSE]:
        out = render(sample_scene(seed, style="canon", eye="L", findings=(name,)), size)
        mask = out.lesions.get(name)
        outline = {"lesion_mask": ((255, 255, 255), "outline")}
        images.append(out.image if mask is None else overlay(out.image, {"lesion_mask": mask}, style=outline))
        titles.append(name)
    return _grid(images, titles, 6, cell=1.9)


def rfmid_frequencies(n: int, seed: int = 0) -> pd.DataFrame:
    """Class frequency of the RFMiD training labels beside that of ``n`` twin label rows."""
    labels = sample_labels(np.random.default_rng(seed), n)
    real = pd.Series({"Disease_Risk": 1519, **TRAINING_COUNTS}) / N_TRAINING
    twin = labels.mean()
    table = pd.DataFrame({"RFMiD training (n=1920)": real.round(4), f"twin (n={n})": twin.round(4)})
    return table.rename_axis("condition").reset_index()
