"""Train one optimisation scheme on :class:`~fundus_utils.mtl_glaucoma.data.TaskArrays`.

:func:`fit_scheme` builds the network(s) of a scheme (one :class:`MTLUNet` with every task
for the MTL schemes; one single-task network per task for STL), a fastai learner per
network with the scheme's callback and optimizer (:mod:`fundus_utils.mtl_glaucoma.schemes`),
and trains with the profile's settings. Paper / code settings (full profile): Adam, lr
1e-4 held constant, batch size 8 with the last ragged batch dropped, 300 epochs, no data
augmentation. Smaller profiles use a one-cycle schedule and flips to learn in a few
epochs (set in ``fundus_utils.config``).

Checkpoint selection follows the authors' ``train.py`` and ``saver.py`` (the paper is
silent): every ``eval_interval`` epochs (5 in the code) the networks are scored on the
validation split and the best state is kept - for the multi-task schemes the one with the
lowest summed validation loss, for each STL network the one with the best validation
metric of its task (AUC of the FC head for glaucoma, Dice for OD and OC, the fovea error
for the fovea). The code evaluates its ``best_error_weights`` (it never writes a
``last_checkpoint``). Here :class:`BestCheckpoint` is a fastai callback that cancels
fastai's validation on the other epochs, validates after the last epoch too, and loads
the best state after training; the last epoch's state is kept beside it
(:attr:`FittedScheme.last_states`) so that a notebook can show what the selection changed.
Which images validate is the caller's choice (:func:`fundus_utils.mtl_glaucoma.cv.validation_part`:
a patient-level split of the training rows, never the test split). Without validation
images the last epoch's weights are kept.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from fastai.callback.core import Callback, CancelValidException
from fastai.callback.fp16 import MixedPrecision
from torch import nn

from ..models.mtl_unet import MTLUNet, count_parameters
from ..models.res_unet import Res34UNet
from ..seed import seed_everything
from ..train import make_learner, predict_batches, random_flips, tensor_dls
from ..train.checkpoint import BestCheckpoint
from ..train.schedules import fit_with_schedule
from .data import TaskArrays
from .losses import MultiTaskLoss
from .metrics import task_metrics
from .schemes import SCHEMES, GradNorm, scheme_callback, scheme_opt_func


class SkipValidation(Callback):
    """Skip fastai's per-epoch validation (results are computed after training)."""

    order = 0

    def before_validate(self) -> None:
        raise CancelValidException


#: STL networks: the validation metric the authors' saver selects each task's checkpoint by.
STL_MONITOR = {"glaucoma": ("auc", True), "od": ("dice_od", True), "oc": ("dice_oc", True),
               "fovea": ("fovea_px", False)}


ARCHS = ("mtl_unet", "res34_unet", "unet")


class PlainUNet(nn.Module):
    """The repository's plain U-Net (:class:`fundus_utils.models.unet.UNet`, Ronneberger et al.
    2015), two output channels (OD, OC), behind the multi-task interface the schemes use.

    The real-data check's baseline (notebook 07): trained by the same driver, on the same
    images, schedule, epochs and checkpoint selection as MTL-IO, from scratch.
    """

    tasks = ("od", "oc")

    def __init__(self, width: int = 16, depth: int = 4) -> None:
        super().__init__()
        from ..models.unet import UNet

        self.net = UNet(3, 2, width=width, depth=depth)

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        y = self.net(x)
        return {t: y[:, k:k + 1] for k, t in enumerate(self.tasks) if t in (tasks or self.tasks)}

    def shared_parameters(self) -> list[nn.Parameter]:
        return list(self.net.parameters())

    def task_parameters(self, task: str) -> list[nn.Parameter]:
        return self.shared_parameters()


def build_model(arch: str, tasks: Sequence[str], cfg) -> nn.Module:
    """A fresh network: the MTL-IO U-Net with heads for ``tasks``, the Res34-UNet baseline
    (OD, OC) or the plain U-Net baseline (OD, OC; width ``cfg.unet_width``)."""
    if arch == "unet":
        return PlainUNet(width=cfg.unet_width)
    if arch == "mtl_unet":
        return MTLUNet(tasks=tasks, width=cfg.width, dropout=cfg.dropout,
                       bn_batch_stats=bool(cfg.settings.get("bn_batch_stats", False)))
    if arch == "res34_unet":
        return Res34UNet(width=cfg.resunet_width)
    raise ValueError(f"unknown arch {arch!r}; choose one of {ARCHS}")


