"""Binary segmentation with a U-Net: fit on arrays (whole images or random patches), predict.

Images arrive as float32 ``N x C x H x W`` (already standardised, see
``data.preprocess.standardise``) and masks as bool ``N x H x W``. Training patches are
cut at random positions batch by batch, so a model trained on 128 px patches of 512 px
images sees a new crop of every image each epoch and is applied to whole images
afterwards (the network is fully convolutional).

Optimiser and schedule: :mod:`fundus_utils.train.schedules`.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import update_bn

from ..config import Config
from ..models import create_model
from .learner import make_learner, predict_batches
from .loaders import holdout_dls, random_flips
from .losses import DiceBCELoss


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
                  valid_fraction: float = 0.1, patients: Sequence | None = None, seed: int = 0,
                  progress: bool | None = None, model: nn.Module | None = None, loss_func: Callable | None = None):
    """Train a U-Net with Dice + BCE and a one-cycle schedule; returns the fastai ``Learner``.

    ``model``: the network to train instead of the house U-Net (``width``, ``depth``); ``loss_func``:
    the loss instead of :class:`~fundus_utils.train.losses.DiceBCELoss`.

    ``y``: masks ``N x H x W``, or ``N x C x H x W`` for C labels at once (one output channel each).

    With ``patch``, every training image contributes ``per_image`` random crops to
    its batch. ``valid_fraction`` of the images, whole patients drawn by ``seed``
    (:func:`fundus_utils.train.loaders.holdout_dls`), monitors training (the learner's recorder
    holds the losses); evaluation on held-out data is the caller's business.
    """
    masks = (y[:, None] if y.ndim == 3 else y).astype(np.uint8)  # N x H x W, or N x C x H x W (multi-label)
    dls = holdout_dls(x, masks, patients, valid_fraction, seed, bs=bs, device=cfg.device,
                      augment=random_patches(patch, per_image) if patch else random_flips)
    if model is None:
        model = create_model("unet", in_channels=x.shape[1], out_channels=masks.shape[1], width=width, depth=depth)
    learn = make_learner(dls, model, loss_func or DiceBCELoss(), cfg=cfg, lr=lr, progress=progress)
    learn.fit_one_cycle(epochs, lr)
    return learn


def predict_masks(learn, x: np.ndarray, cfg: Config, bs: int = 8) -> np.ndarray:
    """Per-channel probabilities ``N x C x H x W`` of a trained segmenter (a fastai ``Learner`` or
    its model) on whole images."""
    return predict_batches(getattr(learn, "model", learn), x, bs=bs, device=cfg.device, amp=cfg.amp, channels_last=cfg.channels_last)


def predict_probabilities(learn, x: np.ndarray, cfg: Config, bs: int = 8) -> np.ndarray:
    """Foreground probabilities ``N x H x W`` of a trained (one-channel) segmenter on whole images."""
    return predict_masks(learn, x, cfg, bs)[:, 0]


def recalibrate_batchnorm(model: nn.Module, x: np.ndarray, bs: int = 16) -> None:
    """Recompute every BatchNorm's running statistics on whole pictures ``x`` (uint8), the trained weights unchanged.

    A few dozen steps on patches leave the running averages far from the statistics of whole
    pictures: on the vessel twin's test pictures one U-Net scored Dice 0.22 in eval mode and 0.36
    with batch statistics (seed 0, 120 steps). ``torch.optim.swa_utils.update_bn`` recomputes them
    as a plain average over the pictures ("precise BN", Wu & Johnson, arXiv:2105.07576).
    """
    batches = [torch.from_numpy(x[i:i + bs]).float().div_(255) for i in range(0, len(x), bs)]
    update_bn(batches, model)
    model.eval()
