"""Train one base model (VGG or ResNet50 with a GAP head) on multi-label fundus images.

The paper (Section 3.4, Table 2's setup): ImageNet weights, a first phase with the
convolutional base frozen - Adam, lr 1e-4 reduced by 0.1 when the validation loss stops
improving (patience 8), down to 1e-7 - then the whole network fine-tuned with early stopping
(patience 20) keeping the model of the lowest validation loss; a focal loss (gamma 2) weighted
by class from the training frequencies; random brightness, contrast, gamma,
saturation, crop, rotation and horizontal flips. Here that is a fastai ``Learner``: its
``splitter`` puts the trunk and the head in two parameter groups, so ``freeze()`` is the
frozen phase; fastai's ``ReduceLROnPlateau`` and ``EarlyStoppingCallback``; the shared
:class:`~fundus_utils.train.checkpoint.BestCheckpoint` keeps the best state in memory;
:class:`~fundus_utils.train.losses.FocalLoss` with :func:`~fundus_utils.train.losses.class_alpha`.
The augmentations are fastai's batch transforms (``Brightness``, ``Contrast``,
``Saturation``, ``RandomResizedCropGPU``, ``Rotate``, ``Flip``) and torchvision's
``adjust_gamma`` (fastai has no gamma transform), applied per image on the device.

Ours where the paper is silent: the class weighting is the focal loss's own alpha set per class,
``alpha_k = 1 - f_k`` (positives of a rare class weigh nearly 1, its negatives nearly 0). The
other reading, a multiplier ``mean(n) / n_k`` on every term of class k, left a narrow VGG at chance
even on its training images (mean AUC over the scorable classes: training images 0.47, test
0.50, against test 0.58 with the alpha form; 387 twin images at 64 px, the paper's
augmentations, 10 epochs; measured while this module was written): the rare classes' many
negatives, multiplied up, dominated the loss. Also ours: the fine-tuning lr (``finetune.lr``),
the augmentation ranges and the phases' epoch caps. ``smoke`` trains from scratch (no frozen phase: a random
trunk has nothing to keep) with a one-cycle schedule, since plateaus need more epochs than a
CPU minute holds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ..data.arrays import channels_first
from ..models import create_model
from ..seed import seed_everything
from ..train import FocalLoss, class_alpha, make_learner, predict_batches, tensor_dls
from ..train.checkpoint import BestCheckpoint
from ..train.schedules import fit_with_schedule
from .data import Arrays


def paper_augment(settings: dict, size: int) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """The paper's training augmentations as a batch callable ``(x, y) -> (x, y)`` on [0, 1] images."""
    from fastai.torch_core import TensorImage
    from fastai.vision.augment import Brightness, Contrast, Flip, RandomResizedCropGPU, Rotate, Saturation
    from torchvision.transforms.v2 import functional as TF

    tfms = [Brightness(max_lighting=settings["brightness"]), Contrast(max_lighting=settings["contrast"]),
            Saturation(max_lighting=settings["saturation"]),
            RandomResizedCropGPU(size, min_scale=settings["crop"][0], max_scale=settings["crop"][1], ratio=(1, 1)),
            Rotate(max_deg=settings["rotation"], p=0.5)]
    if settings["hflip"]:
        tfms.append(Flip(p=0.5))
    lo, hi = settings["gamma"]

    def augment(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = TensorImage(x)
        for t in tfms:
            out = t(out, split_idx=0)
        gammas = torch.empty(len(out)).uniform_(lo, hi).tolist()
        out = torch.stack([TF.adjust_gamma(img.clamp(0, 1), g) for img, g in zip(torch.Tensor(out), gammas)])
        return out, y

    return augment


@dataclass
class Fitted:
    """A trained base model and how its training went."""

    model: torch.nn.Module
    backbone: str
    history: list[dict] = field(default_factory=list)   # per epoch: phase, train_loss, valid_loss
    best_epoch: int = -1
    train_s: float = 0.0


def fit(backbone: str, train: Arrays, valid: Arrays, cfg, seed: int = 0, progress: bool | None = None,
        epoch_scale: float = 1.0) -> Fitted:
    """Train ``backbone`` (a timm name) on ``train``, select on ``valid``'s loss; see the module docstring.

    ``epoch_scale`` multiplies each phase's epoch cap (at least 1 epoch): a larger training set
    then takes the same number of optimiser steps (stage 2's ``equal_steps``)."""
    if not len(valid):
        raise ValueError("fit: the validation rows select the checkpoint and stop training; got none")
    seed_everything(seed)
    dls = tensor_dls(channels_first(train.x), train.y, channels_first(valid.x), valid.y, bs=int(cfg.bs),
                     device=cfg.device, augment=paper_augment(cfg.augment, cfg.image_size),
                     num_workers=cfg.num_workers, drop_last=len(train) > cfg.bs)
    model = create_model("gap_classifier", backbone=backbone, num_classes=train.y.shape[1], pretrained=cfg.pretrained)
    loss = FocalLoss(gamma=cfg.focal_gamma, alpha=torch.from_numpy(class_alpha(train.y)))
    learn = make_learner(dls, model, loss, cfg=cfg,
                         opt="adam", progress=progress,
                         splitter=lambda m: [list(m.trunk.parameters()), m.head_parameters()])
    from fastai.callback.tracker import EarlyStoppingCallback, ReduceLROnPlateau

    t0, history = time.perf_counter(), []
    phases = []
    if cfg.pretrained and cfg.frozen["epochs"] > 0:
        f = cfg.frozen
        phases.append(("frozen", _scaled(f["epochs"], epoch_scale), f["lr"], "constant",
                       [ReduceLROnPlateau(monitor="valid_loss", patience=f["patience"], factor=f["factor"],
                                          min_lr=f["min_lr"])]))
    ft = cfg.finetune
    phases.append(("finetune", _scaled(ft["epochs"], epoch_scale), ft["lr"], ft["schedule"],
                   [EarlyStoppingCallback(monitor="valid_loss", patience=ft["patience"])]))
    for name, epochs, lr, schedule, cbs in phases:
        best = BestCheckpoint(every=1)          # each phase ends on its own best state
        learn.freeze() if name == "frozen" else learn.unfreeze()
        learn.add_cbs([best, *cbs])
        try:
            fit_with_schedule(learn, int(epochs), float(lr), schedule)
        finally:
            learn.remove_cbs([best, *cbs])
        history += [{"phase": name, "epoch": i + 1, "train_loss": float(v[0]), "valid_loss": float(v[1])}
                    for i, v in enumerate(learn.recorder.values)]
    return Fitted(learn.model.eval(), backbone, history, best.best_epoch, time.perf_counter() - t0)


def _scaled(epochs: int, scale: float) -> int:
    if not 0 < scale <= 1:
        raise ValueError(f"epoch_scale must be in (0, 1], got {scale}")
    return max(1, round(int(epochs) * scale))


def predict(model: torch.nn.Module, x: np.ndarray, cfg, bs: int = 64) -> np.ndarray:
    """Sigmoid probabilities ``N x K`` for uint8 images ``N x H x W x 3``."""
    return predict_batches(model, channels_first(x), bs=bs, device=cfg.device, channels_last=cfg.channels_last,
                           amp=cfg.amp).astype(np.float64)


__all__ = ["Fitted", "fit", "paper_augment", "predict"]
