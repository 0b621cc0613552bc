"""Bars of the MTL-IO chapter: every scheme against image-blind baselines of the same run.

A bar (:mod:`fundus_utils.evaluation.bars`) passes only when the lower end of the paired
bootstrap 95 % CI of *method - baseline* on the same test images is above zero. The
baselines are computed in the same run from the same training rows:

* OD and OC Dice against the stronger (on these test images) of two **image-blind
  priors**: the training set's mean disc (cup) mask, each mask centred on its centroid
  before averaging (:func:`fundus_utils.evaluation.shape_prior`), placed at the image
  centre (:func:`~fundus_utils.evaluation.place_prior`), and the training masks'
  per-pixel frequency thresholded where it fits the training masks best
  (:func:`~fundus_utils.evaluation.prevalence_prior`: the disc where discs usually lie);
* fovea error against the **mean training fovea position**
  (:func:`~fundus_utils.evaluation.mean_position`); a missed fovea (an all-zero predicted
  map, no centre of mass) is scored at the picture's diagonal and counted;
* glaucoma AUC against **chance**: the shape prior's vCDR is the same for every eye, so
  its AUC is 0.5.

These are the asserted bars. The discs of the twin and of REFUGE lie off centre and left
and right eyes mirror each other, so the centred prior scores Dice 0 (the prevalence prior
does not) and the mean position sits between the two sides. ``per_eye=True`` gives the strong
variant, not asserted and shown beside (:func:`chapter_bars`): the prior placed at the
mean training centroid of the *same eye* (laterality is a metadata column, not the image;
where the table lacks it for a test row, as REFUGE's copy does, all training rows are
pooled) and the same eye's mean fovea position. On the smoke twin, whose eyes are drawn at
nearly fixed positions, this laterality prior rivals the networks.

Several runs of a scheme (folds of the cross-validation, seeds of the official split)
score the same test images; their per-image values are averaged (Dice, error: each run
paired with the baseline of its own training rows; glaucoma: the runs' scores averaged per
image), so each image counts once in the bootstrap.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .. import evaluation
from ..evaluation import (Bar, dice_per_image, mask_centres, mean_position, place_prior, prevalence_prior,
                          shape_prior)
from ..evaluation.bars import named
from .cv import ArrayBank, RunResult, fold_parts, official_parts, validation_part


def run_parts(table: pd.DataFrame, result: RunResult, cfg) -> dict[str, pd.DataFrame]:
    """The train / test rows (after carving the checkpoint split) a run was trained and scored on."""
    parts = official_parts(table) if result.split == "official" else fold_parts(table, int(result.split[4:]))
    return validation_part(parts, cfg)


def _eye_groups(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Laterality labels of the training and test rows where every test eye has training eyes, else one group."""
    if "eye" in train and "eye" in test:
        a, b = train["eye"].fillna("").astype(str).to_numpy(), test["eye"].fillna("").astype(str).to_numpy()
        if (b != "").all() and set(b) <= set(a[a != ""]):
            return a, b
    return np.zeros(len(train), str), np.zeros(len(test), str)


def baseline_per_image(bank: ArrayBank, parts: dict[str, pd.DataFrame], per_eye: bool = False) -> pd.DataFrame:
    """Per test image: Dice of the placed shape priors and error of the mean training fovea position.

    Default: the stronger (on these test images) of the prior at the image centre and the
    training prevalence prior; the fovea at the mean of all training foveae.
    ``per_eye``: positions (disc and cup centroids, fovea) averaged per eye (laterality, a
    metadata column, not the image) where the table has it for every test row; otherwise
    over all training rows.
    """
    train, test = bank.take(parts["train"]), bank.take(parts["test"])
    eye_train, eye_test = _eye_groups(parts["train"], parts["test"])
    if not per_eye:
        eye_train, eye_test = np.zeros(len(train), str), np.zeros(len(test), str)
    out = pd.DataFrame({"image_id": test.image_id})
    m = train.has_masks
    if m.any():
        for k, masks, ref in (("od", train.od, test.od), ("oc", train.oc, test.oc)):
            prior = shape_prior(masks[m])
            centres = mask_centres(masks)
            placed = np.zeros_like(ref, dtype=bool)
            for e in np.unique(eye_test):
                sel = m & (eye_train == e)
                rows = eye_test == e
                at = mean_position(centres[sel], int(rows.sum())) if per_eye else None  # None: image centre
                placed[rows] = place_prior(prior, int(rows.sum()), at)
            dice_placed = np.where(test.has_masks, dice_per_image(placed, ref), np.nan)
            if not per_eye:  # the stronger of the centred prior and the prevalence prior (the harder bar)
                common = np.broadcast_to(prevalence_prior(masks[m])[0], ref.shape)
                dice_common = np.where(test.has_masks, dice_per_image(common, ref), np.nan)
                if np.nanmean(dice_common) > np.nanmean(dice_placed):
                    dice_placed = dice_common
            out[f"dice_{k}"] = dice_placed
    if np.isfinite(train.fovea_xy[:, 0]).any():
        base = np.zeros((len(test), 2))
        for e in np.unique(eye_test):
            rows = eye_test == e
            base[rows] = mean_position(train.fovea_xy[eye_train == e], int(rows.sum()))
        out["fovea_px"] = np.linalg.norm(base - test.fovea_xy, axis=1)
    return out.set_index("image_id")


