"""Binary segmentation with a U-Net: fit on arrays (whole images or random patches), predict.

Images arrive as float32 ``N x C x H x W`` (already standardised, see
``data.preprocess.standardise``) and masks as bool ``N x H x W``. Training patches are
cut at random positions batch by batch, so a model trained on 128 px patches of 512 px
images sees a new crop of every image each epoch and is applied to whole images
afterwards (the network is fully convolutional).

Optimiser and schedule helpers shared by the REFUGE-ensemble chapter (segmentation, fovea
and classification all go through them, so the chapter has one RAdam and one step decay):

* :func:`radam` - fastai's ``RAdam`` (Liu et al., ICLR 2020) with fastai's defaults
  (``mom=0.9``, ``sqr_mom=0.99``, ``eps=1e-5``, decoupled weight decay);
  :func:`optimizer` maps a setting (``"radam"``, ``"adam"``, ...) to an ``opt_func``;
* :func:`step_lr` - ``lr * factor ** (epoch // every)`` (the paper's x0.1 every 30 epochs);
* :func:`fit_with_schedule` - ``"step"`` (a fastai ``ParamScheduler`` with :func:`step_lr`),
  ``"one_cycle"`` or ``"constant"``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..config import Config
from ..models import create_model
from .learner import make_learner, predict_batches
from .loaders import random_flips, tensor_dls
from .losses import DiceBCELoss


# --------------------------------------------------------------------------- optimiser, schedule
def radam() -> Callable:
    """fastai ``opt_func``: fastai's ``RAdam`` with its default betas (0.9, 0.99) and eps 1e-5.

    The one RAdam of the REFUGE-ensemble chapter (CE-Net / U-Net, the bi-distance U-Net and the
    five classifiers); the paper names RAdam but not its hyper-parameters, so fastai's are used.
    """
    from fastai.optimizer import RAdam

    return RAdam


def optimizer(name: str | Callable) -> str | Callable:
    """``"radam"`` -> :func:`radam`; other names (``"adam"``, ``"adamw"``, ``"sgd"``) or callables go to
    :func:`fundus_utils.train.learner.make_learner` as they are."""
    return radam() if name == "radam" else name


def step_lr(lr: float, epochs: int, every: int = 30, factor: float = 0.1) -> Callable[[float], float]:
    """fastai schedule (function of training progress ``pos`` in [0, 1]): ``lr * factor ** (epoch // every)``."""
    if epochs < 1 or every < 1:
        raise ValueError(f"step_lr: epochs and every must be >= 1, got {epochs}, {every}")

    def sched(pos: float) -> float:
        epoch = min(int(float(pos) * epochs + 1e-9), epochs - 1)
        return lr * factor ** (epoch // every)
    return sched


def fit_with_schedule(learn, epochs: int, lr: float, schedule: str, every: int = 30, factor: float = 0.1) -> None:
    """Train ``learn``: ``"step"`` = the paper's decay (x``factor`` every ``every`` epochs, fastai
    ``ParamScheduler``), ``"one_cycle"`` = fastai's one-cycle policy (short CPU runs), ``"constant"``."""
    from fastai.callback.schedule import ParamScheduler

    if schedule == "step":
        learn.fit(epochs, lr, cbs=ParamScheduler({"lr": step_lr(lr, epochs, every, factor)}))
    elif schedule == "one_cycle":
        learn.fit_one_cycle(epochs, lr)
    elif schedule == "constant":
        learn.fit(epochs, lr)
    else:
        raise ValueError(f"unknown schedule {schedule!r}; choose step, one_cycle or constant")


def random_patches(size: int, per_image: int = 1) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Batch augmentation: ``per_image`` random ``size`` x ``size`` crops per sample (image and mask alike), then flips."""
    def augment(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, w = x.shape[-2:]
        if size < h or size < w:
            n = len(x) * per_image
            rows = torch.arange(len(x)).repeat_interleave(per_image).tolist()
            tops = torch.randint(0, h - size + 1, (n,)).tolist()
            lefts = torch.randint(0, w - size + 1, (n,)).tolist()
            x = torch.stack([x[i, :, t:t + size, l:l + size] for i, t, l in zip(rows, tops, lefts)])
            y = torch.stack([y[i, ..., t:t + size, l:l + size] for i, t, l in zip(rows, tops, lefts)])
        return random_flips(x, y)
    return augment


def fit_segmenter(x: np.ndarray, y: np.ndarray, cfg: Config, epochs: int, width: int = 16, depth: int = 4,
                  lr: float = 3e-3, patch: int | None = None, per_image: int = 1, bs: int = 16,
                  valid_fraction: float = 0.1,
                  progress: bool | None = None):
    """Train a U-Net with Dice + BCE and a one-cycle schedule; returns the fastai ``Learner``.

    With ``patch``, every training image contributes ``per_image`` random crops to
    its batch. The last ``valid_fraction`` of the samples (whole images) monitors training (the learner's recorder
    holds the losses); evaluation on held-out data is the caller's business.
    """
    n_valid = max(1, int(len(x) * valid_fraction))
    masks = y[:, None].astype(np.uint8)
    dls = tensor_dls(x[:-n_valid], masks[:-n_valid], x[-n_valid:], masks[-n_valid:], bs=bs, device=cfg.device,
                     augment=random_patches(patch, per_image) if patch else random_flips, drop_last=True)
    model = create_model("unet", in_channels=x.shape[1], out_channels=1, width=width, depth=depth)
    learn = make_learner(dls, model, DiceBCELoss(), cfg=cfg, lr=lr, progress=progress)
    learn.fit_one_cycle(epochs, lr)
    return learn


def predict_probabilities(learn, x: np.ndarray, cfg: Config, bs: int = 8) -> np.ndarray:
    """Foreground probabilities ``N x H x W`` of a trained segmenter on whole images."""
    return predict_batches(learn.model, x, bs=bs, device=cfg.device, amp=cfg.amp,
                           channels_last=cfg.channels_last)[:, 0]
