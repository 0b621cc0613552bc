"""Targets and losses of the four MTL-IO tasks: OD, OC, fovea heatmap, glaucoma.

Pascal et al., Scientific Reports 12:12361 (2022), Methods "Loss functions"; authors' code
https://github.com/robustml-eurecom/glaucoma_mtl (``losses.py``, ``dataset.py``).

From the paper
    * OD and OC segmentation: binary cross-entropy averaged over every pixel.
    * Fovea: the network fits a map that is an isotropic Gaussian centred on the fovea,
      with an L1 loss (the map is not binary); the location is the centre of mass of the
      predicted map.
    * Glaucoma: focal loss (Lin et al. 2017) with gamma = 2.
    * Vanilla MTL minimises the unweighted sum of the task losses.
From the authors' code
    * The Gaussian has variance 50 px^2 on 256x256 inputs and is scaled to peak 1
      (``pdf / max(pdf)``); the L1 loss compares it with the sigmoid of the fovea output.
    * Focal loss with alpha = 1 (no class weighting), mean over the batch.
    * The heads end in a sigmoid and the losses use probabilities; here the heads return
      logits and BCE/focal use the logit forms (same values, numerically safer).
Our reading
    * At other input sizes the Gaussian's variance scales with the squared size
      (``variance_256 * (size / 256)**2``), so the map covers the same part of the eye.
    * Samples whose label is unknown (NaN glaucoma, fovea outside the picture, missing
      masks) do not contribute to that task's loss in that batch.
    * ``seg_loss="bce+dice"`` adds a soft Dice term to the OD/OC losses (not the paper's;
      offered for the low-resolution CPU profile, see the config).

Batches carry two targets: ``seg`` ``(N, 3, H, W)`` float = OD mask, OC mask, fovea map,
and ``aux`` ``(N, 4)`` float = glaucoma label, fovea x, fovea y (pixels of the network
input; NaN when unknown), and a 0/1 flag "this row has masks".
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..data.targets import fovea_heatmap, fovea_variance  # noqa: F401 (re-exported: the chapter's targets)
from ..train.losses import FocalLoss, dice_loss

TASKS = ("glaucoma", "od", "oc", "fovea")
SEG_CHANNEL = {"od": 0, "oc": 1, "fovea": 2}
AUX_GLAUCOMA, AUX_FOVEA_X, AUX_FOVEA_Y, AUX_HAS_MASKS = 0, 1, 2, 3


def _masked_mean(values: torch.Tensor, valid: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over valid samples; a zero that keeps the graph when none is valid."""
    if valid.all():
        return values.mean()
    if not valid.any():
        return like.sum() * 0.0
    return values[valid].mean()


class MultiTaskLoss(nn.Module):
    """Weighted sum of the per-task losses; remembers the last per-task values in ``.last``.

    ``tasks``: the tasks trained (a subset of :data:`TASKS`); ``weights``: per-task weights
    (default 1, the paper's uniform weighting). ``task_loss`` gives one task's loss, which
    the optimisation schemes (MTL-IO, GradNorm, PCGrad) use directly.
    """

    def __init__(self, tasks: Iterable[str] = TASKS, weights: Mapping[str, float] | None = None,
                 focal_gamma: float = 2.0, seg_loss: str = "bce") -> None:
        super().__init__()
        self.tasks = tuple(t for t in TASKS if t in set(tasks))
        if seg_loss not in ("bce", "bce+dice"):
            raise ValueError(f"seg_loss must be 'bce' or 'bce+dice', got {seg_loss!r}")
        self.weights = {t: 1.0 for t in self.tasks} | dict(weights or {})
        self.focal = FocalLoss(gamma=focal_gamma, reduction="none")
        self.seg_loss = seg_loss
        self.last: dict[str, torch.Tensor] = {}

    def task_loss(self, pred: Mapping[str, torch.Tensor], seg: torch.Tensor, aux: torch.Tensor,
                  task: str) -> torch.Tensor:
        """Loss of ``task`` for predictions ``pred`` (dict of logits) and the batch targets."""
        out = pred[task].float()
        if task == "glaucoma":
            label = aux[:, AUX_GLAUCOMA].float()
            valid = torch.isfinite(label)
            per = self.focal(out, torch.nan_to_num(label, nan=0.0))
            return _masked_mean(per, valid, out)
        target = seg[:, SEG_CHANNEL[task]].float().unsqueeze(1)
        if task == "fovea":
            valid = torch.isfinite(aux[:, AUX_FOVEA_X])
            per = (torch.sigmoid(out) - target).abs().flatten(1).mean(1)
            return _masked_mean(per, valid, out)
        valid = aux[:, AUX_HAS_MASKS] > 0.5
        per = F.binary_cross_entropy_with_logits(out, target, reduction="none").flatten(1).mean(1)
        loss = _masked_mean(per, valid, out)
        if self.seg_loss == "bce+dice" and valid.any():
            loss = loss + dice_loss(out[valid], target[valid])
        return loss

    def task_losses(self, pred: Mapping[str, torch.Tensor], seg: torch.Tensor, aux: torch.Tensor,
                    tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        """Per-task losses (dict, in task order), also kept in ``self.last`` (detached)."""
        losses = {t: self.task_loss(pred, seg, aux, t) for t in (tasks or self.tasks)}
        self.last = {t: v.detach() for t, v in losses.items()}
        return losses

    def forward(self, pred: Mapping[str, torch.Tensor], seg: torch.Tensor, aux: torch.Tensor) -> torch.Tensor:
        losses = self.task_losses(pred, seg, aux)
        return sum(self.weights[t] * v for t, v in losses.items())


__all__ = ["MultiTaskLoss", "TASKS", "fovea_heatmap", "fovea_variance"]