def _pooled(frames: Sequence[pd.DataFrame], col: str, index: pd.Index) -> np.ndarray:
    return np.mean([f.reindex(index)[col].to_numpy(float) for f in frames], axis=0)


def scheme_bars(runs: Sequence[RunResult], table: pd.DataFrame, bank: ArrayBank, cfg, label: str | None = None,
                seg: bool = True, fovea: bool = True, glaucoma: bool = True, score: str = "score",
                per_eye: bool = False) -> list[Bar]:
    """Bars of one method (its runs pooled per image, see the module docstring).

    ``score``: the per-image glaucoma score column (``score``: the headline of the tables;
    ``score_combined``: FC + vCDR).
    """
    label = label or runs[0].method
    methods = [r.per_image.set_index("image_id") for r in runs]
    bases = [baseline_per_image(bank, run_parts(table, r, cfg), per_eye) for r in runs]
    prior = "same-eye shape prior" if per_eye else "image-blind prior"
    position = "same-eye mean training position" if per_eye else "mean training position"
    index = methods[0].index
    bars: list[Bar] = []
    if seg:
        for k, name in (("od", "OD"), ("oc", "OC")):
            col = f"dice_{k}"
            if col in methods[0] and col in bases[0]:
                ok = np.isfinite(_pooled(bases, col, index))
                bars.append(evaluation.paired_mean(f"{label}: {name} Dice vs {prior}",
                                                   _pooled(methods, col, index)[ok], _pooled(bases, col, index)[ok]))
    if fovea and "fovea_px" in methods[0] and "fovea_px" in bases[0]:
        ok = np.isfinite(_pooled(bases, "fovea_px", index))
        test = bank.take(run_parts(table, runs[0], cfg)["test"])
        worst = float(np.hypot(*test.x.shape[-2:]))  # the picture's diagonal, px
        bars.append(evaluation.paired_mean(f"{label}: fovea error (px) vs {position}",
                                           _pooled(methods, "fovea_px", index)[ok],
                                           _pooled(bases, "fovea_px", index)[ok], higher_is_better=False, worst=worst))
    if glaucoma and score in methods[0]:
        y = methods[0]["glaucoma"].to_numpy(float)
        ok = np.isfinite(y)
        what = {"score": "", "score_combined": " (FC + vCDR)"}.get(score, f" ({score})")
        bars.append(evaluation.paired_auc(f"{label}: glaucoma AUC{what} vs chance (shape prior)", y[ok],
                                          _pooled(methods, score, index)[ok]))
    return bars