@dataclass
class FittedScheme:
    """The trained network(s) of one scheme: ``models[i]`` predicts ``tasks[i]``."""

    scheme: str
    models: list[nn.Module]
    tasks: list[tuple[str, ...]]
    history: list[dict] = field(default_factory=list)   # per network: recorder values per epoch
    train_s: float = 0.0
    gradnorm_weights: list[list[float]] | None = None
    arch: str = "mtl_unet"
    train_cpu_s: float = 0.0   # process CPU time (all threads) spent training: load-independent
    checkpoints: list[dict] | None = None   # per network: BestCheckpoint.summary() (None: last epoch kept)
    last_states: list[dict] | None = None   # per network: the last epoch's state_dict (CPU)

    @property
    def n_params(self) -> int:
        return sum(count_parameters(m) for m in self.models)


def scheme_tasks(scheme: str, tasks: Sequence[str]) -> list[tuple[str, ...]]:
    """Task sets of the networks of ``scheme``: one per task for STL, one with all tasks otherwise."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    return [(t,) for t in tasks] if scheme == "stl" else [tuple(tasks)]


def checkpoint_monitor(scheme: str, tasks: Sequence[str]) -> tuple[str, bool]:
    """``(recorder name, higher is better)`` the authors' saver selects a checkpoint by."""
    if scheme == "stl" and len(tasks) == 1:
        return STL_MONITOR[tasks[0]]
    return "valid_loss", False


def build_learner(scheme: str, model: nn.Module, tasks: Sequence[str], train: TaskArrays,
                  valid: TaskArrays | None, cfg, lr: float, validate: bool = False, checkpoint: bool = False,
                  seed: int = 0):
    """fastai learner for ``model`` trained with ``scheme`` on ``train``.

    ``validate``: fastai validates on ``valid`` after every epoch with per-task losses and
    scores (the learning-rate study). ``checkpoint``: :class:`BestCheckpoint` validates on
    ``valid`` every ``cfg.checkpoint["eval_interval"]`` epochs and keeps the best state.
    Otherwise fastai's validation is skipped. ``seed`` seeds PCGrad's random task order.
    """
    checkpoint = checkpoint and valid is not None and len(valid) > 0
    valid = valid if valid is not None and len(valid) else train.subset(np.arange(min(len(train), cfg.batch_size)))
    dls = tensor_dls(train.x, (train.seg, train.aux), valid.x, (valid.seg, valid.aux), bs=cfg.batch_size,
                     device=cfg.device, augment=random_flips if cfg.augment else None, drop_last=True,
                     valid_bs=cfg.batch_size * 2)
    dls.n_inp = 1  # batches are (x, seg, aux): one input, two targets
    loss = MultiTaskLoss(tasks, focal_gamma=cfg.focal_gamma, seg_loss=cfg.seg_loss)
    cb_scheme = "vanilla" if scheme == "stl" else scheme
    kwargs = {"amp": cfg.amp}
    if scheme == "gradnorm":
        kwargs["alpha"] = cfg.gradnorm_alpha
    if scheme == "pcgrad":
        kwargs["seed"] = seed
    cbs = [scheme_callback(cb_scheme, **kwargs)]
    metrics = task_metrics(tasks) if validate else []
    if checkpoint and not validate:
        monitor, higher = checkpoint_monitor(scheme, tasks)
        cbs.append(BestCheckpoint(cfg.checkpoint["eval_interval"], monitor, higher))
        metrics = task_metrics(tasks, scores=monitor != "valid_loss")
        metrics = [m for m in metrics if m.name == monitor] if monitor != "valid_loss" else []
    elif not validate:
        cbs.append(SkipValidation())
    opt = scheme_opt_func(cb_scheme, model, tasks)
    learn = make_learner(dls, model, loss, cfg, metrics=metrics, lr=lr, opt=opt, cbs=cbs, progress=False)
    learn.remove_cbs(MixedPrecision)  # the scheme callbacks handle autocast themselves
    return learn


