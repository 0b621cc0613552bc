"""Optimisers and learning-rate schedules: one table for every chapter, on fastai's own.

* :func:`radam` - fastai's ``RAdam`` (Liu et al., ICLR 2020) with fastai's defaults
  (``mom=0.9``, ``sqr_mom=0.99``, ``eps=1e-5``, decoupled weight decay);
  :func:`optimizer` maps a setting (``"radam"``, ``"adam"``, ...) to an ``opt_func``;
* :func:`step_lr` - ``lr * factor ** (epoch // every)`` (e.g. x0.1 every 30 epochs);
* :func:`fit_with_schedule` - ``"step"`` (a fastai ``ParamScheduler`` with :func:`step_lr`),
  ``"one_cycle"`` (fastai's ``fit_one_cycle``) or ``"constant"`` (``fit``).
"""
from __future__ import annotations

from typing import Callable


def radam() -> Callable:
    """fastai ``opt_func``: fastai's ``RAdam`` with its default betas (0.9, 0.99) and eps 1e-5.

    The one RAdam of the book (the REFUGE ensemble's CE-Net / U-Net, bi-distance U-Net and five
    classifiers); that paper names RAdam but not its hyper-parameters, so fastai's are used.
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


def fit_with_schedule(learn, epochs: int, lr: float, schedule: str, every: int = 30, factor: float = 0.1,
                      pct_start: float = 0.25) -> None:
    """Train ``learn``: ``"step"`` = a step decay (x``factor`` every ``every`` epochs, fastai
    ``ParamScheduler``), ``"one_cycle"`` = fastai's one-cycle policy (warm-up for ``pct_start`` of
    the steps; short CPU runs), ``"constant"`` = ``lr`` throughout."""
    from fastai.callback.schedule import ParamScheduler

    if schedule == "step":
        learn.fit(epochs, lr, cbs=ParamScheduler({"lr": step_lr(lr, epochs, every, factor)}))
    elif schedule == "one_cycle":
        learn.fit_one_cycle(epochs, lr, pct_start=pct_start)
    elif schedule == "constant":
        learn.fit(epochs, lr)
    else:
        raise ValueError(f"unknown schedule {schedule!r}; choose step, one_cycle or constant")


__all__ = ["fit_with_schedule", "optimizer", "radam", "step_lr"]
