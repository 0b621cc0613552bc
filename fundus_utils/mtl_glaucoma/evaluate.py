"""Score a trained scheme the way the MTL-IO paper does: post-processing, vCDR, glaucoma score.

For each test image (Pascal et al., Sci Rep 2022, Methods; authors' ``metrics.py``,
``utils.py``, ``eval.py``):

* OD and OC masks: probability >= 0.5, then the largest connected component;
  Dice per image, averaged (the code's ``compute_dice_coef``).
* vCDR = cup height / disc height of those masks
  (:func:`fundus_utils.evaluation.vertical_cdr`); vCDR MAE against the vCDR of the
  ground-truth masks at the same resolution. (The code measures heights as the largest
  column sum of the soft maps; we measure them on the post-processed masks, as the paper's
  definition reads.)
* Fovea: centre of mass of the predicted map; error = Euclidean distance to the true
  fovea, in pixels of the network input.
* Glaucoma: ``auc`` is the AUC of the paper's score (mean of the FC probability and of the
  vCDR logistic regression fitted on the training images' reference vCDRs); ``auc_fc``
  and ``auc_vcdr`` are the AUCs of its two parts. Without glaucoma labels in the training
  set (the REFUGE Validation400 copy used by the ``real`` profile) neither the FC head
  nor the regression can be trained; the score is then the measured vCDR itself
  (``auc_vcdr``, a rank-based AUC, equals that of any increasing function of it).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ..evaluation import dice_per_image, vertical_cdr
from ..evaluation.glaucoma_score import VCDRLogistic, combined_score
from ..evaluation.postprocess import largest_components
from ..train.multitask_metrics import fovea_from_maps
from .data import TaskArrays
from .fit import FittedScheme, predict

METRICS = ("auc", "auc_fc", "auc_vcdr", "dice_od", "dice_oc", "vcdr_mae", "fovea_px")


def _auc(labels: np.ndarray, scores: np.ndarray | None) -> float:
    if scores is None:
        return float("nan")
    ok = np.isfinite(labels) & np.isfinite(scores)
    y = labels[ok]
    return float(roc_auc_score(y, scores[ok])) if len(np.unique(y)) == 2 else float("nan")


def fovea_xy(maps: np.ndarray) -> np.ndarray:
    """Centre of mass (x, y) of each predicted fovea map ``(N, H, W)``."""
    import torch

    return fovea_from_maps(torch.from_numpy(np.ascontiguousarray(maps))).numpy()


def evaluate(fitted: FittedScheme, train: TaskArrays, test: TaskArrays, cfg,
             probs: dict[str, np.ndarray] | None = None) -> tuple[dict[str, float], pd.DataFrame]:
    """Metrics of ``fitted`` on ``test`` (see module docstring) and a per-image table.

    ``train`` supplies the reference vCDRs and labels that fit the logistic regression.
    Returns ``(metrics, per_image)``; ``per_image`` has the scores for ROC curves.
    """
    probs = probs if probs is not None else predict(fitted, test.x, cfg)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (e.g. no fovea) are reported as NaN
        return _evaluate(probs, train, test)


def _evaluate(probs: dict[str, np.ndarray], train: TaskArrays, test: TaskArrays) -> tuple[dict[str, float], pd.DataFrame]:
    n = len(test)
    rows = pd.DataFrame({"image_id": test.image_id, "glaucoma": test.glaucoma})
    out: dict[str, float] = {}
    vcdr = np.full(n, np.nan)
    if "od" in probs and "oc" in probs:
        od = largest_components(probs["od"] >= 0.5)
        oc = largest_components(probs["oc"] >= 0.5)
        m = test.has_masks
        rows["dice_od"] = np.where(m, dice_per_image(od, test.od), np.nan)
        rows["dice_oc"] = np.where(m, dice_per_image(oc, test.oc), np.nan)
        vcdr = np.array([vertical_cdr(a, b) for a, b in zip(od, oc)])
        rows["vcdr"], rows["vcdr_ref"] = vcdr, test.vcdr
        out["dice_od"], out["dice_oc"] = float(np.nanmean(rows["dice_od"])), float(np.nanmean(rows["dice_oc"]))
        out["vcdr_mae"] = float(np.nanmean(np.abs(vcdr - test.vcdr)))
    if "fovea" in probs:
        xy = fovea_xy(probs["fovea"])
        err = np.linalg.norm(xy - test.fovea_xy, axis=1)
        rows["fovea_x"], rows["fovea_y"], rows["fovea_px"] = xy[:, 0], xy[:, 1], err
        out["fovea_px"] = float(np.nanmean(err)) if np.isfinite(err).any() else float("nan")
    p_fc = probs.get("glaucoma")
    labelled = np.isfinite(train.glaucoma) & np.isfinite(train.vcdr)
    p_vcdr = None
    if "od" in probs and labelled.any() and len(np.unique(train.glaucoma[labelled])) == 2:
        p_vcdr = VCDRLogistic().fit(train.vcdr, train.glaucoma).predict_proba(vcdr)
    if p_fc is None and p_vcdr is None and "od" in probs:
        score = vcdr  # no labels to train either classifier: the measured vCDR ranks the eyes
        rows["score"] = score
        out["auc"] = out["auc_vcdr"] = _auc(test.glaucoma, score)
        out["auc_fc"] = float("nan")
    else:
        score = combined_score(p_fc, p_vcdr)
        rows["p_fc"] = p_fc if p_fc is not None else np.nan
        rows["p_vcdr"] = p_vcdr if p_vcdr is not None else np.nan
        rows["score"] = score
        out["auc"] = _auc(test.glaucoma, score)
        out["auc_fc"] = _auc(test.glaucoma, p_fc)
        out["auc_vcdr"] = _auc(test.glaucoma, p_vcdr if p_vcdr is not None else (vcdr if "od" in probs else None))
    return {k: out.get(k, float("nan")) for k in METRICS}, rows


__all__ = ["METRICS", "evaluate", "fovea_xy"]
