"""Fig. 2B: t-SNE of the frozen trunks' embeddings and Grad-CAM of the linear probe per resolution.

The paper draws a t-SNE of the ImageNet + Fundus embeddings under linear probing and Grad-CAM
maps at each resolution, noting that lower resolutions mark smaller, more specific regions
(Results). Here the downstream pictures' pooled trunk features (:func:`.downstream.trunk_features`)
are embedded with scikit-learn's t-SNE beside the ImageNet (stand-in) trunk's, and, as a number
beside the picture, the 5-nearest-neighbour AUC of each embedding (leave-one-out: how well a
picture's neighbours in feature space predict its label). Grad-CAM (the shared CAM module,
pytorch-grad-cam) runs on the linear probe trained on folds other than 0, on fold-0 abnormal
pictures, with the union of the twin's lesion masks outlined and the share of CAM energy that
falls on it (:func:`fundus_utils.evaluation.cam.energy_inside`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.manifold import TSNE
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import cross_val_predict

from .. import data
from ..config import Config
from ..data.simulator import FAMILIES
from ..evaluation.cam import cam_maps, energy_inside
from ..evaluation.stats import auc_rank
from ..report.style import CLASS_COLOURS
from . import downstream, upstream
from .upstream import pictures


def knn_auc(features: np.ndarray, y: np.ndarray, folds: np.ndarray, k: int = 5) -> float:
    """AUC of a ``k``-nearest-neighbour vote in feature space, out of fold (the CV folds of the table)."""
    split = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in np.unique(folds)]
    p = cross_val_predict(KNeighborsClassifier(k), features, y, cv=split, method="predict_proba")[:, 1]
    return float(auc_rank(y, p))


def tsne_figure(cfg: Config, inits: tuple[str, ...] = ("ImageNet", "ImageNet + Fundus"), size: int | None = None
                ) -> tuple[Figure, pd.DataFrame]:
    """t-SNE of the downstream pictures' frozen features per initialisation (coloured by label), and a table of
    each embedding's out-of-fold 5-NN AUC."""
    size = size or max(cfg.resolutions)
    table = downstream.downstream_table(cfg)
    y, folds, x = table["abnormal"].to_numpy(int), table["cv_fold"].to_numpy(), pictures(table, size)
    fig, axes = plt.subplots(1, len(inits), figsize=(3.3 * len(inits), 3.2), squeeze=False)
    rows = []
    for ax, init in zip(axes[0], inits):
        feats = downstream.trunk_features(init, cfg, size, x)
        xy = TSNE(2, perplexity=30, init="pca", random_state=cfg.seed).fit_transform(feats)
        for label, name in ((0, "normal"), (1, "disease")):
            ax.scatter(*xy[y == label].T, s=6, alpha=0.7, color=CLASS_COLOURS[name],
                       label="abnormal" if label else "normal")
        rows.append({"initialisation": upstream.init_label(init, cfg), "resolution": size,
                     "5-NN AUC (out of fold)": knn_auc(feats, y, folds)})
        ax.set_title(f"{upstream.init_label(init, cfg)}, {size} px", fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
    axes[0, 0].legend(fontsize=8, markerscale=2)
    return fig, pd.DataFrame(rows)


def cam_figure(cfg: Config, init: str = "ImageNet + Fundus", n: int = 4) -> tuple[Figure, pd.DataFrame]:
    """Grad-CAM of ``init``'s linear probe (head trained on folds 1-4) on ``n`` fold-0 abnormal pictures, at every
    rung; the lesion masks outlined. Returns the figure and the mean share of CAM energy on the lesions per rung."""
    table = downstream.downstream_table(cfg)
    y, folds = table["abnormal"].to_numpy(int), table["cv_fold"].to_numpy()
    focal = table["findings"].fillna("").astype(str).str.split("|").apply(lambda fs: bool(set(fs) & set(FAMILIES)))
    shown = np.flatnonzero((folds == 0) & (y == 1) & focal.to_numpy())[:n]  # findings with a lesion mask
    if not len(shown):
        raise ValueError("cam_figure: fold 0 holds no abnormal picture with a focal finding (one with a lesion mask)")
    fig, axes = plt.subplots(len(cfg.resolutions), len(shown), figsize=(1.6 * len(shown), 1.7 * len(cfg.resolutions)),
                             squeeze=False)
    rows = []
    for i, size in enumerate(cfg.resolutions):
        x = pictures(table, size)
        model = downstream.probe_model(init, cfg, size)
        feats = downstream.features_of(model, x, cfg)
        model.head = downstream.fit_head(feats[folds != 0], y[folds != 0], cfg, seed=cfg.seed * 100)
        model.eval().requires_grad_(True)  # a frozen trunk gives Grad-CAM no gradients to hook
        maps = cam_maps(model, x[shown].astype(np.float32) / 255, model.cam_layer(), targets=1)
        lesions = data.load_resized(table.iloc[shown], size, ["lesion_mask"])["lesion_mask"] > 0
        energy = energy_inside(maps, lesions)
        rows.append({"resolution": size, "pictures": len(shown),
                     "maps without positive evidence": int(np.isnan(energy).sum()),
                     "CAM energy on lesions (mean of the others)": float(np.nanmean(energy)) if np.isfinite(energy).any()
                     else np.nan,
                     "lesion area (mean share)": float(lesions.mean())})
        for j in range(len(shown)):
            ax = axes[i, j]
            ax.imshow(x[shown[j]].transpose(1, 2, 0))
            ax.imshow(maps[j], cmap="jet", alpha=0.4, vmin=0, vmax=1)
            ax.contour(lesions[j], levels=[0.5], colors="white", linewidths=0.6)
            ax.set_xticks([]), ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(f"{size} px", fontsize=8)
    fig.suptitle(f"Grad-CAM, {upstream.init_label(init, cfg)} linear probe", fontsize=9)
    return fig, pd.DataFrame(rows)
