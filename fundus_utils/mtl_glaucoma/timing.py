"""Iteration time of each optimisation scheme, measured side by side in one run (Table 1, "time").

The paper reports "the seconds required for a forward and backward pass in the framework"
per scheme, and for STL the cumulative time of the single-task networks. Here every scheme
runs its own training step (:meth:`SchemeCallback.train_step`: forward, backward(s),
optimizer step(s)) on the same batch, in the same process; the schemes take turns
(round-robin) for ``n_iter`` rounds after one warm-up round, so a machine-load change
affects all of them alike; the median is reported. STL = the sum over its networks.
On CUDA the device is synchronised around each measurement.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from ..seed import seed_everything
from .schemes import LABELS
from .data import TaskArrays
from .fit import build_learner, build_model, scheme_tasks


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def iteration_times(schemes: Sequence[str], arrays: TaskArrays, cfg, tasks: Sequence[str],
                    n_iter: int | None = None) -> pd.DataFrame:
    """Median seconds per training iteration of each scheme on one batch of ``arrays``."""
    n_iter = n_iter or cfg.timing_iters
    device = torch.device(cfg.device)
    steppers = []  # (scheme, callback, batch)
    for scheme in schemes:
        for i, group in enumerate(scheme_tasks(scheme, tasks)):
            seed_everything(i)
            model = build_model("mtl_unet", group, cfg)
            learn = build_learner(scheme, model, group, arrays, None, cfg, cfg.lr)
            learn.create_opt()
            learn.model.train()
            cb = next(c for c in learn.cbs if hasattr(c, "train_step"))
            cb.before_fit()
            x, seg, aux = learn.dls.train.one_batch()
            steppers.append((scheme, cb, (x, seg, aux)))
    times: dict[int, list[float]] = {k: [] for k in range(len(steppers))}
    for r in range(n_iter + 1):
        for k, (_, cb, batch) in enumerate(steppers):
            _sync(device)
            t0 = time.perf_counter()
            cb.train_step(*batch)
            cb.scaler.update()
            _sync(device)
            if r > 0:  # round 0 warms up (allocations, kernels)
                times[k].append(time.perf_counter() - t0)
    rows = {}
    for k, (scheme, _, _) in enumerate(steppers):
        rows[scheme] = rows.get(scheme, 0.0) + float(np.median(times[k]))
    return pd.DataFrame({"method": [LABELS[s] for s in rows], "time_s": list(rows.values())}).set_index("method")


__all__ = ["iteration_times"]
