"""fastai ``Learner`` construction with the book's defaults, and array inference.

:func:`make_learner` is the one place that turns a :class:`~fundus_utils.config.Config`
into training settings: device, mixed precision (bf16 where the GPU supports it, else
fp16 with a gradient scaler; CUDA only), channels_last memory format, optimizer, and
quiet progress reporting for batch runs (papermill / nbval): ``progress=False`` or the
environment variable ``FUNDUS_PROGRESS=0`` replaces fastai's progress bars and per-epoch
table by one line per epoch on the process's stderr (the runner's log, not the notebook:
:func:`epoch_logger`); the history stays in ``learn.recorder.values``. Everything fastai
offers (``fit_one_cycle``, ``lr_find``, callbacks, ``get_preds``) works unchanged.

Optimizers are PyTorch's own (wrapped by fastai's ``OptimWrapper``, so fastai's
schedules still drive lr and momentum): on CUDA they use multi-tensor (``foreach``)
kernels, a handful of launches per step, where fastai's ``Adam`` runs its stepper
functions parameter by parameter in Python (several kernels per parameter tensor).
Pass ``opt=fastai.optimizer.Adam`` for fastai's own.
"""
from __future__ import annotations

import contextlib
import os
import sys
from functools import partial
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
from fastai.callback.core import Callback
from fastai.callback.fp16 import AMPMode, MixedPrecision
from fastai.callback.progress import ProgressCallback
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.optimizer import OptimWrapper
from torch import nn

from ..config import Config
from ..progress import progress_enabled

OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": partial(torch.optim.SGD, momentum=0.9),
}


def opt_func(name: str | Callable, **kwargs: Any) -> Callable:
    """fastai ``opt_func`` for a PyTorch optimizer name (``adam``, ``adamw``, ``sgd``) or a callable.

    A callable is returned as is (fastai optimizers such as ``fastai.optimizer.Adam``,
    or an already-partial ``OptimWrapper``).
    """
    if callable(name):
        return name
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)} or pass a callable")
    return partial(OptimWrapper, opt=partial(OPTIMIZERS[name], **kwargs))


def amp_mode(device: torch.device) -> AMPMode | None:
    """bf16 on GPUs that support it (no gradient scaler, no host sync per step), else fp16; none on CPU."""
    if device.type != "cuda":
        return None
    return AMPMode.BF16 if torch.cuda.is_bf16_supported() else AMPMode.FP16


_LABELS: list[str] = []  # what is being fitted, innermost last (see :func:`fitting`)


@contextlib.contextmanager
def fitting(label: str) -> Iterator[None]:
    """Name the fits inside the block in their epoch lines (``[Vanilla MTL fold0] epoch 3 ...``):
    side-by-side runs write to one log."""
    _LABELS.append(label)
    try:
        yield
    finally:
        _LABELS.pop()


def epoch_line(names: Sequence[str], values: Sequence[Any]) -> str:
    """``epoch 3  train_loss 0.412  valid_loss 0.398  dice 0.81  time 00:02`` from a recorder row.

    An epoch without validation (a fit that validates every few epochs) has fewer values than
    names: fastai's row is then the epoch, the training loss and the time, and is named so.
    """
    if len(values) < len(names):
        names = [*names[:len(values) - 1], names[-1]]
    parts = [f"{name} {v:.4g}" if isinstance(v, float) else f"{name} {v}"
             for name, v in zip(names, values) if v is not None]
    prefix = f"[{' / '.join(_LABELS)}] " if _LABELS else ""
    return prefix + "  ".join(parts)


def epoch_logger(learn: Learner) -> Callable[[Sequence[Any]], None]:
    """fastai ``logger`` for batch runs: one :func:`epoch_line` per epoch.

    The line is appended to ``$FUNDUS_LOG`` when it is set - the runner sets it to the
    notebook's log, ``executed/logs/<chapter>__<notebook>.log``, so a long fit shows its
    progress there while the executed notebook and the book stay clean - and goes to stderr
    otherwise.
    """
    def log(values: Sequence[Any]) -> None:
        line = epoch_line(list(learn.recorder.metric_names), list(values))
        path = os.environ.get("FUNDUS_LOG")
        if path:
            with open(path, "a") as fh:   # O_APPEND: whole lines, beside the runner's own output
                fh.write(line + "\n")
        else:
            print(line, file=sys.stderr, flush=True)
    return log


def set_progress(learn: Learner, progress: bool) -> Learner:
    """fastai's progress bar and per-epoch table (interactive), or one log line per epoch (batch runs)."""
    has = any(isinstance(cb, ProgressCallback) for cb in learn.cbs)
    if progress and not has:
        learn.add_cb(ProgressCallback())
        learn.logger = print
    elif not progress:
        if has:
            learn.remove_cbs(ProgressCallback)
        learn.logger = epoch_logger(learn)
    return learn


