"""Vessel segmentation with each initialisation's trunk as the U-Net encoder: Dice vs training-data volume.

The paper (Results, "Extending Model Capabilities: Vessel Segmentation"; Discussion) trains "a
U-Net based architecture and the Dice coefficient as the loss function" from each model and finds
the ImageNet one "robust and consistent ... across various data volumes", the fundus-pretrained
ones "less successful at structural tasks". It names no data set, volumes or schedule; our reading:

* the network: :class:`~fundus_utils.models.encoder_unet.EncoderUNet`, its encoder the
  initialisation's trunk (Table 1's, trained at ``trunk_resolution``; None: the top rung), the
  whole network trained; soft Dice loss (:func:`fundus_utils.train.losses.dice_loss`), one-cycle
  Adam, random patches and flips (:func:`fundus_utils.train.segmentation.fit_segmenter`);
* training-data volumes: nested, seeded subsets of the training pictures (``fractions``), each
  trained for the same number of optimisation ``steps``, so a smaller volume means fewer distinct
  pictures, not less training;
* scoring: per test picture, Dice inside the field of view at threshold 0.5 (never tuned); the
  bar's baseline is the stronger, on that test set, of two image-blind maps from the full training
  set's masks: every field-of-view pixel called vessel, and the per-pixel vessel frequency
  thresholded where it scores best on those training masks
  (:func:`fundus_utils.evaluation.baselines.vessel_maps`).

A study (``cfg.vessels``; beyond the paper ``cfg.real_vessels``) names its ``train`` set and its
``tests`` (``dataset``, ``twin``, ``split``); a real set absent from the data root is skipped and
listed. Pictures are resized to ``size`` x ``size`` (DRIVE's 565 x 584 and CHASE_DB1's 999 x 960
are stretched by 3-4 %); a set without field-of-view masks gets them from the picture
(:func:`fundus_utils.data.preprocess.fov_from_image`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import data
from ..config import Config
from ..data.preprocess import fov_from_image
from ..data.registry import present
from ..data.splits import patient_holdout
from ..evaluation import dice, mean_ci_text
from ..evaluation.bars import Bar, paired_mean
from ..evaluation.baselines import vessel_maps
from ..models import create_model
from ..seed import seed_everything
from ..train import result_cache
from ..train.learner import fitting
from ..train.losses import dice_loss
from ..train.segmentation import fit_segmenter, predict_probabilities, recalibrate_batchnorm
from . import upstream
from .upstream import INITS


ABSENT = "not under the data root ($FUNDUS_DATA or ../shared/data)"


@dataclass
class VesselSet:
    """Pictures (uint8 ``N x 3 x size x size``), vessel masks and fields of view (bool ``N x size x size``)."""

    name: str
    x: np.ndarray
    masks: np.ndarray
    fovs: np.ndarray
    patients: np.ndarray
    rows: list[str]          # row digests (cache keys)


def vessel_set(spec: dict, cfg: Config, size: int) -> VesselSet | None:
    """The rows of ``spec`` (``dataset``, ``twin``, ``split``) at ``size`` px; None when a real set is absent."""
    if spec["twin"] is None and not present(spec["dataset"], cfg.data_root):
        return None
    table = data.open_dataset(spec["dataset"], cfg.data_root, **(spec["twin"] or {}))
    if spec["split"] is not None:
        table = table[table["split"] == spec["split"]].reset_index(drop=True)
    if not len(table):
        raise ValueError(f"{spec['dataset']}: no rows in split {spec['split']!r}")
    if "vessel_mask" not in table:
        raise ValueError(f"{spec['dataset']} has no 'vessel_mask' column")
    columns = ["image", "vessel_mask"] + (["fov_mask"] if "fov_mask" in table else [])
    arrays = data.load_resized(table, size, columns)
    fovs = arrays["fov_mask"] if "fov_mask" in arrays else np.stack([fov_from_image(im) > 0 for im in arrays["image"]])
    return VesselSet(spec.get("name", spec["dataset"]), arrays["image"].transpose(0, 3, 1, 2), arrays["vessel_mask"],
                     fovs.astype(bool), table["patient_id"].astype(str).to_numpy(), result_cache.row_digests(table))


def volume_rows(n: int, fraction: float, seed: int) -> np.ndarray:
    """The first ``fraction`` of a seeded permutation of ``n`` rows (sorted): volumes are nested, 25 % within 50 %."""
    if not 0 < fraction <= 1:
        raise ValueError(f"training-data fraction must be in (0, 1], got {fraction}")
    return np.sort(np.random.default_rng(seed).permutation(n)[:max(1, round(fraction * n))])


def epochs_for(n_pictures: int, spec) -> int:
    """Epochs that give ``spec.steps`` optimisation steps on ``n_pictures`` training pictures, batch ``spec.bs``
    (a ragged last batch is dropped when there is more than one, as
    :func:`fundus_utils.train.loaders.holdout_dls` does)."""
    if n_pictures < 2:
        raise ValueError(f"{n_pictures} training picture(s): a U-Net needs at least 2; raise the fraction")
    return math.ceil(spec.steps / max(1, n_pictures // spec.bs))


def dice_inside(probabilities: np.ndarray, masks: np.ndarray, fovs: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per picture: Dice of ``probabilities > threshold`` with the mask, inside the field of view."""
    return np.array([dice(p > threshold, m, where=f) for p, m, f in zip(probabilities, masks, fovs)])


