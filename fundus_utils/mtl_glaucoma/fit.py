"""Train one optimisation scheme on :class:`~fundus_utils.mtl_glaucoma.data.TaskArrays`.

:func:`fit_scheme` builds the network(s) of a scheme (one :class:`MTLUNet` with every task
for the MTL schemes; one single-task network per task for STL), a fastai learner per
network with the scheme's callback and optimizer (:mod:`fundus_utils.train.mtl_schemes`),
and trains with the profile's settings. Paper / code settings (full profile): Adam, lr
1e-4 held constant, batch size 8 with the last ragged batch dropped, 300 epochs, no data
augmentation, the last epoch's weights (the code's ``eval.py`` reloads
``last_checkpoint``). Smaller profiles use a one-cycle schedule and flips to learn in a
few epochs (set in ``fundus_utils.config``).
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
from ..train import make_learner, random_flips, tensor_dls
from ..train.mtl_schemes import SCHEMES, GradNorm, scheme_callback, scheme_opt_func
from ..train.multitask_losses import MultiTaskLoss
from ..train.multitask_metrics import task_metrics
from .data import TaskArrays


class SkipValidation(Callback):
    """Skip fastai's per-epoch validation (results are computed after training)."""

    order = 0

    def before_validate(self) -> None:
        raise CancelValidException


ARCHS = ("mtl_unet", "res34_unet")


def build_model(arch: str, tasks: Sequence[str], cfg) -> nn.Module:
    """A fresh network: the MTL-IO U-Net with heads for ``tasks``, or the Res34-UNet baseline (OD, OC)."""
    if arch == "mtl_unet":
        return MTLUNet(tasks=tasks, width=cfg.width, dropout=cfg.dropout)
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

    @property
    def n_params(self) -> int:
        return sum(count_parameters(m) for m in self.models)


def scheme_tasks(scheme: str, tasks: Sequence[str]) -> list[tuple[str, ...]]:
    """Task sets of the networks of ``scheme``: one per task for STL, one with all tasks otherwise."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    return [(t,) for t in tasks] if scheme == "stl" else [tuple(tasks)]


def build_learner(scheme: str, model: nn.Module, tasks: Sequence[str], train: TaskArrays,
                  valid: TaskArrays | None, cfg, lr: float, validate: bool = False):
    """fastai learner for ``model`` trained with ``scheme`` on ``train`` (``valid`` for monitoring)."""
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
        kwargs["seed"] = cfg.seed
    cbs = [scheme_callback(cb_scheme, **kwargs)] + ([] if validate else [SkipValidation()])
    opt = scheme_opt_func(cb_scheme, model, tasks)
    learn = make_learner(dls, model, loss, cfg, metrics=task_metrics(tasks) if validate else [], lr=lr, opt=opt,
                         cbs=cbs, progress=False)
    learn.remove_cbs(MixedPrecision)  # the scheme callbacks handle autocast themselves
    return learn


def fit_scheme(scheme: str, train: TaskArrays, cfg, tasks: Sequence[str], valid: TaskArrays | None = None,
               lr: float | None = None, epochs: int | None = None, seed: int = 0, validate: bool = False,
               init: Callable[[nn.Module], None] | None = None, arch: str = "mtl_unet") -> FittedScheme:
    """Train ``scheme`` (one of ``stl``, ``vanilla``, ``mtl_io``, ``gradnorm``, ``pcgrad``).

    ``tasks``: the tasks to learn (those the training data carry). ``validate``: run
    fastai's per-epoch validation on ``valid`` with per-task losses and scores (for the
    learning-rate study); otherwise training only. ``init(model)`` may initialise a new
    network (e.g. load a pretrained encoder). ``arch="res34_unet"`` trains the Table 2
    segmentation baseline instead (OD and OC tasks only).
    """
    lr = lr or cfg.lr
    epochs = epochs or cfg.epochs
    models, histories, gn = [], [], None
    t0, c0 = time.perf_counter(), time.process_time()
    for i, group in enumerate(scheme_tasks(scheme, tasks)):
        seed_everything(seed * 1000 + i)
        model = build_model(arch, group, cfg)
        if init is not None:
            init(model)
        learn = build_learner(scheme, model, group, train, valid, cfg, lr, validate)
        if cfg.schedule == "one_cycle":
            learn.fit_one_cycle(epochs, lr, pct_start=cfg.pct_start)
        else:
            learn.fit(epochs, lr)
        names = list(learn.recorder.metric_names[1:-1])
        histories.append({"tasks": group, "names": names, "values": [list(v) for v in learn.recorder.values]})
        if scheme == "gradnorm":
            gn = next(cb for cb in learn.cbs if isinstance(cb, GradNorm)).history
        learn.remove_cbs(learn.cbs.filter(lambda c: isinstance(c, SkipValidation)))
        models.append(learn.model.eval())
    return FittedScheme(scheme, models, [tuple(g) for g in scheme_tasks(scheme, tasks)], histories,
                        time.perf_counter() - t0, gn, arch, time.process_time() - c0)


@torch.no_grad()
def predict(fitted: FittedScheme, x: np.ndarray, cfg, bs: int | None = None) -> dict[str, np.ndarray]:
    """Probabilities per task: ``glaucoma`` (N,), ``od``/``oc``/``fovea`` (N, H, W)."""
    device = torch.device(cfg.device)
    bs = bs or cfg.batch_size * 4
    out: dict[str, list[np.ndarray]] = {}
    dtype = torch.bfloat16 if device.type == "cuda" and cfg.amp and torch.cuda.is_bf16_supported() else torch.float16
    for model, tasks in zip(fitted.models, fitted.tasks):
        model.eval().to(device)
        for i in range(0, len(x), bs):
            xb = torch.from_numpy(np.ascontiguousarray(x[i:i + bs])).to(device).float().div_(255)
            if cfg.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=dtype, enabled=device.type == "cuda" and cfg.amp):
                pred = model(xb, tasks=tasks)
            for t, v in pred.items():
                v = torch.sigmoid(v.float())
                out.setdefault(t, []).append((v[:, 0] if v.ndim == 4 else v).cpu().numpy())
    return {t: np.concatenate(v) for t, v in out.items()}


__all__ = ["ARCHS", "FittedScheme", "build_model", "SkipValidation", "build_learner", "fit_scheme", "predict", "scheme_tasks"]
