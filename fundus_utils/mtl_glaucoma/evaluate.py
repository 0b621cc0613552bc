"""Score a trained scheme the way the MTL-IO paper does: post-processing, vCDR, glaucoma score.

For each test image (Pascal et al., Sci Rep 2022, Methods; authors' ``metrics.py``,
``utils.py``, ``eval.py``):

* OD and OC masks: probability >= 0.5, then the largest connected component;
  Dice per image, averaged (the code's ``compute_dice_coef``).
* vCDR, two measures (:data:`VCDR_METHODS`), both reported, the profile's ``vcdr``
  setting choosing the one that feeds the glaucoma score and ``vcdr_mae``:

  - ``soft`` (default, the authors' code, ``utils.get_vCDRs``): the largest column sum of
    the soft OC map over that of the soft OD map
    (:func:`fundus_utils.evaluation.glaucoma_score.soft_vcdr`); the reference is the same
    measure on the ground-truth masks;
  - ``mask`` (the paper's wording, "measured on the predicted masks"): cup height / disc
    height of the post-processed masks (:func:`fundus_utils.evaluation.vertical_cdr`); the
    reference is the same on the ground-truth masks.

  ``vcdr_mae_<m>`` and ``auc_vcdr_<m>`` (AUC of the measured vCDR itself) exist for both.
* Fovea: centre of mass of the predicted map; error = Euclidean distance to the true
  fovea (the centre of mass of the discretised target map, as the code computes it), in
  pixels of the network input. A flat map (no centre of mass) is a miss: counted in
  ``fovea_missed`` and scored at the picture's diagonal, never dropped from the mean.
* Counts: ``n_labelled`` (images with a glaucoma label: the AUCs' images), ``n_masks``
  (with reference masks: Dice, vCDR), ``n_fovea`` (with a reference fovea); images outside
  a count are not scored for that task, and the count says how many were.
* Glaucoma: ``auc_combined`` is the AUC of the paper's score (mean of the FC probability
  and of the vCDR logistic regression fitted on the training images' reference vCDRs);
  ``auc_fc`` and ``auc_vcdr`` are the AUCs of its two parts. ``auc`` is the headline of
  Tables 1-4: for STL the glaucoma network's FC head alone ("the same backbone trained to
  detect glaucoma", the abstract's comparison), for the multi-task schemes the combined
  score. Without glaucoma labels in the training set (the REFUGE Validation400 copy used
  by the ``real`` profile) neither the FC head nor the regression can be trained; the
  score is then the measured vCDR itself (a rank-based AUC equals that of any increasing
  function of it) and ``auc_combined`` is NaN.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ..evaluation import dice_per_image, vertical_cdr
from ..evaluation.glaucoma_score import VCDRLogistic, combined_score, soft_vcdr
from ..evaluation.postprocess import largest_components
from .metrics import fovea_from_maps
from .data import TaskArrays
from .fit import FittedScheme, predict

VCDR_METHODS = ("soft", "mask")
METRICS = ("auc", "auc_combined", "auc_fc", "auc_vcdr", "dice_od", "dice_oc", "vcdr_mae", "fovea_px",
           "vcdr_mae_soft", "vcdr_mae_mask", "auc_vcdr_soft", "auc_vcdr_mask",
           "n_labelled", "n_masks", "n_fovea", "fovea_missed")


def _auc(labels: np.ndarray, scores: np.ndarray | None) -> float:
    """AUC over the labelled rows (``n_labelled`` counts them); a labelled row without a score
    (no disc found, say) ranks lowest - the least glaucomatous - instead of leaving the AUC."""
    if scores is None:
        return float("nan")
    labelled = np.isfinite(labels)
    y, s = labels[labelled], np.asarray(scores, float)[labelled]
    if len(np.unique(y)) != 2 or not np.isfinite(s).any():
        return float("nan")
    s = np.where(np.isfinite(s), s, np.nanmin(s) - 1.0)
    return float(roc_auc_score(y, s))


def fovea_xy(maps: np.ndarray) -> np.ndarray:
    """Centre of mass (x, y) of each predicted fovea map ``(N, H, W)``."""
    import torch

    return fovea_from_maps(torch.from_numpy(np.ascontiguousarray(maps))).numpy()


def measure_vcdr(od: np.ndarray, oc: np.ndarray, method: str) -> np.ndarray:
    """vCDR per image of OD/OC maps ``(N, H, W)`` (probabilities or masks) by ``method``.

    ``soft``: the code's largest column sum ratio on the maps as given; ``mask``: threshold
    at 0.5, keep the largest component, cup height / disc height (NaN without a disc).
    """
    if method == "soft":
        return soft_vcdr(od, oc)
    if method == "mask":
        a, b = largest_components(np.asarray(od) >= 0.5), largest_components(np.asarray(oc) >= 0.5)
        return np.array([vertical_cdr(x, y) for x, y in zip(a, b)], float)
    raise ValueError(f"unknown vCDR method {method!r}; choose one of {VCDR_METHODS}")


def reference_vcdr(arrays: TaskArrays, method: str) -> np.ndarray:
    """The vCDR of the ground-truth masks by ``method`` (NaN for rows without masks)."""
    if method == "mask":
        return arrays.vcdr
    v = soft_vcdr(arrays.seg[:, 0], arrays.seg[:, 1]) if len(arrays) else np.zeros(0)
    return np.where(arrays.has_masks, v, np.nan)


def evaluate(fitted: FittedScheme, train: TaskArrays, test: TaskArrays, cfg,
             probs: dict[str, np.ndarray] | None = None) -> tuple[dict[str, float], pd.DataFrame]:
    """Metrics of ``fitted`` on ``test`` (see module docstring) and a per-image table.

    ``train`` supplies the reference vCDRs and labels that fit the logistic regression.
    Returns ``(metrics, per_image)``; ``per_image`` has the scores for ROC curves
    (``score``: the headline score behind ``auc``; ``score_combined``: FC + vCDR).
    """
    probs = probs if probs is not None else predict(fitted, test.x, cfg)
    method = cfg.settings.get("vcdr", "soft")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (e.g. no fovea) are reported as NaN
        return score_predictions(probs, train, test, method, fc_alone=fitted.scheme == "stl")


def score_predictions(probs: dict[str, np.ndarray], train: TaskArrays, test: TaskArrays, method: str = "soft",
                      fc_alone: bool = False) -> tuple[dict[str, float], pd.DataFrame]:
    """:func:`evaluate` on given probabilities; ``fc_alone``: the headline AUC is the FC head's (STL)."""
    n = len(test)
    rows = pd.DataFrame({"image_id": test.image_id, "glaucoma": test.glaucoma})
    out: dict[str, float] = {}
    vcdr = np.full(n, np.nan)
    seg = "od" in probs and "oc" in probs
    if seg:
        od = largest_components(probs["od"] >= 0.5)
        oc = largest_components(probs["oc"] >= 0.5)
        m = test.has_masks
        rows["dice_od"] = np.where(m, dice_per_image(od, test.od), np.nan)
        rows["dice_oc"] = np.where(m, dice_per_image(oc, test.oc), np.nan)
        out["dice_od"], out["dice_oc"] = float(np.nanmean(rows["dice_od"])), float(np.nanmean(rows["dice_oc"]))
        out["n_masks"] = int(m.sum())  # images without reference masks are not scored
        for k in VCDR_METHODS:
            v = measure_vcdr(probs["od"], probs["oc"], k)
            ref = reference_vcdr(test, k)
            rows[f"vcdr_{k}"], rows[f"vcdr_ref_{k}"] = v, ref
            out[f"vcdr_mae_{k}"] = float(np.nanmean(np.abs(v - ref)))
            out[f"auc_vcdr_{k}"] = _auc(test.glaucoma, v)
        vcdr = rows[f"vcdr_{method}"].to_numpy(float)
        rows["vcdr"], rows["vcdr_ref"] = vcdr, rows[f"vcdr_ref_{method}"]
        out["vcdr_mae"] = out[f"vcdr_mae_{method}"]
    if "fovea" in probs:
        xy = fovea_xy(probs["fovea"])
        known = np.isfinite(test.fovea_xy).all(1)   # images without a reference fovea are not scored
        missed = known & ~np.isfinite(xy).all(1)    # a flat map: no centre of mass
        err = np.where(missed, float(np.hypot(*test.x.shape[-2:])), np.linalg.norm(xy - test.fovea_xy, axis=1))
        rows["fovea_x"], rows["fovea_y"], rows["fovea_px"], rows["fovea_missed"] = xy[:, 0], xy[:, 1], err, missed
        out["fovea_px"] = float(np.nanmean(err)) if known.any() else float("nan")
        out["n_fovea"], out["fovea_missed"] = int(known.sum()), int(missed.sum())
    out["n_labelled"] = int(np.isfinite(test.glaucoma).sum())  # AUCs are over these images
    p_fc = probs.get("glaucoma")
    train_ref = reference_vcdr(train, method)
    labelled = np.isfinite(train.glaucoma) & np.isfinite(train_ref)
    p_vcdr = None
    if seg and labelled.any() and len(np.unique(train.glaucoma[labelled])) == 2:
        p_vcdr = VCDRLogistic().fit(train_ref, train.glaucoma).predict_proba(vcdr)
    if p_fc is None and p_vcdr is None and seg:
        rows["score"] = rows["score_combined"] = vcdr  # no labels to train either classifier: the vCDR ranks the eyes
        out["auc"] = out["auc_vcdr"] = _auc(test.glaucoma, vcdr)
        out["auc_fc"] = out["auc_combined"] = float("nan")
    elif p_fc is not None or p_vcdr is not None:
        combined = combined_score(p_fc, p_vcdr)
        rows["p_fc"] = p_fc if p_fc is not None else np.nan
        rows["p_vcdr"] = p_vcdr if p_vcdr is not None else np.nan
        rows["score_combined"] = combined
        rows["score"] = p_fc if fc_alone and p_fc is not None else combined
        out["auc_combined"] = _auc(test.glaucoma, combined)
        out["auc_fc"] = _auc(test.glaucoma, p_fc)
        out["auc"] = out["auc_fc"] if fc_alone and p_fc is not None else out["auc_combined"]
        out["auc_vcdr"] = _auc(test.glaucoma, p_vcdr if p_vcdr is not None else (vcdr if seg else None))
    return {k: out.get(k, float("nan")) for k in METRICS}, rows


__all__ = ["METRICS", "VCDR_METHODS", "evaluate", "fovea_xy", "measure_vcdr", "reference_vcdr", "score_predictions"]