def trained_scores(init: str, fraction: float, cfg: Config, study: str, train: VesselSet,
                   tests: list[VesselSet]) -> dict[str, np.ndarray]:
    """Per test set, the per-picture Dice of ``init``'s U-Net trained on ``fraction`` of ``train``. Cached, keyed by
    both sets' rows, the study's settings, the upstream key's ingredients and the library."""
    spec = getattr(cfg, study)
    key = upstream._key(cfg, task=study, init=init, fraction=fraction, spec=dict(spec), upstream=dict(cfg.upstream),
                        standin=dict(cfg.standin), imagenet=cfg.imagenet, train=train.rows,
                        tests={t.name: t.rows for t in tests})
    path = result_cache.entry(Path(cfg.cache_dir) / "fundus_foundation" / "vessels", key)

    def compute() -> dict[str, np.ndarray]:
        rows = volume_rows(len(train.x), fraction, cfg.seed)
        seed = cfg.seed * 100 + round(100 * fraction)
        # one patient monitors the loss (fit_segmenter's hold-out); the steps count the others' batches
        monitored = patient_holdout(train.patients[rows], 1e-9, seed)
        # the trunk first: on a cold cache it trains (and reseeds) here, and the U-Net must not
        # depend on whether it had been cached
        trunk = upstream.trunk(init, cfg, spec.trunk_resolution or max(cfg.resolutions))
        seed_everything(seed)
        model = create_model("encoder_unet", backbone=cfg.backbone, decoder_width=spec.decoder_width)
        if trunk is not None:
            model.load_trunk(trunk)
        with fitting(f"vessels {init}, {fraction:.0%} of {len(train.x)} pictures"):
            fit_segmenter(train.x[rows], train.masks[rows], cfg, epochs=epochs_for(int((~monitored).sum()), spec),
                          lr=spec.lr, patch=spec.patch, per_image=spec.per_image, bs=spec.bs, valid_fraction=1e-9,
                          patients=train.patients[rows], seed=seed, model=model, loss_func=dice_loss)
        recalibrate_batchnorm(model, train.x[rows])
        return {t.name: dice_inside(predict_probabilities(model.eval(), t.x, cfg), t.masks, t.fovs) for t in tests}

    return {name: np.asarray(v) for name, v in result_cache.cached(path, compute).items()}


def baseline_scores(train: VesselSet, tests: list[VesselSet]) -> dict[str, dict[str, np.ndarray]]:
    """Per test set, the per-picture Dice of the two image-blind maps of the full training set's masks."""
    maps = vessel_maps(train.masks, train.fovs)[0]
    return {t.name: {name: dice_inside(np.broadcast_to(m, t.masks.shape).astype(float), t.masks, t.fovs)
                     for name, m in maps.items()} for t in tests}


