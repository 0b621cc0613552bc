"""Stage 2 of the paper's pipeline: the two base models on originals + attention crops, 5-fold
bagging and the score fusion (its Section 3.3, Fig. 1 and Table 2's rows).

* :data:`ARMS`: what joins the original training pictures - ``originals`` nothing (Table 2's
  VGG, ResNet50 and ensemble rows), ``cam_crops`` the paper's crops (Eqs. 4-5 boxes of the
  stage-1 maps, :mod:`.cam_crops`), ``random_crops`` ours: the control, boxes of the same
  sizes at random places of the same pictures (is it the CAM, or any extra crop?).
* :func:`pool_attention`: the stage-1 maps of every pool picture, in the result cache.
* :func:`crop_set`: the crops of an arm, cut from the pictures at ``crop_source`` px (the
  paper crops the photograph, not the network's input) and resized to the input size.
* :func:`train_members`: for each bagging fold and base model, a network trained on the
  pool's other folds (+ the crops of those pictures), its checkpoint selected on the fold's
  original pictures; through the result cache, side by side in ``parallel_runs`` processes.
* :func:`bag` / :func:`fuse`: a base model's test probabilities averaged over its folds; the
  fused score G = w1 G1 + w2 G2 (the paper's 0.6 / 0.4 for VGG / ResNet50).

Ours where the paper is silent: the crops of the validation fold are not added (checkpoints
are selected on pictures like the test pictures), the stage-1 network whose maps give the crops
is the fold-0 VGG of notebook 02, and with ``equal_steps`` (``smoke``) an arm with crops trains
for proportionally fewer epochs, so that every arm takes the same number of optimiser steps and
a gain of the crops is not bought with more training.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import cam_crops as cc
from .data import Arrays
from .data import arrays as arrays_of
from .fit import Fitted, fit, predict

ARMS = ("originals", "cam_crops", "random_crops")
ARM_LABELS = {"originals": "originals only", "cam_crops": "+ CAM crops", "random_crops": "+ random crops (control)"}


@dataclass
class CropSet:
    """An arm's crops: ``images`` ``M x size x size x 3`` with the labels of their source pictures,
    ``rows`` (rows of the sample table), their ``boxes`` (in input-size pixels) and ``arm``."""

    arm: str
    images: np.ndarray
    rows: np.ndarray
    boxes: list[cc.Box]

    def key(self, ids: np.ndarray) -> list:
        """What the crops depend on, for cache keys: the arm and each source picture's id and box."""
        return [self.arm, [[str(ids[r]), *map(int, b)] for r, b in zip(self.rows, self.boxes)]]


