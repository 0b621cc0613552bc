"""Experiment drivers: patient-level cross-validation and the official split, with a result cache.

* :func:`cross_validate` - the protocol of Tables 1-2 of Pascal et al. (Sci Rep 2022):
  k folds over the merged train + validation images (patient-level: every image of a
  patient in one fold), the test split held out and fixed; each fold's networks train on
  the other folds and are scored on the test split ("the validation splits were defined
  on the merged and shuffled train and validation official splits, while the test split
  was kept unchanged"); one row of metrics per (scheme, fold, seed).
* :func:`official_split` - Tables 3-4: train on the official training split, score on
  the test split, several seeds ("trained three times to account for the variation in
  weights initialization"). When the data have no training split (the REFUGE copy with
  Validation400 and Test400 only, used by the ``real`` profile), Validation400 is the
  training set.

Checkpoint selection (:mod:`.fit`) validates on :func:`validation_part`: the run's own
validation split - the held-out fold in cross-validation (the paper's "validation
splits"), the official validation split in Tables 3-4 - or, where the data have none (the
``real`` profile trains on Validation400), a patient-level share of the training rows,
which then leave the training set; never the test split. ``cfg.checkpoint["valid_max"]``
caps it (whole patients) to keep validation cheap.

Seeds: a run's seed is ``seed + 1000 * cfg.seed`` (:func:`run_seed`), so the notebook
override ``{"seed": k}`` changes every random choice of training (initialisation, batch
order, dropout, PCGrad's order, the carved validation patients); it is part of the
cache key.

Folds come from the table's ``fold`` column (the synthetic twin's, or REFUGE's committed
``data_manifests/folds/REFUGE.csv`` applied by :func:`fundus_utils.data.folds.apply`); each
run checks that no patient is on two sides (:func:`check_disjoint`). Every (scheme, split,
seed, init) result is cached on disk (:mod:`fundus_utils.train.result_cache`: keyed by the
settings, every column and file of the split tables and the library's source; no pickles),
so later notebooks (figures) reuse earlier runs instead of training again; a missing cache
entry is simply computed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import torch

from ..data import LeakageError, check_leakage
from ..train import result_cache
from ..train.learner import fitting
from .schemes import LABELS
from .data import TaskArrays
from .evaluate import evaluate
from .fit import FittedScheme, fit_scheme, predict, with_last_states


@dataclass
class RunResult:
    """Outcome of one trained scheme on one split: metrics, per-image scores, small weights."""

    scheme: str
    split: str            # "fold0", "fold1", ... or "official"
    seed: int
    init: str
    metrics: dict
    per_image: pd.DataFrame
    n_params: int
    train_s: float
    history: list = field(default_factory=list)
    state: list | None = None   # state_dicts of the networks (for examples and figures)
    tasks: list | None = None
    gradnorm_weights: list | None = None
    arch: str = "mtl_unet"
    train_cpu_s: float = float("nan")
    metrics_last: dict | None = None      # the same metrics with the last epoch's weights (no selection)
    checkpoints: list | None = None       # per network: BestCheckpoint.summary()
    n_valid: int = 0                      # images that selected the checkpoint

    @property
    def method(self) -> str:
        return {"res34_unet": "Res34-Unet", "unet": "U-Net (plain)"}.get(self.arch, LABELS[self.scheme])

    def row(self) -> dict:
        return {"scheme": self.scheme, "method": self.method, "split": self.split, "seed": self.seed,
                "init": self.init, "params": self.n_params, "train_s": self.train_s,
                "train_cpu_s": self.train_cpu_s, **self.metrics}


def check_disjoint(parts: dict[str, pd.DataFrame]) -> None:
    """Raise :class:`LeakageError` if a patient appears in two of the named parts."""
    seen: dict[str, str] = {}
    for name, part in parts.items():
        for p in part["patient_id"].astype(str).unique():
            if p in seen and seen[p] != name:
                raise LeakageError(f"patient {p!r} is in both {seen[p]!r} and {name!r}")
            seen[p] = name


def fold_parts(table: pd.DataFrame, fold: int) -> dict[str, pd.DataFrame]:
    """train / valid / test rows for CV fold ``fold`` (test = the fixed test split)."""
    pool = table[(table["split"] != "test") & (table["fold"] >= 0)]
    parts = {"train": pool[pool["fold"] != fold], "valid": pool[pool["fold"] == fold],
             "test": table[table["split"] == "test"]}
    check_disjoint(parts)
    return parts


def official_parts(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """train / valid / test rows of the official split (Validation trains when there is no Training)."""
    has_train = (table["split"] == "train").any()
    parts = {"train": table[table["split"] == ("train" if has_train else "val")],
             "valid": table[table["split"] == "val"] if has_train else table.iloc[:0],
             "test": table[table["split"] == "test"]}
    check_disjoint(parts)
    return parts


def run_seed(cfg, seed: int) -> int:
    """The training seed of run ``seed`` under the notebook's ``cfg.seed`` (0 by default)."""
    return int(seed) + 1000 * int(cfg.seed)