def vessel_study(cfg: Config, study: str = "vessels") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every initialisation x training-data fraction, scored on every test set present.

    Returns the per-picture Dice (columns test set, initialisation, init, fraction, pictures trained
    on, picture, dice; the baselines as initialisation "baseline: <name>", fraction NaN) and the sets'
    coverage (scored or skipped, with why)."""
    spec = getattr(cfg, study)
    train = vessel_set(spec.train, cfg, spec.size)
    tests, coverage = [], []
    for t in spec.tests:
        got = vessel_set(t, cfg, spec.size) if train is not None else None
        coverage.append({"set": t["name"], "dataset": t["dataset"], "split": t["split"] or "all",
                         "status": "scored" if got is not None else "skipped",
                         "pictures": 0 if got is None else len(got.x),
                         "reason": "" if got is not None else ABSENT})
        tests += [got] if got is not None else []
    if train is None or not tests:
        return pd.DataFrame(columns=["test set", "initialisation", "init", "fraction", "trained on", "picture",
                                     "dice"]), pd.DataFrame(coverage)
    rows = []
    for init in INITS:
        for fraction in spec.fractions:
            n = len(volume_rows(len(train.x), fraction, cfg.seed))
            for name, scores in trained_scores(init, fraction, cfg, study, train, tests).items():
                rows += [{"test set": name, "initialisation": upstream.init_label(init, cfg), "init": init,
                          "fraction": fraction, "trained on": n, "picture": i, "dice": d} for i, d in enumerate(scores)]
    for name, maps in baseline_scores(train, tests).items():
        for base, scores in maps.items():
            rows += [{"test set": name, "initialisation": f"baseline: {base}", "init": None, "fraction": np.nan,
                      "trained on": len(train.x), "picture": i, "dice": d} for i, d in enumerate(scores)]
    return pd.DataFrame(rows), pd.DataFrame(coverage)


def dice_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean Dice [95 % bootstrap CI] per test set and initialisation (rows) and training fraction (columns), then
    the image-blind baselines (from the full training set's masks) in a column of their own."""
    def text(d: pd.Series) -> str:
        return mean_ci_text(d.to_numpy())

    method = scores[scores["init"].notna()]
    table = method.groupby(["test set", "initialisation", "fraction"], sort=False)["dice"].apply(text)
    table = table.unstack("fraction")
    table.columns = [f"{f:.0%} of training pictures" for f in table.columns]
    base = scores[scores["init"].isna()].groupby(["test set", "initialisation"], sort=False)["dice"].apply(text)
    return pd.concat([table, base.rename("image-blind, full training set").to_frame()]).fillna("")


def _strongest_baseline(scores: pd.DataFrame, test_set: str) -> pd.Series:
    base = scores[(scores["test set"] == test_set) & scores["init"].isna()]
    means = base.groupby("initialisation")["dice"].mean()
    return base[base["initialisation"] == means.idxmax()].sort_values("picture")


def vessel_bars(scores: pd.DataFrame, cfg: Config, study: str = "vessels") -> tuple[list[Bar], list[bool]]:
    """Per test set, initialisation and fraction: mean Dice vs the stronger image-blind baseline on the same
    pictures (paired bootstrap); and whether each is asserted (fraction at least ``asserted_from``; None: none)."""
    bars, asserted = [], []
    method = scores[scores["init"].notna()]
    for (name, init, fraction), g in method.groupby(["test set", "init", "fraction"], sort=False):
        base = _strongest_baseline(scores, name)
        bars.append(paired_mean(f"{name}: {upstream.init_label(init, cfg)} U-Net, {fraction:.0%} of training pictures, "
                                f"Dice vs {base['initialisation'].iloc[0].removeprefix('baseline: ')}",
                                g.sort_values("picture")["dice"].to_numpy(), base["dice"].to_numpy()))
        start = getattr(cfg, study).asserted_from
        asserted.append(start is not None and fraction >= start)
    return bars, asserted


def volume_figure(scores: pd.DataFrame, cfg: Config) -> Figure:
    """Mean Dice (95 % bootstrap CI) vs the number of training pictures, per initialisation; one panel per test set;
    the stronger baseline dashed."""
    from ..evaluation.stats import bootstrap_ci
    from ..report.style import PALETTE

    sets = list(dict.fromkeys(scores["test set"]))
    fig, axes = plt.subplots(1, len(sets), figsize=(3.6 * len(sets), 3.0), squeeze=False)
    colours = dict(zip([upstream.init_label(i, cfg) for i in INITS], PALETTE))
    for ax, name in zip(axes[0], sets):
        here = scores[(scores["test set"] == name) & scores["init"].notna()]
        for label, g in here.groupby("initialisation", sort=False):
            stats = [(n, *bootstrap_ci(d["dice"].to_numpy())) for n, d in g.groupby("trained on")]
            n, mean, lo, hi = map(np.array, zip(*stats))
            ax.errorbar(n, mean, yerr=[mean - lo, hi - mean], marker="o", ms=3, capsize=2, label=label,
                        color=colours[label])
        base = _strongest_baseline(scores, name)
        ax.axhline(base["dice"].mean(), ls="--", color="grey", lw=1, label=base["initialisation"].iloc[0])
        ax.set_xlabel("training pictures"), ax.set_ylabel("Dice (inside the FOV)"), ax.set_title(name, fontsize=9)
    axes[0, -1].legend(fontsize=7)
    return fig


def claim(scores: pd.DataFrame) -> pd.DataFrame:
    """The paper's claim (the ImageNet model best at every data volume) per test set, read from the mean Dice."""
    method = scores[scores["init"].notna()]
    means = method.groupby(["test set", "fraction", "init"])["dice"].mean()
    rows = []
    for (name, fraction), g in means.groupby(level=[0, 1]):
        best = g.idxmax()[2]
        rows.append({"test set": name, "fraction": f"{fraction:.0%}", "best": best, "mean Dice of best": g.max(),
                     "ImageNet best": best == "ImageNet"})
    return pd.DataFrame(rows)
