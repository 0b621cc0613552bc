"""Learning-rate study (Figs. 2-3 of Pascal et al. 2022): best validation metric and minimum
validation loss per task, for STL and MTL-IO, at each learning rate.

Each (scheme, learning rate) trains for ``cfg.sweep_epochs`` epochs (default ``cfg.epochs``)
on the training part of a split with fastai's per-epoch validation on its validation part
(per-task losses and scores from :mod:`fundus_utils.mtl_glaucoma.metrics`); the best
epoch value is kept per task: the highest AUC (glaucoma FC) and Dice (OD, OC), the lowest
fovea error and the lowest loss.
Runs are cached like the other experiments.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .schemes import LABELS
from ..train import result_cache
from .cv import ArrayBank, cache_path, run_seed
from .fit import fit_scheme

BETTER = {"auc": max, "dice_od": max, "dice_oc": max, "fovea_px": min}
TASK_OF = {"auc": "glaucoma", "dice_od": "od", "dice_oc": "oc", "fovea_px": "fovea"}


def best_per_task(history: list[dict]) -> dict[str, float]:
    """Best validation score and minimum validation loss of every task over the epochs."""
    out: dict[str, float] = {}
    for h in history:
        values = np.array([[np.nan if v is None else float(v) for v in row] for row in h["values"]], float)
        for j, name in enumerate(h["names"]):
            col = values[:, j]
            if name.startswith("loss_"):
                out[name] = float(np.nanmin(col)) if np.isfinite(col).any() else np.nan
            elif name in BETTER:
                out[name] = float(BETTER[name](col[np.isfinite(col)])) if np.isfinite(col).any() else np.nan
    return out


def lr_sweep(bank: ArrayBank, parts: dict[str, pd.DataFrame], cfg, tasks: Sequence[str],
             schemes: Sequence[str] = ("stl", "mtl_io"), lrs: Sequence[float] | None = None,
             seed: int = 0) -> pd.DataFrame:
    """One row per (scheme, lr): the best validation metric and minimum loss of each task."""
    lrs = lrs or cfg.lr_grid
    epochs = cfg.sweep_epochs or cfg.epochs
    grid = [(scheme, lr) for lr in lrs for scheme in schemes]

    def path(point):
        scheme, lr = point
        return cache_path(cfg, "sweeps", {"what": "sweep", "scheme": scheme, "lr": lr, "seed": seed,
                                          "tasks": list(tasks), "train": bank.key(parts["train"]),
                                          "valid": bank.key(parts["valid"])})

    def run(point):
        scheme, lr = point
        fitted = fit_scheme(scheme, bank.take(parts["train"]), cfg, tasks, valid=bank.take(parts["valid"]),
                            lr=lr, epochs=epochs, seed=run_seed(cfg, seed), validate=True)
        return best_per_task(fitted.history)

    best = result_cache.cached_many(grid, path, run, cfg.parallel_runs)
    return pd.DataFrame([{"method": LABELS[scheme], "lr": lr, **b} for (scheme, lr), b in zip(grid, best)])


__all__ = ["BETTER", "TASK_OF", "best_per_task", "lr_sweep"]
