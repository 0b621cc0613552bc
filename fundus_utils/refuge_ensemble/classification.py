"""Glaucoma classification ensemble of Zhao et al.: training one member, averaging, scoring.

Paper (Sections 1 and 4.2): five ResNet50 variants (:mod:`fundus_utils.models.gap_resnet`),
each trained with cross-entropy, RAdam, batch 16, 200 epochs, learning rate 1e-3 multiplied
by 0.1 every 30 epochs, 512 x 512 inputs (whole image or disc crop); "integrating all the
results" gives the final prediction.

* :func:`fit_member` trains one member with a fastai ``Learner`` (``make_learner``: device,
  AMP and channels_last from ``cfg``), ``CrossEntropyLossFlat``, fastai's ``RAdam`` (the
  chapter's one RAdam, :func:`fundus_utils.train.schedules.radam`, also used by CE-Net and
  the fovea U-Net), and either the paper's step schedule (``cfg.cls.schedule == "step"``:
  fastai ``ParamScheduler`` with lr x ``cfg.cls.lr_gamma`` every ``cfg.cls.lr_step`` epochs)
  or a one-cycle schedule (:func:`fundus_utils.train.schedules.fit_with_schedule`).
* Weights: the ``full`` profile starts from torchvision's ImageNet ResNet50 weights as the
  paper did, through timm's ``resnet50.tv_in1k`` tag (timm's untagged default would be
  ``a1_in1k``, trained with a different recipe); smoke and tests never download.
* The ensemble rule (our reading of "integrating"): the **unweighted mean of the members'
  glaucoma probabilities** (softmax of the two logits), :func:`ensemble_probability`.
* The paper reports no numbers, so the book scores with the REFUGE challenge's metrics:
  ROC AUC with a 95 % percentile-bootstrap interval (:func:`auc_ci`, over images) and the
  sensitivity at 85 % specificity (:func:`sensitivity_at_specificity`).

Inputs are uint8 ``N x H x W x 3`` arrays; they are normalised with ImageNet statistics on
the fly (the full profile starts from ImageNet weights).
"""
from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from timm.data import IMAGENET_DEFAULT_MEAN as IMAGENET_MEAN, IMAGENET_DEFAULT_STD as IMAGENET_STD

from ..config import Config
from ..data.arrays import channels_first
from ..evaluation.stats import bootstrap_ci, ci_text
from ..models import create_model

MEMBERS = ("full", "disc", "2gap", "3gap", "cc")
ENSEMBLE = "ensemble"


# ------------------------------------------------------------------------------ training

def fit_member(variant: str, x_train: np.ndarray, y_train: np.ndarray, x_valid: np.ndarray, y_valid: np.ndarray,
               cfg: Config, seed: int = 0, progress: bool | None = None):
    """Train ensemble member ``variant`` on uint8 images ``N x H x W x 3`` and 0/1 labels; returns the Learner.

    Settings: ``cfg.cls.backbone``, ``pretrained``, ``cls.cc_reduction``, ``cls.epochs``,
    ``cls.bs``, ``cls.lr``, ``cls.schedule`` (``"step"`` or ``"one_cycle"``), ``cls.lr_step``,
    ``cls.lr_gamma``, ``cls.wd``, ``cls.cpu_channels_last`` (channels_last memory format on CPU
    too). The validation images only monitor training (no selection).
    """
    from ..seed import seed_everything
    from ..train.learner import make_learner  # first: fundus_utils.train quiets fastai's import-time warnings
    from ..train.loaders import random_flips, tensor_dls
    from ..train.schedules import fit_with_schedule, radam
    from fastai.losses import CrossEntropyLossFlat

    y_train, y_valid = np.asarray(y_train), np.asarray(y_valid)
    if len(x_train) != len(y_train) or len(x_valid) != len(y_valid):
        raise ValueError(f"fit_member({variant}): {len(x_train)}/{len(x_valid)} images but "
                         f"{len(y_train)}/{len(y_valid)} labels")
    if len(np.unique(y_train)) < 2:
        raise ValueError(f"fit_member({variant}): the training labels hold a single class {np.unique(y_train)}")
    seed_everything(seed)
    if cfg.cls.cpu_channels_last and not cfg.channels_last:  # measured ~17 % faster for small convs on CPU
        cfg = dataclasses.replace(cfg, channels_last=True)
    dls = tensor_dls(channels_first(x_train), y_train.astype(np.int64), channels_first(x_valid),
                     y_valid.astype(np.int64), bs=int(cfg.cls.bs), device=cfg.device, augment=random_flips,
                     num_workers=cfg.num_workers, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                     drop_last=len(x_train) > cfg.cls.bs)
    model = create_model("gap_resnet", variant=variant, backbone=cfg.cls.backbone, pretrained=cfg.pretrained,
                         cc_reduction=cfg.cls.cc_reduction)
    learn = make_learner(dls, model, CrossEntropyLossFlat(), cfg=cfg, lr=cfg.cls.lr, opt=radam(),
                         wd=cfg.cls.wd, progress=progress)
    if cfg.cls.schedule not in ("step", "one_cycle"):
        raise ValueError(f"cls.schedule must be 'step' or 'one_cycle', got {cfg.cls.schedule!r}")
    fit_with_schedule(learn, int(cfg.cls.epochs), float(cfg.cls.lr), cfg.cls.schedule, int(cfg.cls.lr_step),
                      float(cfg.cls.lr_gamma))
    return learn


