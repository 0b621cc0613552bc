"""The downstream abnormality task of Table 1: the four initialisations under linear probing and fine-tuning, 5-fold CV.

The paper (Methods, "Evaluation via various conditions of downstream task") scores normal vs
abnormal classification by five-fold cross-validation with AUC, and compares initialisations
with DeLong's test. Our reading where it is silent:

* folds are patient-level and stratified by the label (:func:`fundus_utils.data.splits.patient_folds`);
* **linear probing** trains the authors' head on the frozen trunk's pooled features. With the
  trunk frozen and its BatchNorm in eval mode (:meth:`FoundationResNet.linear_probe`) those
  features do not depend on the head, so they are computed once per initialisation and
  resolution and the head is trained on them, full batch (no augmentation);
* **fine-tuning** trains the whole network from the initialisation per fold (one-cycle Adam,
  random horizontal flips), keeping the epoch of lowest loss on held-out training patients; it
  may run in fewer folds than the probe (``cfg.downstream.ft.folds``: smoke's time budget);
* Table 1 reports the mean ± SD of the folds' AUCs, as the paper; the DeLong test compares
  two initialisations on the pooled out-of-fold scores of the same pictures (every picture is
  scored once, by the fold model that never saw it).
"""
from __future__ import annotations

from pathlib import Path

import albumentations as A
import numpy as np
import pandas as pd
import torch
from torch import nn

from .. import data
from ..config import Config
from ..data.splits import patient_folds, patient_holdout
from ..evaluation import delong_ci, delong_test
from ..evaluation.bars import Bar, paired_auc
from ..evaluation.stats import auc_rank
from ..models.foundation_resnet import authors_head
from ..seed import seed_everything
from ..train import make_learner, predict_batches, result_cache, tensor_dls
from ..train.checkpoint import BestCheckpoint
from ..train.learner import fitting, inference_options
from ..train.loaders import albumentations_batch
from . import upstream
from .upstream import INITS, pictures


def downstream_table(cfg: Config) -> pd.DataFrame:
    """The downstream rows (column ``abnormal``) with a patient-level, label-stratified ``cv_fold``.

    When the downstream set is the upstream twin (smoke/real), its rows are the upstream test
    patients; a patient who also trained the upstream model raises (that would leak).
    """
    down = cfg.downstream
    if down.dataset is None:
        raise ValueError("the full profile needs your downstream set: a registered dataset whose table has an "
                         "'abnormal' column; pass overrides={'downstream.dataset': '<name>'}")
    table = data.open_dataset(down.dataset, cfg.data_root, **(down.twin or {}))
    if "abnormal" not in table:
        raise ValueError(f"downstream dataset {down.dataset!r} has no 'abnormal' column (1 = abnormal, 0 = normal)")
    if down.split is not None:
        table = table[table["split"] == down.split].reset_index(drop=True)
    if down.dataset == cfg.upstream.dataset and dict(down.twin or {}) == dict(cfg.upstream.twin or {}):
        up = upstream.upstream_table(cfg)
        leaked = set(table["patient_id"]) & set(up.loc[up["split"] != "test", "patient_id"])
        if leaked:
            raise ValueError(f"downstream rows of {down.dataset!r} share {len(leaked)} patients with the upstream "
                             f"training rows (e.g. {sorted(leaked)[:3]}); use its test split (downstream.split='test')")
    return assign_folds(table, cfg, "abnormal")


def assign_folds(table: pd.DataFrame, cfg: Config, strata: str | np.ndarray) -> pd.DataFrame:
    """A copy of ``table`` with patient-level CV folds stratified by ``strata`` (a column or per-row values):
    ``cv_fold`` (``cfg.downstream.folds``, the linear probe's) and ``ft_fold`` (``cfg.downstream.ft.folds``,
    fine-tuning's; None: the same folds)."""
    table = table.copy()
    table["cv_fold"] = patient_folds(table, cfg.downstream.folds, cfg.seed, stratify=strata).to_numpy()
    ft_folds = cfg.downstream.ft.folds
    table["ft_fold"] = table["cv_fold"] if ft_folds in (None, cfg.downstream.folds) else \
        patient_folds(table, ft_folds, cfg.seed, stratify=strata).to_numpy()
    return table


def fold_column(protocol: str) -> str:
    """The fold column of :func:`assign_folds` that ``protocol`` ("LP"/"FT") runs on."""
    return "ft_fold" if protocol == "FT" else "cv_fold"


