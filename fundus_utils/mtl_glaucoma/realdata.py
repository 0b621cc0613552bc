"""The real-data check: MTL-IO and a plain U-Net trained on REFUGE Validation400, scored on Test400, on a CPU.

The ``real`` profile trains the book's MTL-IO on the REFUGE copy in ``../shared/data``
(Validation400: images and OD/OC masks; no glaucoma labels, no fovea positions) and scores
it on Test400 (masks and the 400 glaucoma labels) at 128 px. Without training labels
neither the FC head nor the vCDR regression can be trained: glaucoma is ranked by the
measured vCDR ("AUC (vCDR alone)").

The comparison is trained in the same run: a **plain U-Net from scratch**
(:class:`fundus_utils.mtl_glaucoma.fit.PlainUNet`, the repository's
:class:`fundus_utils.models.unet.UNet` with two output channels), on the same training
rows, with the same schedule, epochs, loss and checkpoint selection
(:func:`plain_unet_runs`); :func:`fundus_utils.mtl_glaucoma.bars.paired_comparison` pairs
the two on every test image (OD/OC Dice, vCDR error, AUC of the vCDR). Time is reported
twice: wall time (``train_s``), which depends on what else the shared machine runs, and
the process CPU time (``train_cpu_s``, all threads), which does not.

Real-profile numbers enter the book as a *record* (:mod:`fundus_utils.report.records`):
the table with its provenance line in ``book/papers/recorded/`` (numbers only, never
images); the smoke run of the notebook shows that record beside its own synthetic run.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .cv import ArrayBank, RunResult, official_split

COLUMNS = ("dice_od", "dice_oc", "vcdr_mae", "auc_vcdr", "params", "train_s", "train_cpu_s")


def plain_unet_runs(table: pd.DataFrame, cfg, tasks: Sequence[str], bank: ArrayBank,
                    seeds: Sequence[int]) -> list[RunResult]:
    """The plain U-Net baseline (OD and OC), trained like the MTL runs of the official split."""
    return official_split(table, ["vanilla"], cfg, [t for t in tasks if t in ("od", "oc")], bank, seeds=seeds,
                          arch="unet")


def side_by_side(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per method (mean over seeds): Dice, vCDR MAE, AUC of the vCDR, #params, training time."""
    cols = [c for c in COLUMNS if c in runs]
    return runs.groupby("method", sort=False)[cols].mean()


__all__ = ["COLUMNS", "plain_unet_runs", "side_by_side"]
