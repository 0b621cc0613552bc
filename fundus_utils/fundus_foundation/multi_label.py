"""The multi-disease downstream task: seven classes, multi-label, per-class AUC per initialisation.

The paper (Methods; Results, "Extending Model Capabilities: Multi-Disease Classification") fine-tunes
its models on 18 459 abnormal pictures labelled with one or more of AMD, glaucoma, glaucoma suspect,
DR feature, PM, ERM and RVO, and reports the foundation models ahead of the general ones. It gives no
protocol beyond "fine-tuning" and no figures; our reading:

* the network's head has one output per class, trained with binary cross-entropy per class (one
  sigmoid each); the trunk is each initialisation's, as in Table 1;
* fine-tuning (the paper's protocol) and, beside it, linear probing (the frozen trunk's features,
  the head only), with the Table 1 settings (``cfg.downstream.lp``, ``cfg.downstream.ft``), at one
  rung (``cfg.multi_label.resolution``; None: the top rung), in Table 1's patient-level CV folds
  (:func:`.downstream.assign_folds`) stratified by each picture's first class;
* per class the pooled out-of-fold AUC [DeLong 95 % CI] and DeLong's two-sided p against the
  initialisation with the highest macro AUC (the mean of the seven); bars: each initialisation's
  macro AUC against a prevalence-only score (:func:`fundus_utils.evaluation.bars.paired_macro_auc`).

In ``smoke``/``real`` the set is the ``synthetic-multidisease`` twin (its classes drawn through
:mod:`fundus_utils.data.simulator.multidisease`), of the upstream clinic's cameras but of people
the upstream model never saw; in ``full`` a registered dataset with ``label_<CLASS>`` columns.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import data
from ..config import Config
from ..data.simulator.multidisease import CLASSES
from ..evaluation import delong_ci, delong_test
from ..evaluation.bars import Bar, paired_macro_auc
from ..train import result_cache
from . import downstream, upstream
from .upstream import INITS, pictures


def label_columns(classes: tuple[str, ...] = CLASSES) -> list[str]:
    return [f"label_{c}" for c in classes]


def multi_label_table(cfg: Config) -> pd.DataFrame:
    """The multi-label rows (``label_<CLASS>`` 0/1 for the seven classes) with patient-level folds
    (:func:`.downstream.assign_folds`)."""
    spec = cfg.multi_label
    if spec.dataset is None:
        raise ValueError("the full profile needs your multi-label set: a registered dataset with the columns "
                         f"{label_columns()}; pass overrides={{'multi_label.dataset': '<name>'}}")
    table = data.open_dataset(spec.dataset, cfg.data_root, **(spec.twin or {}))
    missing = [c for c in label_columns() if c not in table]
    if missing:
        raise ValueError(f"multi-label dataset {spec.dataset!r} lacks the label columns {missing}")
    if spec.split is not None:
        table = table[table["split"] == spec.split].reset_index(drop=True)
    y = table[label_columns()]
    if not y.isin([0, 1]).all().all():
        raise ValueError(f"multi-label dataset {spec.dataset!r}: label columns must be 0/1")
    if (y.sum(axis=0) < cfg.downstream.folds).any():
        rare = [c for c, n in y.sum(axis=0).items() if n < cfg.downstream.folds]
        raise ValueError(f"multi-label dataset {spec.dataset!r}: {rare} have fewer positives than CV folds")
    first = np.array(CLASSES)[y.to_numpy().argmax(axis=1)]  # a picture's first class, the stratum
    return downstream.assign_folds(table, cfg, first)


def resolution(cfg: Config) -> int:
    return cfg.multi_label.resolution or max(cfg.resolutions)


def out_of_fold(protocol: str, init: str, cfg: Config, table: pd.DataFrame, rows: list[str]) -> np.ndarray:
    """Out-of-fold probabilities (``N x 7``) of ``init`` under ``protocol`` ("LP"/"FT"). Cached, keyed by the
    rows, every setting and the upstream key's ingredients."""
    if protocol not in downstream.PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {downstream.PROTOCOLS}")
    size = resolution(cfg)
    key = upstream._key(cfg, task="multi-label", protocol=protocol, init=init, size=size, imagenet=cfg.imagenet,
                        upstream=dict(cfg.upstream), standin=dict(cfg.standin), downstream=dict(cfg.downstream),
                        multi_label=dict(cfg.multi_label), rows=rows)
    path = result_cache.entry(Path(cfg.cache_dir) / "fundus_foundation" / "multi_label", key)

    def compute() -> np.ndarray:
        y, x = table[label_columns()].to_numpy(int), pictures(table, size)
        folds = table[downstream.fold_column(protocol)].to_numpy()
        return downstream.protocol_scores(protocol, init, cfg, size, x, y, folds, table["patient_id"].to_numpy())

    return np.asarray(result_cache.cached(path, compute))