def probe_model(init: str, cfg: Config, size: int, init_seed: int | None = None) -> nn.Module:
    """``init``'s network at ``size`` px set for linear probing (trunk frozen, BatchNorm in eval mode).

    The Scratch trunk is drawn at random under ``init_seed`` (None: ``cfg.seed``), so Table 1, the
    stress test and the embeddings probe the same random trunk whatever ran before them.
    """
    seed = cfg.seed if init_seed is None else init_seed
    return upstream.new_model(cfg, upstream.trunk(init, cfg, size), seed=seed).linear_probe()


def features_of(model: nn.Module, x: np.ndarray, cfg: Config) -> np.ndarray:
    """Pooled trunk features (``N x F``) of pictures ``x`` (uint8 ``N x 3 x size x size``) by ``model``."""
    return predict_batches(_Features(model), x, bs=64, activation=None, **inference_options(cfg))


def trunk_features(init: str, cfg: Config, size: int, x: np.ndarray, init_seed: int | None = None) -> np.ndarray:
    """Pooled features of pictures ``x`` by ``init``'s frozen trunk (:func:`probe_model`, :func:`features_of`)."""
    return features_of(probe_model(init, cfg, size, init_seed), x, cfg)


class _Features(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.features(x)


def outputs(y: np.ndarray) -> int:
    """Network outputs for labels ``y``: 2 (softmax) for a 0/1 vector, one per column (sigmoid) for an N x C matrix."""
    return 2 if y.ndim == 1 else y.shape[1]


def loss_for(y: np.ndarray) -> nn.Module:
    """Cross-entropy for a 0/1 vector, binary cross-entropy per class for a multi-label matrix."""
    return nn.CrossEntropyLoss() if y.ndim == 1 else nn.BCEWithLogitsLoss()


def probabilities(logits: torch.Tensor, multi_label: bool) -> torch.Tensor:
    """The positive class's probability (binary) or each class's (multi-label) from the network's logits."""
    return logits.sigmoid() if multi_label else logits.softmax(1)[:, 1]


def fit_head(features: np.ndarray, y: np.ndarray, cfg: Config, seed: int) -> nn.Module:
    """The authors' head trained on frozen features: Adam, full batch, ``cfg.downstream.lp`` (lr, wd, epochs).

    ``y``: 0/1 labels (N), or an N x C 0/1 matrix for a multi-label task. A plain loop: the head
    has 66 000 parameters (narrow trunk) and one batch, so a fastai Learner's per-epoch machinery
    would cost more than the training.
    """
    lp = cfg.downstream.lp
    seed_everything(seed)
    head = authors_head(features.shape[1], outputs(y))
    x = torch.tensor(features, dtype=torch.float32)  # copies: cached arrays are read-only
    t = torch.tensor(y, dtype=torch.int64 if y.ndim == 1 else torch.float32)
    opt = torch.optim.Adam(head.parameters(), lr=lp.lr, weight_decay=lp.wd, foreach=True)
    loss_func = loss_for(y)
    head.train()
    for _ in range(lp.epochs):
        opt.zero_grad()
        loss_func(head(x), t).backward()
        opt.step()
    return head.eval()


def head_scores(head: nn.Module, features: np.ndarray, multi_label: bool = False) -> np.ndarray:
    """Probabilities of a trained head on ``features`` (see :func:`probabilities`)."""
    with torch.no_grad():
        return probabilities(head(torch.from_numpy(features.astype(np.float32))), multi_label).numpy()


def probe_scores(init: str, cfg: Config, size: int, x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Linear probing: the head on the frozen trunk's features, one head per fold; scores shaped as ``y``."""
    feats = trunk_features(init, cfg, size, x)
    scores = np.full(y.shape, np.nan)
    for k in map(int, np.unique(folds)):
        held = folds == k
        head = fit_head(feats[~held], y[~held], cfg, seed=cfg.seed * 100 + k)
        scores[held] = head_scores(head, feats[held], y.ndim == 2)
    return scores


def fine_tune_scores(init: str, cfg: Config, size: int, x: np.ndarray, y: np.ndarray, folds: np.ndarray,
                     patients: np.ndarray) -> np.ndarray:
    """Full fine-tuning: the whole network from ``init`` per fold (``cfg.downstream.ft``), with random
    horizontal flips; the epoch of lowest loss on held-out training patients is kept. ``y`` and the
    scores: a 0/1 vector, or an N x C matrix (multi-label, one sigmoid per class)."""
    ft = cfg.downstream.ft
    trunk = upstream.trunk(init, cfg, size)
    multi = y.ndim == 2
    targets = y.astype(np.float32) if multi else y
    scores = np.full(y.shape, np.nan)
    for k in map(int, np.unique(folds)):
        train = np.flatnonzero(folds != k)
        valid = train[patient_holdout(patients[train], ft.valid_fraction, cfg.seed + k)]
        fit = np.setdiff1d(train, valid)
        seed = cfg.seed * 100 + k
        seed_everything(seed)
        model = upstream.new_model(cfg, trunk, num_classes=outputs(y), seed=seed)
        flips = A.Compose([A.HorizontalFlip(p=0.5)], seed=seed)  # albumentations' own generator, seeded
        dls = tensor_dls(x[fit], targets[fit], x[valid], targets[valid], bs=ft.bs, device=cfg.device, drop_last=True,
                         augment=albumentations_batch(flips))
        learn = make_learner(dls, model, loss_for(y), cfg, lr=ft.lr, wd=ft.wd, cbs=[BestCheckpoint(every=1)])
        with fitting(f"fine-tune {init} at {size} px, fold {k}"):
            learn.fit_one_cycle(ft.epochs, ft.lr)
        held = folds == k
        scores[held] = predict_batches(model, x[held], bs=64, activation=lambda t: probabilities(t, multi),
                                       **inference_options(cfg))
    return scores


PROTOCOLS = ("LP", "FT")


def protocol_scores(protocol: str, init: str, cfg: Config, size: int, x: np.ndarray, y: np.ndarray,
                    folds: np.ndarray, patients: np.ndarray) -> np.ndarray:
    """Out-of-fold scores of ``init`` under ``protocol``: :func:`probe_scores` ("LP"), :func:`fine_tune_scores` ("FT")."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {PROTOCOLS}")
    if protocol == "LP":
        return probe_scores(init, cfg, size, x, y, folds)
    return fine_tune_scores(init, cfg, size, x, y, folds, patients)


def rungs(cfg: Config, protocol: str) -> list[int]:
    """The resolutions at which ``protocol`` is run: every rung, or for "FT" ``cfg.downstream.ft.resolutions``."""
    chosen = cfg.downstream.ft.resolutions if protocol == "FT" else None
    if chosen is not None and set(chosen) - set(cfg.resolutions):
        raise ValueError(f"downstream.ft.resolutions {tuple(chosen)} must be rungs of {tuple(cfg.resolutions)}")
    return sorted(cfg.resolutions if chosen is None else chosen)


def out_of_fold(protocol: str, init: str, cfg: Config, size: int, table: pd.DataFrame | None = None,
                rows: list[str] | None = None) -> pd.DataFrame:
    """Out-of-fold scores of ``init`` under ``protocol`` ("LP": linear probing, "FT": full fine-tuning) at
    ``size`` px: image_id, cv_fold, abnormal, score (every picture scored once, by the model of the fold
    that held it out).

    ``table``: :func:`downstream_table`, ``rows`` its :func:`~fundus_utils.train.result_cache.row_digests`
    (computed when not given; pass them when scoring many initialisations). Cached, keyed by the
    downstream rows, every setting and the upstream key's ingredients.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {PROTOCOLS}")
    table = downstream_table(cfg) if table is None else table
    rows = result_cache.row_digests(table) if rows is None else rows
    key = upstream._key(cfg, protocol=protocol, init=init, size=size, imagenet=cfg.imagenet,
                        upstream=dict(cfg.upstream), standin=dict(cfg.standin), downstream=dict(cfg.downstream),
                        rows=rows)
    path = result_cache.entry(Path(cfg.cache_dir) / "fundus_foundation" / "downstream", key)

    def compute() -> pd.DataFrame:
        y, folds, x = table["abnormal"].to_numpy(int), table[fold_column(protocol)].to_numpy(), pictures(table, size)
        scores = protocol_scores(protocol, init, cfg, size, x, y, folds, table["patient_id"].to_numpy())
        return pd.DataFrame({"image_id": table["image_id"], "cv_fold": folds, "abnormal": y, "score": scores})

    return result_cache.cached(path, compute)


def fold_aucs(oof: pd.DataFrame) -> np.ndarray:
    """AUC of each CV fold's held-out pictures."""
    return np.array([float(auc_rank(g["abnormal"].to_numpy(), g["score"].to_numpy()))
                     for _, g in oof.groupby("cv_fold")])


def table1(cfg: Config, protocol: str = "LP", table: pd.DataFrame | None = None,
           against: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Table 1 for one protocol: per resolution and initialisation, mean ± SD of the fold AUCs, the pooled
    out-of-fold AUC [DeLong 95 % CI], and DeLong's two-sided p against the best initialisation at that
    resolution (by pooled AUC; ``against``: that initialisation instead). Returns the table and the
    out-of-fold frames keyed ``(init, size)``. ``table``: the labelled rows (``abnormal``, ``cv_fold``;
    default :func:`downstream_table`)."""
    table = downstream_table(cfg) if table is None else table
    digests = result_cache.row_digests(table)
    oofs = {(init, size): out_of_fold(protocol, init, cfg, size, table, digests)
            for size in rungs(cfg, protocol) for init in INITS}
    rows = []
    for size in rungs(cfg, protocol):
        pooled = {init: delong_ci(oofs[init, size]["abnormal"].to_numpy(), oofs[init, size]["score"].to_numpy())
                  for init in INITS}
        best = max(INITS, key=lambda i: pooled[i][0])
        ref = against or best
        for init in INITS:
            o, folds = oofs[init, size], fold_aucs(oofs[init, size])
            p = np.nan if init == ref else delong_test(o["abnormal"].to_numpy(), o["score"].to_numpy(),
                                                       oofs[ref, size]["score"].to_numpy())["p"]
            auc, lo, hi = pooled[init]
            rows.append({"protocol": protocol, "resolution": size, "initialisation": upstream.init_label(init, cfg),
                         "AUC mean ± SD (folds)": f"{folds.mean():.3f} ± {folds.std(ddof=1):.3f}",
                         "pooled AUC [95% CI]": f"{auc:.3f} [{lo:.3f}, {hi:.3f}]", "best": init == best,
                         f"DeLong p vs {against or 'best'}": p, "init": init, "mean": folds.mean(),
                         "sd": folds.std(ddof=1), "pooled": auc})
    return pd.DataFrame(rows), oofs


def downstream_bars(oofs: dict, cfg: Config, protocol: str = "LP") -> tuple[list[Bar], list[bool]]:
    """Per initialisation and resolution: pooled out-of-fold AUC vs a prevalence-only score (AUC 0.5),
    stratified paired bootstrap on the same pictures; and whether each is asserted (its rung is in
    ``cfg.asserted_resolutions`` and its initialisation in ``cfg.downstream.lp.asserted_inits`` or, under
    fine-tuning, ``cfg.downstream.ft.asserted_inits``; None: all)."""
    bars = [paired_auc(f"{protocol} {upstream.init_label(init, cfg)} at {size} px: abnormal AUC vs prevalence",
                       o["abnormal"].to_numpy(), o["score"].to_numpy()) for (init, size), o in oofs.items()]
    rungs_ = cfg.asserted_resolutions
    inits = cfg.downstream.ft.asserted_inits if protocol == "FT" else cfg.downstream.lp.asserted_inits
    return bars, [(rungs_ is None or size in rungs_) and (inits is None or init in inits) for init, size in oofs]


def claims(lp: pd.DataFrame, ft: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 1 / Fig. 2A claims beside what our tables show (reported, never asserted).

    ``lp``/``ft``: :func:`table1` of each protocol. "Best" is the highest pooled out-of-fold AUC at a
    rung; a trend is read from the fold-mean AUCs across the rungs (rising: each rung above the one below).
    """
    def best(t: pd.DataFrame) -> dict[int, pd.Series]:
        return {int(r): g.loc[g["pooled"].idxmax()] for r, g in t.groupby("resolution")}

    def trend(init: str) -> list[float]:
        return lp[lp["init"] == init].sort_values("resolution")["mean"].tolist()

    def shown(values: list[float]) -> str:
        return " → ".join(f"{v:.3f}" for v in values)

    rows = []
    for name, t in (("LP", lp), ("FT", ft)):
        b = best(t)
        rows.append({"claim": f"ImageNet + Fundus has the highest {name} AUC at every resolution",
                     "ours": "; ".join(f"{r} px: {row['initialisation']}" for r, row in b.items()),
                     "consistent": all(row["init"] == "ImageNet + Fundus" for row in b.values())})
    for init, word, sign in (("ImageNet", "falls", -1), ("Fundus", "rises", 1)):
        values = trend(init)
        rows.append({"claim": f"{init} LP AUC {word} with resolution", "ours": shown(values),
                     "consistent": bool(np.all(sign * np.diff(values) > 0))})
    return pd.DataFrame(rows)