def make_learner(dls: DataLoaders, model: nn.Module, loss_func: Callable, cfg: Config | None = None,
                 metrics: Sequence[Callable] | Callable = (), lr: float = 1e-3, opt: str | Callable = "adam",
                 cbs: Iterable[Callback] = (), progress: bool | None = None, wd: float | None = None,
                 **learner_kwargs: Any) -> Learner:
    """A fastai ``Learner`` set up from ``cfg`` (device, ``amp``, ``channels_last``).

    Without ``cfg`` the device is ``dls.device`` and AMP / channels_last are off. The
    model and the loaders are moved to the device. ``cfg.amp`` has effect on CUDA only
    (fastai's ``MixedPrecision`` autocasts CUDA). ``wd`` is the weight decay (``None``:
    the optimizer's default). Extra keyword arguments go to ``Learner``.
    """
    device = torch.device(cfg.device if cfg is not None else (dls.device or "cpu"))
    if dls.device is None or torch.device(dls.device) != device:
        dls.to(device)
    model = model.to(device)
    channels_last = bool(cfg is not None and cfg.channels_last)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        for dl in dls.loaders:
            if hasattr(dl, "channels_last"):
                dl.channels_last = True
    learn = Learner(dls, model, loss_func=loss_func, opt_func=opt_func(opt), lr=lr, metrics=list(metrics) if
                    isinstance(metrics, (list, tuple)) else metrics, cbs=list(cbs), wd=wd, **learner_kwargs)
    mode = amp_mode(device) if cfg is not None and cfg.amp else None
    if mode is not None:
        learn.add_cb(MixedPrecision(amp_mode=mode))
    return set_progress(learn, progress_enabled(progress))


def inference_options(cfg: Config) -> dict[str, Any]:
    """``device``, ``channels_last`` and ``amp`` for :func:`predict_batches` as :func:`make_learner` trains
    under ``cfg`` (a GPU predicts in mixed precision and channels_last, as it trained)."""
    return {"device": cfg.device, "channels_last": bool(cfg.channels_last), "amp": bool(cfg.amp)}


@torch.no_grad()
def predict_batches(model: nn.Module, x: np.ndarray | torch.Tensor, bs: int = 32, device: str | torch.device = "cpu",
                    activation: Callable[[torch.Tensor], torch.Tensor] | None = torch.sigmoid,
                    mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                    channels_last: bool = False, amp: bool = False,
                    forward_kwargs: dict | None = None) -> np.ndarray | dict[str, np.ndarray]:
    """Model outputs for images ``x`` ``(N, C, H, W)`` as a float32 NumPy array, batch by batch.

    Evaluation mode, no gradients; uint8 images are scaled to [0, 1] then normalised
    with ``mean``/``std`` as :func:`~fundus_utils.train.loaders.tensor_dls` does;
    ``activation`` (default sigmoid; ``None`` for raw logits) is applied to the
    outputs. A model that returns a dict (a multi-task network) gives a dict of arrays.
    ``forward_kwargs`` go to every ``model(x, ...)`` call. The model's train/eval mode is
    restored afterwards.
    """
    device = torch.device(device)
    xt = x if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x))
    m = None if mean is None else torch.tensor(mean, device=device, dtype=torch.float32).view(1, -1, 1, 1)
    s = None if std is None else torch.tensor(std, device=device, dtype=torch.float32).view(1, -1, 1, 1)
    was_training = model.training
    model.eval().to(device)
    mode = amp_mode(device) if amp else None
    dtype = torch.bfloat16 if mode == AMPMode.BF16 else torch.float16
    outs: dict[str, list[torch.Tensor]] = {}
    single = "_"  # the key of a plain tensor output
    try:
        for i in range(0, len(xt), bs):
            xb = xt[i:i + bs].to(device, non_blocking=True)
            xb = xb.float().div_(255) if not xb.is_floating_point() else xb.float()
            if m is not None:
                xb = (xb - m) / s
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=dtype, enabled=mode is not None):
                out = model(xb, **(forward_kwargs or {}))
            for key, value in (out.items() if isinstance(out, dict) else [(single, out)]):
                value = value.float()
                outs.setdefault(key, []).append((activation(value) if activation is not None else value).cpu())
    finally:
        model.train(was_training)
    arrays = {k: torch.cat(v).numpy() for k, v in outs.items()}
    if single in arrays or not arrays:
        return arrays.get(single, np.zeros((0,), np.float32))
    return arrays


@torch.no_grad()
def predict_loader(model: nn.Module, dl: Iterable, activation: Callable[[torch.Tensor], torch.Tensor] | None = torch.sigmoid,
                   amp: bool = False) -> np.ndarray:
    """Model outputs for every batch of ``dl`` (a fastai loader that finishes its batches on its device,
    e.g. :class:`~fundus_utils.train.streaming.CachedPicturesLoader`), in order, as a float32 NumPy array.

    The counterpart of :func:`predict_batches` for pictures that are not in memory: evaluation mode,
    no gradients, ``activation`` on the outputs, the model's mode restored afterwards.
    """
    device = torch.device(dl.device)
    mode = amp_mode(device) if amp else None
    dtype = torch.bfloat16 if mode == AMPMode.BF16 else torch.float16
    was_training = model.training
    model.eval().to(device)
    outs = []
    try:
        for xb, *_ in dl:
            with torch.autocast(device.type, dtype=dtype, enabled=mode is not None):
                out = model(xb).float()
            outs.append((activation(out) if activation is not None else out).cpu())
    finally:
        model.train(was_training)
    return torch.cat(outs).numpy() if outs else np.zeros((0,), np.float32)