def predict_member(learn, images: np.ndarray, cfg: Config, bs: int = 64) -> np.ndarray:
    """Glaucoma probability (softmax, class 1) of a trained member for uint8 images ``N x H x W x 3``."""
    from ..train.learner import predict_batches

    out = predict_batches(learn.model, channels_first(images), bs=bs, device=cfg.device,
                          activation=lambda t: torch.softmax(t, dim=1), mean=IMAGENET_MEAN, std=IMAGENET_STD,
                          channels_last=cfg.channels_last, amp=cfg.amp)
    return out[:, 1].astype(np.float64)


def ensemble_probability(probs: Mapping[str, np.ndarray], members: Sequence[str] | None = None) -> np.ndarray:
    """The ensemble's glaucoma probability: the unweighted mean of the members' probabilities."""
    names = list(members) if members is not None else [k for k in probs if k != ENSEMBLE]
    if not names:
        raise ValueError("ensemble_probability: no member probabilities given")
    missing = [m for m in names if m not in probs]
    if missing:
        raise KeyError(f"ensemble_probability: no probabilities for members {missing}; have {sorted(probs)}")
    stack = np.stack([np.asarray(probs[m], float) for m in names])
    return stack.mean(axis=0)


# ------------------------------------------------------------------------------- metrics

def _check_binary(y: np.ndarray, p: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(y).astype(float), np.asarray(p, float)
    if y.shape != p.shape:
        raise ValueError(f"{what}: {y.shape} labels but {p.shape} scores")
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError(f"{what}: labels must be 0/1, got {np.unique(y)[:5]}")
    return y, p


def sensitivity_at_specificity(y: np.ndarray, p: np.ndarray, specificity: float = 0.85) -> float:
    """Highest sensitivity among thresholds whose specificity is at least ``specificity`` (REFUGE's 0.85).

    Thresholds are the observed scores (``score >= t`` is positive); NaN when a class is absent.
    """
    from sklearn.metrics import roc_curve

    y, p = _check_binary(y, p, "sensitivity_at_specificity")
    if y.min() == y.max():
        return float("nan")
    fpr, tpr, _ = roc_curve(y, p, drop_intermediate=False)
    ok = fpr <= 1 - specificity + 1e-12
    return float(tpr[ok].max())


def _pairwise_auc(y: np.ndarray, p: np.ndarray):
    """A function idx -> AUC of the resample ``idx`` (Mann-Whitney with ties = 1/2), from one comparison matrix."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    wins = (p[pos][:, None] > p[neg][None, :]) + 0.5 * (p[pos][:, None] == p[neg][None, :])
    where = np.full(len(y), -1)
    where[pos], where[neg] = np.arange(len(pos)), np.arange(len(neg))

    def auc(idx: np.ndarray) -> float:
        idx = np.asarray(idx, int)
        cp = np.bincount(where[idx[y[idx] == 1]], minlength=len(pos))
        cn = np.bincount(where[idx[y[idx] == 0]], minlength=len(neg))
        if cp.sum() == 0 or cn.sum() == 0:
            return float("nan")
        return float(cp @ wins @ cn / (cp.sum() * cn.sum()))
    return auc


def auc_ci(y: np.ndarray, p: np.ndarray, n_boot: int = 2000, level: float = 0.95, seed: int = 0
           ) -> tuple[float, float, float]:
    """ROC AUC and its percentile-bootstrap interval over images (``evaluation.stats.bootstrap_ci``).

    Resamples that lose a class are dropped; NaNs when the labels hold one class only.
    """
    y, p = _check_binary(y, p, "auc_ci")
    if y.min() == y.max():
        return float("nan"), float("nan"), float("nan")
    auc = _pairwise_auc(y, p)
    point = auc(np.arange(len(y)))
    _, lo, hi = bootstrap_ci(np.arange(len(y)), statistic=auc, n_boot=n_boot, level=level, seed=seed)
    if np.isnan(lo) or np.isnan(hi):  # a resample without one class: redo with those resamples dropped
        rng = np.random.default_rng(seed)
        boots = np.array([auc(rng.integers(0, len(y), len(y))) for _ in range(n_boot)])
        alpha = (1 - level) / 2
        lo, hi = np.nanquantile(boots, alpha), np.nanquantile(boots, 1 - alpha)
    return point, float(lo), float(hi)


def score(y: np.ndarray, probs: Mapping[str, np.ndarray], n_boot: int = 2000, specificity: float = 0.85,
          seed: int = 0) -> pd.DataFrame:
    """One row per model (members, then ``ensemble`` if given): n, positives, AUC with CI, sensitivity."""
    y = np.asarray(y)
    rows = []
    for name, p in probs.items():
        auc, lo, hi = auc_ci(y, p, n_boot=n_boot, seed=seed)
        rows.append(dict(model=name, n=len(y), positives=int(np.sum(y == 1)), auc=auc, auc_lo=lo, auc_hi=hi,
                         sens_at_spec=sensitivity_at_specificity(y, p, specificity)))
    return pd.DataFrame(rows)


def auc_text(auc: float, lo: float, hi: float, digits: int = 3) -> str:
    """``0.912 [0.870, 0.950]`` for tables (``n/a`` without an AUC)."""
    return ci_text(auc, lo, hi, digits)