def validation_part(parts: dict[str, pd.DataFrame], cfg) -> dict[str, pd.DataFrame]:
    """``parts`` with the checkpoint-selection split in ``"select"`` (see the module docstring).

    The run's ``valid`` rows when there are any, else ``cfg.checkpoint["valid_fraction"]`` of
    the training patients (then removed from ``train``); at most ``valid_max`` images, whole
    patients drawn with ``cfg.seed``. The result is checked patient-disjoint from train and test.
    """
    ck = dict(cfg.settings.get("checkpoint") or {})
    rng = np.random.default_rng(10_007 + int(cfg.seed))
    out = dict(parts)
    cap = ck.get("valid_max")
    pool = parts.get("valid", parts["train"].iloc[:0])
    carve = not len(pool)
    if carve:
        pool = parts["train"]
        n_patients = pool["patient_id"].astype(str).nunique()
        k = int(round(n_patients * float(ck.get("valid_fraction", 0.2))))
    if carve or (cap is not None and len(pool) > cap):
        ids = pool["patient_id"].astype(str)
        counts = ids.value_counts()
        keep, total = [], 0
        for p in rng.permutation(ids.unique()):
            if carve and len(keep) >= k:
                break
            if cap is None or total + counts[p] <= cap:
                keep.append(p)
                total += counts[p]
        inside = ids.isin(keep)
        if carve:  # the carved patients leave the training set
            out["train"] = parts["train"][~inside]
        pool = pool[inside]
    out["select"] = pool
    check_disjoint({"train": out["train"], "select": pool, "test": parts["test"]})
    return out


def cache_path(cfg, what: str, key: dict) -> Path:
    """The result-cache entry of ``key`` (``what``: runs, pretrain, sweeps) under this profile's
    settings and seed (:func:`fundus_utils.train.result_cache.entry` adds the library's digest)."""
    return result_cache.entry(Path(cfg.cache_dir) / "mtl_glaucoma" / what,
                              {"profile": cfg.profile, "seed": cfg.seed, "settings": cfg.settings, **key})


class ArrayBank:
    """Network-ready arrays of every row of a table, prepared once and sliced per split."""

    def __init__(self, table: pd.DataFrame, cfg, prepare: Callable[[pd.DataFrame], TaskArrays]) -> None:
        self.table = table.reset_index(drop=True)
        self.arrays = prepare(self.table)
        self.index = {i: k for k, i in enumerate(self.table["image_id"].astype(str))}
        self.digests = result_cache.row_digests(self.table)  # every column, and the files' identities

    def take(self, part: pd.DataFrame) -> TaskArrays:
        return self.arrays.subset([self.index[i] for i in part["image_id"].astype(str)])

    def key(self, part: pd.DataFrame) -> list[str]:
        """What identifies ``part`` in a cache key: the digests of its rows, in order."""
        return [self.digests[self.index[i]] for i in part["image_id"].astype(str)]


def run_key(bank: ArrayBank, parts: dict[str, pd.DataFrame], scheme: str, tasks: Sequence[str], split: str,
            seed: int, init: str, arch: str) -> dict:
    """What identifies a run in the result cache (besides the profile's settings)."""
    return {"scheme": scheme, "split": split, "seed": seed, "init": init, "tasks": list(tasks), "arch": arch,
            "train": bank.key(parts["train"]), "test": bank.key(parts["test"]),
            "valid": bank.key(parts["valid"]) if "valid" in parts else None}


def _job_path(bank: ArrayBank, job: tuple[dict, str, str, int], cfg, tasks: Sequence[str], init: str, arch: str) -> Path:
    parts, scheme, split, seed = job
    return cache_path(cfg, "runs", run_key(bank, parts, scheme, tasks, split, seed, init, arch))


def train_and_score(bank: ArrayBank, parts: dict[str, pd.DataFrame], scheme: str, cfg, tasks: Sequence[str],
                    split: str, seed: int = 0, init: str = "scratch", init_fn: Callable | None = None,
                    keep_state: bool = True, arch: str = "mtl_unet") -> RunResult:
    """Train ``scheme`` on ``parts['train']``, select its checkpoint on :func:`validation_part`,
    score it on ``parts['test']`` (the last epoch's test metrics in ``metrics_last``); not cached.

    ``init`` names the initialisation (part of the cache key); ``init_fn(model)`` applies it.
    """
    p = validation_part(parts, cfg)
    train, test, select = bank.take(p["train"]), bank.take(p["test"]), bank.take(p["select"])
    fitted = fit_scheme(scheme, train, cfg, tasks, valid=select, seed=run_seed(cfg, seed), init=init_fn, arch=arch)
    metrics, rows = evaluate(fitted, train, test, cfg)
    last = with_last_states(fitted, cfg)
    metrics_last = evaluate(last, train, test, cfg)[0] if last is not None else None
    state = [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in fitted.models] if keep_state else None
    return RunResult(scheme, split, seed, init, metrics, rows, fitted.n_params, fitted.train_s, fitted.history,
                     state, [list(t) for t in fitted.tasks], fitted.gradnorm_weights, arch, fitted.train_cpu_s,
                     metrics_last, fitted.checkpoints, len(select))