def multi_label_scores(cfg: Config) -> tuple[pd.DataFrame, dict]:
    """Per protocol of ``cfg.multi_label.protocols``, initialisation and class: positives, pooled out-of-fold
    AUC [DeLong 95 % CI], DeLong's two-sided p against the initialisation of highest macro AUC (per
    protocol); plus a "macro" row per initialisation. Returns the table and ``{"labels": N x 7,
    (protocol, init): scores}``."""
    table = multi_label_table(cfg)
    digests = result_cache.row_digests(table)
    y = table[label_columns()].to_numpy(int)
    out: dict = {"labels": y}
    rows = []
    for protocol in cfg.multi_label.protocols:
        scores = {init: out_of_fold(protocol, init, cfg, table, digests) for init in INITS}
        out.update({(protocol, init): s for init, s in scores.items()})
        cis = {init: [delong_ci(y[:, c], scores[init][:, c]) for c in range(len(CLASSES))] for init in INITS}
        macro = {init: float(np.mean([ci[0] for ci in cis[init]])) for init in INITS}
        best = max(INITS, key=macro.get)
        for init in INITS:
            label = upstream.init_label(init, cfg)
            for c, name in enumerate(CLASSES):
                auc, lo, hi = cis[init][c]
                p = np.nan if init == best else delong_test(y[:, c], scores[init][:, c], scores[best][:, c])["p"]
                rows.append({"protocol": protocol, "initialisation": label, "init": init, "class": name,
                             "positives": int(y[:, c].sum()), "auc": auc,
                             "AUC [95% CI]": f"{auc:.3f} [{lo:.3f}, {hi:.3f}]", "DeLong p vs best": p,
                             "best": init == best})
            rows.append({"protocol": protocol, "initialisation": label, "init": init, "class": "macro (mean of 7)",
                         "positives": int(y.sum()), "auc": macro[init], "AUC [95% CI]": f"{macro[init]:.3f}",
                         "DeLong p vs best": np.nan, "best": init == best})
    result = pd.DataFrame(rows)
    result.attrs["resolution"] = resolution(cfg)
    return result, out


def multi_label_bars(scores: dict, cfg: Config) -> tuple[list[Bar], list[bool]]:
    """Per protocol and initialisation: the macro AUC of the seven classes vs a prevalence-only score; and
    whether each is asserted (its initialisation in ``cfg.multi_label.asserted_inits``, None: all)."""
    y, chosen = scores["labels"], cfg.multi_label.asserted_inits
    runs = [(protocol, init) for protocol in cfg.multi_label.protocols for init in INITS]
    bars = [paired_macro_auc(f"{protocol} {upstream.init_label(init, cfg)}: macro AUC of {len(CLASSES)} classes "
                             "vs prevalence", y, scores[protocol, init]) for protocol, init in runs]
    return bars, [chosen is None or init in chosen for _, init in runs]


def macro_table(result: pd.DataFrame) -> pd.DataFrame:
    """Macro AUC per protocol (rows) and initialisation (columns)."""
    macro = result[result["class"].str.startswith("macro")]
    return macro.pivot(index="protocol", columns="initialisation", values="auc").round(3)


def claim(result: pd.DataFrame) -> str:
    """The paper's claim (fundus-pretrained ahead of the general initialisations) against our macro AUCs, in words."""
    macro = result[result["class"].str.startswith("macro")]
    parts = []
    for protocol, g in macro.groupby("protocol", sort=False):
        fundus = g[g["init"].isin(["Fundus", "ImageNet + Fundus"])]["auc"].max()
        general = g[g["init"].isin(["Scratch", "ImageNet"])]["auc"].max()
        parts.append(f"{protocol}: {'consistent' if fundus > general else 'not consistent'} "
                     f"(best fundus-pretrained {fundus:.3f} vs best general {general:.3f})")
    return "; ".join(parts)
