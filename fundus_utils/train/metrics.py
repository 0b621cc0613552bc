"""fastai metrics on logits for segmentation.

:class:`DiceMetric` accumulates intersections and sums over the whole validation set
(a dataset-level Dice, like fastai's ``Dice``) for sigmoid outputs with any number of
channels; :func:`dice_per_sample` is the mean of per-image Dice scores, usable as an
``AvgMetric``-style function (fastai averages it over batches weighted by batch size).
"""
from __future__ import annotations

import math

import torch
from fastai.learner import Metric


def _binarise(logits: torch.Tensor, target: torch.Tensor, threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    if target.ndim == logits.ndim - 1:
        target = target.unsqueeze(1)
    pred = (logits.float() > math.log(threshold / (1 - threshold))).float()  # sigmoid(x) > t  <=>  x > logit(t)
    return pred, (target.float() > 0.5).float()


def dice_per_sample(logits: torch.Tensor, target: torch.Tensor, threshold: float = 0.5, eps: float = 1e-7) -> torch.Tensor:
    """Mean over samples and channels of the hard Dice of ``sigmoid(logits) > threshold``.

    A sample whose mask and prediction are both empty scores 1.
    """
    pred, t = _binarise(logits, target, threshold)
    inter = (pred * t).flatten(2).sum(-1)
    total = pred.flatten(2).sum(-1) + t.flatten(2).sum(-1)
    dice = torch.where(total > 0, 2 * inter / (total + eps), torch.ones_like(total))
    return dice.mean()


class DiceMetric(Metric):
    """Dataset-level hard Dice on logits, one score over all pixels of the validation set.

    ``channel`` selects one output channel (e.g. the cup of an OD/OC model); ``None``
    pools all channels. Use one instance per channel for a per-structure table.
    """

    def __init__(self, channel: int | None = None, threshold: float = 0.5, name: str | None = None) -> None:
        self.channel, self.threshold = channel, threshold
        self._name = name or ("dice" if channel is None else f"dice_{channel}")

    def reset(self) -> None:
        self.inter, self.total = 0.0, 0.0

    def accumulate(self, learn) -> None:
        pred, t = _binarise(learn.pred, learn.yb[0], self.threshold)
        if self.channel is not None:
            pred, t = pred[:, self.channel], t[:, self.channel]
        # Tensors, not floats: no device synchronisation per batch.
        self.inter = self.inter + (pred * t).sum()
        self.total = self.total + pred.sum() + t.sum()

    @property
    def value(self) -> float | None:
        total = float(self.total)
        return 2 * float(self.inter) / total if total > 0 else None

    @property
    def name(self) -> str:
        return self._name
