"""Which class-activation method points at the lesions? (beyond the paper)

The paper picks Guided Grad-CAM for its crops without comparing it with other maps. On the
twin every lesion has a mask, so each method's map can be scored against the truth: for the
test pictures with a lesion, the stage-1 VGG's map summed over the categories it predicts
(Eq. 4, :func:`fundus_utils.evaluation.cam.multilabel_cam`), by

* the pointing game (Zhang et al. 2016): is the map's maximum inside the lesion mask;
* the energy inside the mask (Score-CAM's energy-based pointing game, Wang et al. 2020);
* ROAD (Rong et al. 2022; pytorch-grad-cam's ``ROADCombined``, the picture's top category):
  does removing the pixels the map ranks highest change the score more than removing those it
  ranks lowest - a check of the map against the network, not against the lesion.

The baseline is a map that ignores the picture: the per-pixel frequency of lesions over the
training pictures (where lesions fall on average), scored by the same rules; a method must beat
it to show that it finds *this* picture's lesion. Every CAM computation is pytorch-grad-cam's,
through the shared module; the method list, the baseline and the tables are ours.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..data.arrays import channels_first
from ..evaluation import Bar, paired_mean
from ..evaluation.cam import energy_inside, multilabel_cam, pointing_game, road_scores
from ..evaluation.stats import bootstrap_ci, ci_text

#: The methods compared (keys of :data:`fundus_utils.evaluation.cam.CAM_METHODS`, and Guided Grad-CAM).
METHODS = ("gradcam", "gradcam++", "hirescam", "scorecam", "eigencam", "guided_gradcam")
LABELS = {"gradcam": "Grad-CAM", "gradcam++": "Grad-CAM++", "hirescam": "HiResCAM", "scorecam": "Score-CAM",
          "eigencam": "EigenCAM", "guided_gradcam": "Guided Grad-CAM (the paper's)", "prior": "lesion prior (image-blind)"}


def pictures(lesion: np.ndarray, n: int | None, seed: int = 0) -> np.ndarray:
    """Rows of the pictures the study scores: a seeded random ``n`` (all if None or fewer) of those
    with lesion pixels, in row order."""
    have = np.flatnonzero(np.asarray(lesion).reshape(len(lesion), -1).any(axis=1))
    if n is None or len(have) <= n:
        return have
    return np.sort(np.random.default_rng(seed).choice(have, int(n), replace=False))


def without_masks(dataset: str) -> pd.DataFrame:
    """The table shown in place of the study's where the data have no lesion masks (RFMiD itself)."""
    return pd.DataFrame({"note": [f"{dataset} has no lesion masks: the CAM methods are scored on the synthetic "
                                  "twin (the smoke profile), where every lesion has one"]})


def method_maps(model: torch.nn.Module, images: np.ndarray, methods=METHODS, min_prob: float = 0.5,
                device: str = "cpu") -> dict[str, np.ndarray]:
    """Each method's Eq.-4 map of ``images`` (uint8 ``N x H x W x 3``): ``N x H x W`` in [0, 1]."""
    model = model.to(device).eval()
    x = torch.from_numpy(channels_first(images)).float().div_(255).to(device)
    out = {m: multilabel_cam(model, x, model.cam_layer(), method=m, threshold=min_prob)[0] for m in methods}
    model.zero_grad(set_to_none=True)
    return out


def lesion_prior(train_lesions: np.ndarray) -> np.ndarray:
    """The image-blind map: the share of training pictures with a lesion at each pixel, ``H x W``."""
    if not len(train_lesions):
        raise ValueError("lesion_prior: no training lesion masks")
    return np.asarray(train_lesions, bool).mean(axis=0).astype(np.float32)


def mask_scores(maps: dict[str, np.ndarray], lesion: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per method, per picture: pointing-game hit (0/1) and the energy inside the lesion mask
    (a map of all zeros has no energy: NaN, counted by :func:`table`)."""
    return {m: {"pointing game": pointing_game(v, lesion).astype(float), "energy inside": energy_inside(v, lesion)}
            for m, v in maps.items()}


def road(model: torch.nn.Module, images: np.ndarray, maps: dict[str, np.ndarray], percentiles,
         device: str = "cpu") -> dict[str, np.ndarray]:
    """ROAD-combined score per method and picture (top category; seeded imputation noise)."""
    model = model.to(device).eval()
    x = torch.from_numpy(channels_first(images)).float().div_(255).to(device)
    return {m: road_scores(model, x, v, kind="combined", percentiles=percentiles) for m, v in maps.items()}


def table(scores: dict[str, dict[str, np.ndarray]], road_scores_: dict[str, np.ndarray] | None = None,
          seed: int = 0) -> pd.DataFrame:
    """One row per method: each metric's mean with its 95 % bootstrap CI over pictures, and the
    pictures without a value (all-zero maps) counted, never dropped silently."""
    rows = {}
    for m, metrics in scores.items():
        row = {}
        for name, v in {**metrics, **({"ROAD combined": road_scores_[m]} if road_scores_ and m in road_scores_ else {})}.items():
            v = np.asarray(v, float)
            ok = np.isfinite(v)
            row[name] = ci_text(*bootstrap_ci(v[ok], seed=seed)) if ok.any() else "n/a"
            if (~ok).any():
                row[f"{name}: no value"] = int((~ok).sum())
        rows[LABELS.get(m, m)] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "map"
    return out.fillna(0) if any("no value" in c for c in out.columns) else out


def prior_bars(scores: dict[str, dict[str, np.ndarray]], metric: str = "energy inside") -> list[Bar]:
    """Each method against the image-blind prior on ``metric``, paired per picture (a map
    without a value scores 0: it points nowhere)."""
    base = scores["prior"][metric]
    return [paired_mean(f"{metric} (lesion mask), {LABELS[m]} vs lesion prior", v[metric], base, worst=0.0)
            for m, v in scores.items() if m != "prior"]


__all__ = ["LABELS", "METHODS", "lesion_prior", "pictures", "without_masks", "mask_scores", "method_maps", "prior_bars", "road", "table"]
