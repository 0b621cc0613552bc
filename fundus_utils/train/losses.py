"""Segmentation and classification losses (all take logits).

* :func:`dice_loss` / :class:`DiceBCELoss` — soft Dice (Milletari et al., V-Net, 3DV
  2016) per sample and channel, the usual companion of BCE for binary and multi-label
  masks (optic disc / cup, vessels).
* :class:`FocalLoss` — binary / multi-label focal loss, Lin et al., "Focal Loss for
  Dense Object Detection", ICCV 2017: ``-alpha_t (1 - p_t)**gamma log(p_t)``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def _match(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Target as float with the logits' shape (adds a channel axis to ``(N, H, W)`` masks)."""
    target = target.to(logits.dtype) if target.dtype != logits.dtype else target
    if target.ndim == logits.ndim - 1:
        target = target.unsqueeze(1)
    if target.shape != logits.shape:
        raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
    return target


def dice_loss(logits: torch.Tensor, target: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """Soft Dice loss ``1 - (2 sum(p t) + s) / (sum(p) + sum(t) + s)`` with ``p = sigmoid(logits)``.

    Computed per sample and channel over the spatial axes, then averaged. ``smooth``
    keeps empty masks finite (an empty prediction of an empty mask scores 0 loss).
    """
    target = _match(logits, target)
    p = torch.sigmoid(logits.float()).flatten(2)
    t = target.float().flatten(2)
    inter = (p * t).sum(-1)
    dice = (2 * inter + smooth) / (p.sum(-1) + t.sum(-1) + smooth)
    return 1 - dice.mean()


class DiceBCELoss(nn.Module):
    """``bce_weight * BCEWithLogits + dice_weight * dice_loss`` for binary / multi-label masks.

    Input logits ``(N, C, H, W)``; target of the same shape (or ``(N, H, W)`` when C=1),
    values in {0, 1} (soft targets allowed).
    """

    def __init__(self, bce_weight: float = 1.0, dice_weight: float = 1.0, smooth: float = 1.0) -> None:
        super().__init__()
        self.bce_weight, self.dice_weight, self.smooth = bce_weight, dice_weight, smooth

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = _match(logits, target)
        bce = F.binary_cross_entropy_with_logits(logits.float(), target.float())
        return self.bce_weight * bce + self.dice_weight * dice_loss(logits, target, self.smooth)

    # fastai hooks: predictions as probabilities, decoded as 0/1 masks
    def activation(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x)

    def decodes(self, x: torch.Tensor) -> torch.Tensor:
        return (x > 0.5).float()


def class_alpha(y: np.ndarray) -> np.ndarray:
    """Per-class alpha of the alpha-balanced focal loss from training frequencies, for multi-label
    labels ``y`` ``(N, K)``: ``alpha_k = 1 - f_k`` with ``f_k`` the share of positives of class k,
    so positives of a rare class weigh nearly 1 and its many negatives nearly 0 (Lin et al.'s
    alpha, set per class from the frequencies; a class without positives weighs its negatives 0:
    it cannot be learnt from these labels, and it no longer pulls the shared features)."""
    y = np.asarray(y, float)
    if y.ndim != 2 or not y.size:
        raise ValueError(f"class_alpha: expected labels (N, K), got shape {y.shape}")
    return (1.0 - y.mean(axis=0)).astype(np.float32)


class FocalLoss(nn.Module):
    """Binary / multi-label focal loss on logits (Lin et al. 2017).

    ``FL = -alpha_t (1 - p_t)**gamma log(p_t)`` elementwise, where ``p_t`` is the
    predicted probability of the true class; ``alpha`` (if given) weights positives by
    ``alpha`` and negatives by ``1 - alpha``: one number, or one per class of the last
    dimension - the class-weighted focal loss of multi-label papers, with the weights from
    the training frequencies (:func:`class_alpha`). With ``gamma=0`` and ``alpha=None`` it is
    binary cross-entropy. ``reduction`` is ``mean``, ``sum`` or ``none``.
    """

    def __init__(self, gamma: float = 2.0, alpha: float | torch.Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"unknown reduction {reduction!r}")
        self.gamma, self.reduction = gamma, reduction
        # a number or one per class: a 0-d or 1-d tensor, broadcast over the last dimension
        self.register_buffer("alpha", None if alpha is None else torch.as_tensor(alpha, dtype=torch.float32))

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logits = logits.float()
        target = target.float().reshape(logits.shape)
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")  # = -log(p_t)
        p_t = torch.exp(-bce)
        loss = (1 - p_t) ** self.gamma * bce
        if self.alpha is not None:
            if self.alpha.ndim and self.alpha.shape != logits.shape[-1:]:
                raise ValueError(f"FocalLoss: {self.alpha.numel()} class alphas for {logits.shape[-1]} classes")
            alpha = self.alpha.to(loss.device)
            loss = (alpha * target + (1 - alpha) * (1 - target)) * loss
        if self.reduction == "mean":
            return loss.mean()
        return loss.sum() if self.reduction == "sum" else loss

    def activation(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x)

    def decodes(self, x: torch.Tensor) -> torch.Tensor:
        return (x > 0.5).float()
