"""fastai validation metrics for the multi-task network, one per task and kind.

Used to follow training epoch by epoch (the learning-rate study of Figs. 2-3 of Pascal et
al. 2022 plots each task's best validation metric and minimum validation loss). Final
results are computed after training by :mod:`fundus_utils.mtl_glaucoma.evaluate`, with the
paper's post-processing (largest connected component, vCDR logistic regression); these
monitors use plain thresholded masks and the FC output alone.

* :class:`TaskLoss`  mean validation loss of one task (from ``MultiTaskLoss.last``)
* :class:`TaskScore` ``auc`` (glaucoma FC), ``dice`` (OD or OC, mean per image) or
  ``fovea_px`` (distance between the centre of mass of the predicted map and the fovea)
"""
from __future__ import annotations

import numpy as np
import torch
from fastai.learner import Metric
from sklearn.metrics import roc_auc_score

from ..evaluation import centres_of_mass
from .losses import AUX_FOVEA_X, AUX_FOVEA_Y, AUX_GLAUCOMA, AUX_HAS_MASKS, SEG_CHANNEL


class TaskLoss(Metric):
    """Mean validation loss of ``task`` (weighted by batch size)."""

    def __init__(self, task: str) -> None:
        self.task = task

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def accumulate(self, learn) -> None:
        last = learn.loss_func.last
        if self.task in last:
            bs = len(learn.yb[0])
            self.total += float(last[self.task]) * bs
            self.count += bs

    @property
    def value(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def name(self) -> str:
        return f"loss_{self.task}"


def fovea_from_maps(maps: torch.Tensor) -> torch.Tensor:
    """Centre of mass (x, y) of each non-negative map ``(N, H, W)``; NaN for an all-zero map
    (:func:`fundus_utils.evaluation.centres_of_mass`, on the CPU)."""
    return torch.from_numpy(centres_of_mass(maps.detach().float().cpu().numpy()))


class TaskScore(Metric):
    """Validation score of ``task``: AUC (glaucoma), mean Dice (od/oc) or fovea error in pixels."""

    def __init__(self, task: str) -> None:
        self.task = task

    def reset(self) -> None:
        self.values: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []

    def accumulate(self, learn) -> None:
        pred = learn.pred.get(self.task) if isinstance(learn.pred, dict) else None
        if pred is None:
            return
        seg, aux = learn.yb[0], learn.yb[1]
        pred = pred.detach().float()
        if self.task == "glaucoma":
            lab = aux[:, AUX_GLAUCOMA].float()
            ok = torch.isfinite(lab)
            self.values.append(torch.sigmoid(pred[ok]).cpu().numpy())
            self.labels.append(lab[ok].cpu().numpy())
        elif self.task == "fovea":
            xy = fovea_from_maps(torch.sigmoid(pred[:, 0]))
            ref = aux[:, [AUX_FOVEA_X, AUX_FOVEA_Y]].float()
            err = (xy - ref).norm(dim=1)
            self.values.append(err[torch.isfinite(err)].cpu().numpy())
        else:
            ok = aux[:, AUX_HAS_MASKS] > 0.5
            p = (pred[ok, 0] > 0).float().flatten(1)
            t = (seg[ok, SEG_CHANNEL[self.task]] > 0.5).float().flatten(1)
            total = p.sum(1) + t.sum(1)
            dice = torch.where(total > 0, 2 * (p * t).sum(1) / total.clamp(min=1), torch.ones_like(total))
            self.values.append(dice.cpu().numpy())

    @property
    def value(self) -> float | None:
        if not self.values:
            return None
        v = np.concatenate(self.values)
        if self.task == "glaucoma":
            y = np.concatenate(self.labels)
            return float(roc_auc_score(y, v)) if len(np.unique(y)) == 2 else None
        return float(v.mean()) if len(v) else None

    @property
    def name(self) -> str:
        return {"glaucoma": "auc", "od": "dice_od", "oc": "dice_oc", "fovea": "fovea_px"}[self.task]


def task_metrics(tasks, scores: bool = True) -> list[Metric]:
    """Per-task validation losses (and scores) for a multi-task learner."""
    mets: list[Metric] = [TaskLoss(t) for t in tasks]
    if scores:
        mets += [TaskScore(t) for t in tasks]
    return mets


__all__ = ["TaskLoss", "TaskScore", "fovea_from_maps", "task_metrics"]