def fit_scheme(scheme: str, train: TaskArrays, cfg, tasks: Sequence[str], valid: TaskArrays | None = None,
               lr: float | None = None, epochs: int | None = None, seed: int = 0, validate: bool = False,
               init: Callable[[nn.Module], None] | None = None, arch: str = "mtl_unet",
               checkpoint: bool = True) -> FittedScheme:
    """Train ``scheme`` (one of ``stl``, ``vanilla``, ``mtl_io``, ``gradnorm``, ``pcgrad``).

    ``tasks``: the tasks to learn (those the training data carry). ``validate``: run
    fastai's per-epoch validation on ``valid`` with per-task losses and scores (for the
    learning-rate study, last epoch kept). Otherwise, with ``checkpoint`` and validation
    images, the authors' checkpoint selection (module docstring); without them the last
    epoch. ``seed`` seeds everything random in training (initialisation, batch order,
    dropout, PCGrad's task order). ``init(model)`` may initialise a new network (e.g. load
    a pretrained encoder). ``arch="res34_unet"`` trains the Table 2 segmentation baseline
    instead (OD and OC tasks only; it is selected by its summed validation loss).
    """
    lr = lr or cfg.lr
    epochs = epochs or cfg.epochs
    models, histories, gn, ckpts, lasts = [], [], None, [], []
    t0, c0 = time.perf_counter(), time.process_time()
    for i, group in enumerate(scheme_tasks(scheme, tasks)):
        seed_everything(seed * 1000 + i)
        model = build_model(arch, group, cfg)
        if init is not None:
            init(model)
        learn = build_learner(scheme, model, group, train, valid, cfg, lr, validate, checkpoint, seed=seed * 1000 + i)
        fit_with_schedule(learn, epochs, lr, cfg.schedule, pct_start=cfg.pct_start)
        names = list(learn.recorder.metric_names[1:-1])
        histories.append({"tasks": group, "names": names, "values": [list(v) for v in learn.recorder.values]})
        if scheme == "gradnorm":
            gn = next(cb for cb in learn.cbs if isinstance(cb, GradNorm)).history
        best = next((cb for cb in learn.cbs if isinstance(cb, BestCheckpoint)), None)
        ckpts.append(best.summary() if best is not None else None)
        lasts.append(best.last_state if best is not None else None)
        learn.remove_cbs(learn.cbs.filter(lambda c: isinstance(c, (SkipValidation, BestCheckpoint))))
        models.append(learn.model.eval())
    selected = any(c is not None for c in ckpts)
    return FittedScheme(scheme, models, [tuple(g) for g in scheme_tasks(scheme, tasks)], histories,
                        time.perf_counter() - t0, gn, arch, time.process_time() - c0,
                        ckpts if selected else None, lasts if selected else None)


@torch.no_grad()
def predict(fitted: FittedScheme, x: np.ndarray, cfg, bs: int | None = None) -> dict[str, np.ndarray]:
    """Probabilities per task: ``glaucoma`` (N,), ``od``/``oc``/``fovea`` (N, H, W).

    Networks with batch-statistics BatchNorm predict one image per batch (the code's test
    batch size), so a prediction never depends on the other images of its batch.
    """
    batch_stats = any(getattr(m, "bn_batch_stats", False) for m in fitted.models)
    bs = 1 if batch_stats else (bs or cfg.batch_size * 4)  # batch statistics: one image per batch, as the code tests
    out: dict[str, np.ndarray] = {}
    for model, tasks in zip(fitted.models, fitted.tasks):
        pred = predict_batches(model.eval(), x, bs=bs, device=cfg.device, channels_last=cfg.channels_last,
                               amp=cfg.amp and str(cfg.device).startswith("cuda"), forward_kwargs={"tasks": tasks})
        out.update({t: v[:, 0] if v.ndim == 4 else v for t, v in pred.items()})
    return out


def with_last_states(fitted: FittedScheme, cfg) -> FittedScheme | None:
    """The same scheme with each network's last-epoch weights (None without checkpoint selection)."""
    if not fitted.last_states:
        return None
    models = []
    for m, tasks, sd in zip(fitted.models, fitted.tasks, fitted.last_states):
        if sd is None:
            models.append(m)
            continue
        fresh = build_model(fitted.arch, tasks, cfg)
        fresh.load_state_dict(sd)
        models.append(fresh.eval().to(torch.device(cfg.device)))
    return FittedScheme(fitted.scheme, models, fitted.tasks, fitted.history, fitted.train_s, fitted.gradnorm_weights,
                        fitted.arch, fitted.train_cpu_s)


__all__ = ["ARCHS", "BestCheckpoint", "FittedScheme", "PlainUNet", "STL_MONITOR", "SkipValidation", "build_learner", "build_model",
           "checkpoint_monitor", "fit_scheme", "predict", "scheme_tasks", "with_last_states"]