def by_method(runs: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    """Runs grouped by method label, in first-seen order."""
    out: dict[str, list[RunResult]] = {}
    for r in runs:
        out.setdefault(r.method, []).append(r)
    return out


#: schemes whose summed loss leaves the fovea map flat in the smoke profile (see notebook 01)
SUMMED_LOSS = ("Vanilla MTL", "GradNorm", "PCGrad")


def chapter_bars(runs: Sequence[RunResult], table: pd.DataFrame, bank: ArrayBank, cfg,
                 fovea_methods: Sequence[str] | None = None, glaucoma: bool = True, per_eye: bool = False) -> list[Bar]:
    """:func:`scheme_bars` of every method in ``runs``.

    ``fovea_methods``: the methods with a fovea bar (default: all but the summed-loss
    schemes in the smoke profile, whose flat fovea maps are expected there; every method
    elsewhere). Methods without a classifier (Res34-Unet, the plain U-Net) get no AUC bar.
    STL's glaucoma bar is on its headline score (the glaucoma network's FC head alone),
    except in the smoke profile, where that encoder-only network, trained from scratch on
    about a hundred labels for a few epochs, stays near chance (the tables show it): there the
    bar is on the STL set's combined score (FC + the vCDR of its OD and OC networks).
    """
    if fovea_methods is None:
        groups = by_method(runs)
        fovea_methods = [m for m in groups if cfg.profile != "smoke" or m not in SUMMED_LOSS]
    bars: list[Bar] = []
    for method, rs in by_method(runs).items():
        has_fc = rs[0].arch == "mtl_unet"
        score = "score_combined" if method == "STL" and cfg.profile == "smoke" else "score"
        bars += scheme_bars(rs, table, bank, cfg, seg=True, fovea=method in fovea_methods,
                            glaucoma=glaucoma and has_fc and not per_eye, score=score, per_eye=per_eye)
    return bars


def asserted(bars: Sequence[Bar], cfg) -> list[bool]:
    """Which ``bars`` are asserted: all but those whose name starts with one of ``cfg.reported_bars``.

    A prefix that names no bar is an error (a typo would silently assert everything).
    """
    methods = {b.name.split(":")[0] for b in bars}
    prefixes = [p for p in cfg.reported_bars or () if p.split(":")[0] in methods]  # methods this notebook trained
    return [not reported for reported in named(bars, prefixes, "reported_bars")]


def check(runs: Sequence[RunResult], table: pd.DataFrame, bank: ArrayBank, cfg, name: str, caption: str,
          **kwargs) -> list[Bar]:
    """:func:`chapter_bars` shown as table ``name`` and asserted (all but ``cfg.reported_bars``),
    through :func:`fundus_utils.report.bars`; ``kwargs`` go to :func:`chapter_bars`."""
    from .. import report

    bars = chapter_bars(runs, table, bank, cfg, **kwargs)
    report.bars(bars, name, caption, cfg, asserted=asserted(bars, cfg))
    return bars


def paired_comparison(method: RunResult, baseline: RunResult, margins: dict[str, float] | None = None) -> list[Bar]:
    """Method vs a trained baseline on the same test images: OD/OC Dice, vCDR error, glaucoma AUC.

    ``margins``: non-inferiority margins by metric (``dice``, ``vcdr_mae``, ``auc``; default
    0 = superiority): a bar passes when the lower end of the gain's CI is above ``-margin``,
    i.e. the method is at most ``margin`` worse. No image is dropped: a Dice the method or
    the baseline could not compute scores 0 and a vCDR it could not measure scores an error
    of 1 (both counted in ``missing``); images without a glaucoma label have no AUC to add.
    """
    margins = margins or {}
    a, b = method.per_image.set_index("image_id"), baseline.per_image.set_index("image_id").reindex(
        method.per_image["image_id"])
    label = f"{method.method} vs {baseline.method}"
    bars = [evaluation.paired_mean(f"{label}: {name}", a[col].to_numpy(float), b[col].to_numpy(float), worst=0.0,
                                   margin=-float(margins.get("dice", 0.0)))
            for col, name in (("dice_od", "OD Dice"), ("dice_oc", "OC Dice"))]
    err_a = (a["vcdr"] - a["vcdr_ref"]).abs().to_numpy(float)
    err_b = (b["vcdr"] - b["vcdr_ref"]).abs().to_numpy(float)
    bars.append(evaluation.paired_mean(f"{label}: vCDR abs. error", err_a, err_b, higher_is_better=False, worst=1.0,
                                       margin=-float(margins.get("vcdr_mae", 0.0))))
    y = a["glaucoma"].to_numpy(float)
    labelled = np.isfinite(y)
    bars.append(evaluation.paired_auc(f"{label}: glaucoma AUC (vCDR)", y[labelled], a["vcdr"].to_numpy(float)[labelled],
                                      b["vcdr"].to_numpy(float)[labelled], margin=-float(margins.get("auc", 0.0))))
    return bars


__all__ = ["SUMMED_LOSS", "asserted", "baseline_per_image", "by_method", "chapter_bars", "check", "paired_comparison", "run_parts",
           "scheme_bars"]