def cross_validate(table: pd.DataFrame, schemes: Iterable[str], cfg, tasks: Sequence[str], bank: ArrayBank,
                   folds: Sequence[int] | None = None, seeds: Sequence[int] = (0,), init: str = "scratch",
                   init_fn: Callable | None = None, use_cache: bool = True, arch: str = "mtl_unet") -> list[RunResult]:
    """Every scheme on every fold (and seed); see the module docstring for the protocol."""
    check_leakage(table, "cross-validation table")
    folds = sorted(int(f) for f in table.loc[table["fold"] >= 0, "fold"].unique()) if folds is None else folds
    jobs = [(fold_parts(table, fold), scheme, f"fold{fold}", seed) for fold in folds for seed in seeds for scheme in schemes]
    return run_many(bank, jobs, cfg, tasks, init, init_fn, use_cache, arch)


def official_split(table: pd.DataFrame, schemes: Iterable[str], cfg, tasks: Sequence[str], bank: ArrayBank,
                   seeds: Sequence[int] = (0, 1, 2), init: str = "scratch", init_fn: Callable | None = None,
                   use_cache: bool = True, arch: str = "mtl_unet") -> list[RunResult]:
    """Every scheme trained on the official training split and scored on the test split, per seed."""
    check_leakage(table, "official split")
    parts = official_parts(table)
    jobs = [(parts, scheme, "official", seed) for seed in seeds for scheme in schemes]
    return run_many(bank, jobs, cfg, tasks, init, init_fn, use_cache, arch)


#: Training cost of a scheme relative to Vanilla MTL (smoke CPU seconds, notebook 01): the
#: order in which runs are handed to the workers, longest first (the results keep the jobs' order).
RELATIVE_COST = {"stl": 3.3, "mtl_io": 3.2, "pcgrad": 2.4, "gradnorm": 1.7, "vanilla": 1.0}


def run_many(bank: ArrayBank, jobs: Sequence[tuple[dict, str, str, int]], cfg, tasks: Sequence[str],
             init: str = "scratch", init_fn: Callable | None = None, use_cache: bool = True,
             arch: str = "mtl_unet") -> list[RunResult]:
    """:func:`train_and_score` for every ``(parts, scheme, split, seed)`` job, in job order,
    through the result cache (:func:`fundus_utils.train.result_cache.cached_many`).

    With ``cfg.parallel_runs`` > 1 (the smoke profile) runs not yet cached train in that
    many worker processes with one thread each: its networks are too small for intra-op
    threads to use two cores, whole runs side by side do. Every run seeds itself, so the
    results do not depend on the number of workers.
    """
    def compute(job):
        parts, scheme, split, seed = job
        with fitting(f"{LABELS[scheme] if arch == 'mtl_unet' else arch} {split} seed {seed} {init}"):
            return train_and_score(bank, parts, scheme, cfg, tasks, split, seed, init, init_fn, arch=arch)

    return result_cache.cached_many(jobs, lambda job: _job_path(bank, job, cfg, tasks, init, arch), compute,
                                    cfg.parallel_runs, cost=lambda job: RELATIVE_COST.get(job[1], 1.0),
                                    use_cache=use_cache, dump=result_cache.dataclass_to_plain,
                                    restore=result_cache.dataclass_restorer(RunResult))


def results_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """One row per run: scheme, method label, split, seed, init, #params, training time, metrics."""
    return pd.DataFrame([r.row() for r in results])


def restore(result: RunResult, cfg) -> FittedScheme:
    """Rebuild the trained networks of a cached run (for figures)."""
    from .fit import build_model

    models = []
    for tasks, sd in zip(result.tasks, result.state):
        m = build_model(result.arch, tasks, cfg)
        m.load_state_dict(sd)
        models.append(m.eval().to(torch.device(cfg.device)))
    return FittedScheme(result.scheme, models, [tuple(t) for t in result.tasks], result.history, result.train_s,
                        arch=result.arch)


def checkpoint_frame(results: Sequence[RunResult], metrics: Sequence[str] = ("auc", "dice_od", "dice_oc", "fovea_px")
                     ) -> pd.DataFrame:
    """Per run: the epochs the checkpoint selection chose (per network) and test metrics best vs last epoch."""
    rows = []
    for r in results:
        if not r.checkpoints:
            continue
        chosen = ", ".join(f"{'+'.join(t)}: {c['best_epoch']}" for t, c in zip(r.tasks, r.checkpoints) if c)
        row = {"method": r.method, "split": r.split, "seed": r.seed, "validation images": r.n_valid,
               "selected epoch": chosen}
        for m in metrics:
            row[f"{m} (selected)"] = r.metrics.get(m, np.nan)
            row[f"{m} (last)"] = (r.metrics_last or {}).get(m, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["ArrayBank", "RunResult", "cache_path", "check_disjoint", "checkpoint_frame", "cross_validate",
           "fold_parts", "official_parts", "official_split", "predict", "restore", "results_frame", "run_many",
           "run_seed", "train_and_score", "validation_part"]