def pool_attention(table: pd.DataFrame, arrays: Arrays, cfg, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eq. 4's maps ``P x H x W`` of the pool pictures from the stage-1 network (fold 0's VGG),
    the categories counted as predicted (``P x K``) and the pool's rows of the sample table; in
    the result cache (keyed by the stage-1 network's key and the CAM settings)."""
    from ..train import result_cache
    from . import stage1

    rows = stage1.split_rows(table, 0, cfg.pool_splits)
    pool = np.r_[rows["train"], rows["valid"]]
    key = {"what": "pool attention", "stage1": stage1.cache_key(table, rows, cfg, seed), "cam": cfg.cam}
    path = result_cache.entry(Path(cfg.cache_dir) / "rfmid_ensemble" / "attention", key)

    def compute() -> dict:
        maps, predicted = stage1.attention(stage1.trained(table, arrays, cfg, seed=seed), arrays.subset(pool), cfg)
        return {"maps": maps, "predicted": predicted}

    stored = result_cache.cached(path, compute)
    return np.asarray(stored["maps"]), np.asarray(stored["predicted"]), pool


def crop_set(arm: str, table: pd.DataFrame, maps: np.ndarray, pool: np.ndarray, cfg, seed: int = 0) -> CropSet:
    """The crops of ``arm`` for the pool pictures: the CAM box at ``cam.theta`` of each map with a
    pixel there (:func:`.cam_crops.attention_box`), or a box of the same size at a random place
    (``random_crops``, seeded); cut from the picture at ``crop_source`` px, resized to the input."""
    if arm not in ("cam_crops", "random_crops"):
        raise ValueError(f"crop_set: arm {arm!r} has no crops; choose cam_crops or random_crops")
    boxes = [cc.attention_box(m, cfg.cam["theta"]) for m in maps]
    have = np.array([i for i, b in enumerate(boxes) if b is not None], int)
    kept = [boxes[i] for i in have]
    if arm == "random_crops":
        kept = cc.random_boxes(kept, maps.shape[1:], np.random.default_rng(seed))
    rows = pool[have]
    source = arrays_of(table.iloc[rows], cfg.crop_source).x
    scale = cfg.crop_source / cfg.image_size
    images = np.stack([cc.crop_resized(img, cc.scale_box(b, scale), cfg.image_size) for img, b in zip(source, kept)]) \
        if len(rows) else np.zeros((0, cfg.image_size, cfg.image_size, 3), np.uint8)
    return CropSet(arm, images, rows, kept)


def crop_lesion_table(crop_sets: dict[str, CropSet], arrays: Arrays) -> pd.DataFrame:
    """Per crop set, over the source pictures with lesion pixels: the share of crops holding any
    of them, and the mean share of the picture's lesion pixels inside the crop (the boxes in
    input-size pixels, where ``arrays.lesion`` is); without lesion masks, a note saying so."""
    if arrays.lesion is None:
        return pd.DataFrame({"note": ["these data have no lesion masks: whether the crops hold lesions is measured "
                                      "on the synthetic twin (the smoke profile)"]})
    out = {}
    for arm, crops in crop_sets.items():
        cover = np.array([cc.lesion_coverage(b, arrays.lesion[r]) for r, b in zip(crops.rows, crops.boxes)])
        with_lesion = np.isfinite(cover)
        out[ARM_LABELS[arm]] = {"crops cut": len(crops.rows), "of pictures with a lesion": int(with_lesion.sum()),
                                "holding lesion pixels": float(np.mean(cover[with_lesion] > 0)),
                                "lesion share inside": float(np.mean(cover[with_lesion]))}
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index.name = "crops"
    return table


def training_arrays(arrays: Arrays, train_rows: np.ndarray, crops: CropSet | None) -> Arrays:
    """The training pictures of one fold, with the crops whose source picture is among them appended."""
    train = arrays.subset(train_rows)
    if crops is None:
        return train
    mine = np.isin(crops.rows, train_rows)
    return Arrays(np.concatenate([train.x, crops.images[mine]]), np.concatenate([train.y, arrays.y[crops.rows[mine]]]),
                  np.concatenate([train.ids, np.char.add(arrays.ids[crops.rows[mine]].astype(str), "#crop")]))


@dataclass(frozen=True)
class Member:
    """One network of the bagging ensemble: base model (``vgg`` / ``resnet``), fold and arm."""

    model: str
    fold: int
    arm: str


def members(cfg, arm: str) -> list[Member]:
    """The ensemble's 2 x ``folds`` networks of one arm."""
    return [Member(m, f, arm) for m in ("vgg", "resnet") for f in range(int(cfg.folds))]


def train_members(table: pd.DataFrame, arrays: Arrays, jobs: list[Member], cfg, crops: CropSet | None = None,
                  seed: int = 0) -> list[Fitted]:
    """The networks of ``jobs`` (through the result cache; the missing ones side by side in
    ``cfg.parallel_runs`` single-threaded processes, each seeding itself)."""
    from ..train import result_cache
    from .stage1 import split_rows

    def parts(job: Member):
        rows = split_rows(table, job.fold, cfg.pool_splits)
        return rows, training_arrays(arrays, rows["train"], crops if job.arm != "originals" else None)

    def path(job: Member) -> Path:
        return _member_path(table, job, cfg, crops, seed)

    def compute(job: Member) -> dict:
        rows, train = parts(job)
        scale = len(rows["train"]) / len(train) if cfg.equal_steps else 1.0
        f = fit(getattr(cfg, job.model), train, arrays.subset(rows["valid"]), cfg, seed=seed, epoch_scale=scale,
                progress=False)
        return _dump(f)

    stored = result_cache.cached_many(jobs, path, compute, int(cfg.parallel_runs),
                                      cost=lambda job: 2.0 if job.model == "resnet" else 1.0)
    return [_restore(s, arrays.y.shape[1]) for s in stored]


def examples(fitted: Fitted, test: Arrays, p: np.ndarray, categories=("DR", "CRVO", "RPEC"), device: str = "cpu"):
    """Fig. 8: for each category, the test picture among its positives that ``p`` scores highest,
    and the network's Guided Grad-CAM map for that category; a category without a test positive
    is listed in ``missing``. Returns ``(images, maps, titles, missing)``."""
    import torch

    from ..data.arrays import channels_first
    from ..evaluation.cam import guided_gradcam
    from .data import NAMES

    picks, classes, titles, missing = [], [], [], []
    for name in categories:
        k = NAMES.index(name)
        pos = np.flatnonzero(test.y[:, k] > 0)
        if not len(pos):
            missing.append(name)
            continue
        i = int(pos[np.argmax(p[pos, k])])
        picks.append(i)
        classes.append(k)
        titles.append(f"{name}: {test.ids[i]} (p = {p[i, k]:.2f})")
    if not picks:
        return np.zeros((0,) + test.x.shape[1:], np.uint8), np.zeros((0,) + test.x.shape[1:3], np.float32), [], missing
    model = fitted.model.to(device).eval()
    x = torch.from_numpy(channels_first(test.x[picks])).float().div_(255).to(device)
    maps = guided_gradcam(model, x, model.cam_layer(), classes)
    model.zero_grad(set_to_none=True)
    return test.x[picks], maps, titles, missing


def _member_path(table: pd.DataFrame, job: Member, cfg, crops: CropSet | None, seed: int) -> Path:
    from ..train import result_cache
    from .stage1 import cache_key, split_rows

    rows = split_rows(table, job.fold, cfg.pool_splits)
    key = cache_key(table, rows, cfg, seed, backbone=getattr(cfg, job.model))
    if job.arm != "originals":
        if crops is None or crops.arm != job.arm:
            raise ValueError(f"{job}: needs the {job.arm} crop set")
        key["crops"] = crops.key(table["image_id"].to_numpy())
    return result_cache.entry(Path(cfg.cache_dir) / "rfmid_ensemble" / "members", key)


def _dump(f: Fitted) -> dict:
    return {"state": {k: v.detach().cpu() for k, v in f.model.state_dict().items()}, "backbone": f.backbone,
            "history": f.history, "best_epoch": f.best_epoch, "train_s": f.train_s}


def _restore(stored: dict, num_classes: int) -> Fitted:
    from ..models import create_model

    model = create_model("gap_classifier", backbone=stored["backbone"], num_classes=num_classes)
    model.load_state_dict(stored["state"])
    return Fitted(model.eval(), stored["backbone"], stored["history"], stored["best_epoch"], stored["train_s"])


def member_scores(fitted: list[Fitted], x: np.ndarray, cfg) -> np.ndarray:
    """Probabilities of every member, ``members x N x K``."""
    return np.stack([predict(f.model, x, cfg) for f in fitted])


def bag(jobs: list[Member], p: np.ndarray, model: str) -> np.ndarray:
    """One base model's bagged score: its members' probabilities averaged over the folds."""
    pick = [i for i, j in enumerate(jobs) if j.model == model]
    if not pick:
        raise ValueError(f"bag: no member of base model {model!r}")
    return p[pick].mean(axis=0)


def fuse(p_vgg: np.ndarray, p_resnet: np.ndarray, weights=(0.6, 0.4)) -> np.ndarray:
    """G = w1 G1 + w2 G2 (the weights must sum to 1, so G stays a probability)."""
    w1, w2 = map(float, weights)
    if not np.isclose(w1 + w2, 1.0):
        raise ValueError(f"fusion weights must sum to 1, got {weights}")
    return w1 * p_vgg + w2 * p_resnet


def best_single(jobs: list[Member], fitted: list[Fitted]) -> int:
    """The member of the lowest validation loss at its kept epoch (chosen without the test set)."""
    losses = [min(h["valid_loss"] for h in f.history if h["phase"] == "finetune") for f in fitted]
    return int(np.argmin(losses))


def ensemble_scores(jobs: list[Member], fitted: list[Fitted], p: np.ndarray, cfg) -> dict[str, np.ndarray]:
    """Table 2's score matrices of one arm (``p``: :func:`member_scores`), under the keys of
    :data:`SCORES`: each base model bagged over its folds, their fusion at ``cfg.fusion`` (the
    paper's weights) and at equal weights, and the single network of the lowest validation
    loss (:func:`best_single`, named in ``best``)."""
    vgg, resnet = bag(jobs, p, "vgg"), bag(jobs, p, "resnet")
    best = best_single(jobs, fitted)
    return {"VGG": vgg, "ResNet": resnet, "ensemble": fuse(vgg, resnet, tuple(cfg.fusion)),
            "ensemble, equal weights": fuse(vgg, resnet, (0.5, 0.5)), "best single network": p[best]}


#: The rows of :func:`ensemble_scores`.
SCORES = ("VGG", "ResNet", "ensemble", "ensemble, equal weights", "best single network")


def loss_history(jobs: list[Member], fitted: list[Fitted]) -> pd.DataFrame:
    """Long table of every member's epochs: model, fold, arm, phase, epoch, train and validation loss."""
    return pd.DataFrame([{"model": j.model, "fold": j.fold, "arm": j.arm, **h} for j, f in zip(jobs, fitted)
                         for h in f.history])


__all__ = ["ARMS", "ARM_LABELS", "SCORES", "CropSet", "Member", "bag", "best_single", "crop_set", "fuse", "loss_history",
           "crop_lesion_table", "ensemble_scores", "examples", "member_scores", "members", "pool_attention", "train_members",
           "training_arrays"]
