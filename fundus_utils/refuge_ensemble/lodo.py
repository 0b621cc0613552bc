"""Leave-one-dataset-out (LODO) evaluation of the glaucoma ensemble.

Zhao et al. (Section 4.1): "we alternately select one of the data sets as the validation set,
and the rest of the data sets are mixed for training". For every held-out domain (a dataset in
the real profiles, a camera style of the synthetic twin in smoke) :func:`run_lodo` trains the
disc locator and all five members on the other domains and scores them and their average on
the held-out one. :func:`in_domain_fold` adds the reference without domain shift: a
patient-level split across all domains (train/val rows train, ``test`` rows are scored).

Our reading where the paper is silent: each fold's training rows lose a patient-level
``cfg.lodo.monitor_fraction`` that monitors training (losses only: no checkpoint or
hyper-parameter is chosen on it, and nothing on the held-out domain); only rows with a
glaucoma label train or score the classifiers, while the disc locator may also learn from
unlabelled training-domain rows that have OD masks (REFUGE Validation400 in the real copy).
Non-square pictures are letterboxed (:func:`load_square`) so that the disc keeps its shape.

Bars (:func:`bars`): the ensemble's AUC must beat chance on the in-domain test split and on the
**pooled held-out predictions** of all LODO folds (:func:`pooled`: every domain is held out once,
so each labelled image is scored exactly once, by models that never saw its domain; the pooled
AUC also asks the folds' scores to be on a common scale, a stricter test than each fold's own). :func:`comparisons` reports, without
asserting, the ensemble against its best member and the contrast-stretch ablation
(``cfg.cls.stretch_ablation``: those members trained once more on unstretched crops, in-domain
fold only).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..config import Config
from ..data import load_resized
from ..data.io import image_size
from ..evaluation import Bar, paired_auc
from ..progress import progress
from . import classification as cls
from . import disc_crop

IN_DOMAIN = "in-domain"
NO_STRETCH = " (no stretch)"  # suffix of an ablation model: the member trained on crops without contrast stretch


@dataclass
class Fold:
    """Positional row indices of one train / monitor / test partition of a sample table."""

    name: str                    # held-out domain, or "in-domain"
    scenario: str                # "LODO" or "in-domain"
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    locator: np.ndarray          # rows whose OD masks may train the disc locator
    held_out: str | None = None  # the domain never seen in training (LODO)


@dataclass
class LodoResult:
    """Per-image predictions of every model in every fold, and one line of bookkeeping per fold."""

    predictions: pd.DataFrame    # scenario, fold, image_id, domain, split, y, model, prob
    folds: pd.DataFrame          # fold, scenario, n_train, n_valid, n_test, positives_test, disc fallbacks, seconds
    crops: dict[str, np.ndarray] = field(default_factory=dict)  # a few disc crops per fold, for figures


# ---------------------------------------------------------------------------- partitions

def _labelled(table: pd.DataFrame) -> np.ndarray:
    return table["glaucoma"].notna().to_numpy() if "glaucoma" in table else np.zeros(len(table), bool)


def _has_od(table: pd.DataFrame) -> np.ndarray:
    if "od_mask" not in table:
        return np.zeros(len(table), bool)
    return table["od_mask"].fillna("").astype(str).str.len().gt(0).to_numpy()


def monitor_split(table: pd.DataFrame, rows: np.ndarray, fraction: float, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Split positional ``rows`` into (train, monitor) by patient, ``fraction`` of the patients monitoring."""
    rows = np.asarray(rows, int)
    if fraction <= 0 or len(rows) == 0:
        return rows, rows[:0]
    patients = table["patient_id"].astype(str).to_numpy()[rows]
    unique = np.unique(patients)
    rng = np.random.default_rng(seed)
    k = max(1, int(round(fraction * len(unique))))
    monitor = set(rng.choice(unique, size=min(k, len(unique) - 1), replace=False)) if len(unique) > 1 else set()
    is_mon = np.array([p in monitor for p in patients])
    return rows[~is_mon], rows[is_mon]


def domain_folds(table: pd.DataFrame, domain_column: str, domains: Sequence[str] | None = None,
                 monitor_fraction: float = 0.1, seed: int = 0) -> list[Fold]:
    """One LODO fold per domain: train on labelled rows of the other domains, test on all labelled rows of it."""
    if domain_column not in table:
        raise KeyError(f"domain_folds: table has no column {domain_column!r}")
    dom = table[domain_column].astype(str).to_numpy()
    domains = list(domains) if domains is not None else sorted(set(dom))
    unknown = [d for d in domains if d not in set(dom)]
    if unknown:
        raise ValueError(f"domain_folds: domains {unknown} not in column {domain_column!r} (have {sorted(set(dom))})")
    if len(domains) < 2:
        raise ValueError(f"leave-one-dataset-out needs at least 2 domains, got {domains}")
    labelled, has_od = _labelled(table), _has_od(table)
    folds = []
    for d in domains:
        inside = dom == d
        others = np.isin(dom, [x for x in domains if x != d])
        train, valid = monitor_split(table, np.flatnonzero(others & labelled), monitor_fraction, seed)
        folds.append(Fold(name=d, scenario="LODO", train=train, valid=valid,
                          test=np.flatnonzero(inside & labelled), locator=np.flatnonzero(others & has_od),
                          held_out=d))
    return folds


def in_domain_fold(table: pd.DataFrame, domain_column: str, domains: Sequence[str] | None = None,
                   monitor_fraction: float = 0.1, seed: int = 0) -> Fold:
    """The reference: patient-level split over all domains (``split != "test"`` trains, ``test`` scores)."""
    dom = table[domain_column].astype(str).to_numpy()
    inside = np.isin(dom, list(domains)) if domains is not None else np.ones(len(table), bool)
    is_test = table["split"].to_numpy() == "test"
    labelled, has_od = _labelled(table), _has_od(table)
    train, valid = monitor_split(table, np.flatnonzero(inside & labelled & ~is_test), monitor_fraction, seed)
    return Fold(name=IN_DOMAIN, scenario=IN_DOMAIN, train=train, valid=valid,
                test=np.flatnonzero(inside & labelled & is_test), locator=np.flatnonzero(inside & has_od & ~is_test))


def check_fold(table: pd.DataFrame, fold: Fold, domain_column: str) -> None:
    """Raise if test rows or their patients leak into training, or a LODO fold trains on its held-out domain."""
    fit = np.concatenate([fold.train, fold.valid, fold.locator])
    if np.intersect1d(fit, fold.test).size:
        raise AssertionError(f"fold {fold.name}: test rows also train")
    pid = table["patient_id"].astype(str).to_numpy()
    shared = set(pid[fold.test]) & set(pid[np.concatenate([fold.train, fold.valid])])
    if shared:
        raise AssertionError(f"fold {fold.name}: patients both trained and tested: {sorted(shared)[:5]}")
    if fold.held_out is not None:
        dom = table[domain_column].astype(str).to_numpy()
        if (dom[fit] == fold.held_out).any():
            raise AssertionError(f"fold {fold.name}: trains on rows of the held-out domain {fold.held_out!r}")
    if len(fold.train) == 0 or len(fold.test) == 0:
        raise ValueError(f"fold {fold.name}: {len(fold.train)} training and {len(fold.test)} test rows")


# ---------------------------------------------------------------------------------- data

def _letterboxed(part: pd.DataFrame, side: int, column: str, group_column: str) -> np.ndarray:
    """``part[column]`` files resized (cached) to fit ``side`` with their aspect ratio kept, zero-padded.

    The aspect ratio is read once per ``group_column`` value (the first image's header), so each
    dataset is cached at one (H, W); square sources are simply resized.
    """
    out: np.ndarray | None = None
    groups = part[group_column].astype(str).to_numpy() if group_column in part else np.zeros(len(part), str)
    for g in pd.unique(groups):
        rows = np.flatnonzero(groups == g)
        w, h = image_size(str(part["image"].iloc[rows[0]]))
        scale = side / max(w, h)
        hh, ww = max(1, round(h * scale)), max(1, round(w * scale))
        arr = load_resized(part.iloc[rows], (hh, ww), [column])[column]
        if out is None:
            out = np.zeros((len(part), side, side) + arr.shape[3:], arr.dtype)
        top, left = (side - hh) // 2, (side - ww) // 2
        out[rows, top:top + hh, left:left + ww] = arr
    return out


def load_square(table: pd.DataFrame, side: int, group_column: str = "dataset") -> np.ndarray:
    """uint8 ``N x side x side x 3``: the table's images letterboxed to ``side`` (see :func:`_letterboxed`)."""
    if len(table) == 0:
        return np.zeros((0, side, side, 3), np.uint8)
    return _letterboxed(table, side, "image", group_column)


def load_od_masks(table: pd.DataFrame, rows: np.ndarray, side: int, group_column: str = "dataset") -> np.ndarray:
    """bool ``len(rows) x side x side`` OD masks letterboxed like :func:`load_square` (rows must have masks)."""
    part = table.iloc[np.asarray(rows, int)]
    if len(part) == 0:
        return np.zeros((0, side, side), bool)
    return _letterboxed(part, side, "od_mask", group_column).astype(bool)


# -------------------------------------------------------------------------------- running

def run_fold(table: pd.DataFrame, images: np.ndarray, fold: Fold, cfg: Config, domain_column: str,
             seed: int = 0) -> tuple[pd.DataFrame, dict[str, Any], np.ndarray]:
    """Train the locator and every member of ``cfg.cls.members`` on ``fold``; predictions for its test rows.

    ``images`` are the table's pictures at ``cfg.cls.source_size`` (:func:`load_square`).
    Returns (long predictions, bookkeeping, a few test disc crops).
    """
    check_fold(table, fold, domain_column)
    t0 = time.perf_counter()
    used = np.concatenate([fold.train, fold.valid, fold.test])
    loc_size = int(cfg.cls.locator["size"])
    loc_rows = fold.locator
    cap = cfg.cls.locator.get("max_images")
    if cap and len(loc_rows) > cap:  # a random subset (seeded), for speed
        loc_rows = np.sort(np.random.default_rng(seed).choice(loc_rows, size=int(cap), replace=False))
    masks = load_od_masks(table, loc_rows, loc_size)
    locator = disc_crop.fit_locator(images[loc_rows], masks, cfg, cfg.cls.locator, progress=False,
                                    patients=table["patient_id"].astype(str).to_numpy()[loc_rows], seed=seed)
    probs = disc_crop.locate(locator, images[used], cfg, cfg.cls.locator)
    boxes = disc_crop.disc_boxes(probs, images.shape[1], factor=cfg.cls.crop_factor, fallback="centre",
                                 fallback_diameter=cfg.cls.fallback_diameter,
                                 ids=table["image_id"].astype(str).to_numpy()[used].tolist())
    raw_crops = disc_crop.crop_discs(images[used], boxes, int(cfg.cls.crop_size))
    crops = disc_crop.stretch_contrast(raw_crops) if cfg.cls.crop_stretch else raw_crops
    full = disc_crop.resize_stack(images[used], int(cfg.cls.image_size))
    inputs = {"image": full, "disc": crops}
    n_tr, n_va = len(fold.train), len(fold.valid)
    part = {"train": slice(0, n_tr), "valid": slice(n_tr, n_tr + n_va), "test": slice(n_tr + n_va, None)}
    y = table["glaucoma"].to_numpy()[used].astype(int)
    probs_by_model: dict[str, np.ndarray] = {}
    for i, member in enumerate(cfg.cls.members):
        x = inputs[cfg.cls.inputs[member]]
        learn = cls.fit_member(member, x[part["train"]], y[part["train"]], x[part["valid"]], y[part["valid"]],
                               cfg, seed=seed + i, progress=False)
        probs_by_model[member] = cls.predict_member(learn, x[part["test"]], cfg)
    probs_by_model[cls.ENSEMBLE] = cls.ensemble_probability(probs_by_model, cfg.cls.members)
    ablate = cfg.cls.get("stretch_ablation", ()) if cfg.cls.crop_stretch and fold.scenario == IN_DOMAIN else ()
    for member in ablate:  # the same member and seed on unstretched crops (not part of the ensemble)
        if cfg.cls.inputs[member] != "disc":
            raise ValueError(f"cls.stretch_ablation: member {member!r} does not see the disc crop")
        i = list(cfg.cls.members).index(member)
        learn = cls.fit_member(member, raw_crops[part["train"]], y[part["train"]], raw_crops[part["valid"]],
                               y[part["valid"]], cfg, seed=seed + i, progress=False)
        probs_by_model[member + NO_STRETCH] = cls.predict_member(learn, raw_crops[part["test"]], cfg)
    test = table.iloc[fold.test]
    frames = [pd.DataFrame({"scenario": fold.scenario, "fold": fold.name, "image_id": test["image_id"].to_numpy(),
                            "domain": test[domain_column].astype(str).to_numpy(), "split": test["split"].to_numpy(),
                            "y": y[part["test"]], "model": m, "prob": p}) for m, p in probs_by_model.items()]
    fb_test = boxes.fallback[part["test"]]
    info = dict(fold=fold.name, scenario=fold.scenario, n_train=n_tr, n_valid=n_va, n_test=len(fold.test),
                positives_test=int(y[part["test"]].sum()), n_locator=len(loc_rows),
                disc_fallbacks=int(boxes.n_fallback), disc_fallbacks_test=int(fb_test.sum()),
                seconds=round(time.perf_counter() - t0, 1))
    return pd.concat(frames, ignore_index=True), info, crops[part["test"]][:8]


def run_lodo(table: pd.DataFrame, cfg: Config, domains: Sequence[str] | None = None,
             in_domain: bool = True) -> LodoResult:
    """All LODO folds (and the in-domain reference when ``in_domain``), with ``cfg.lodo_*`` settings."""
    col = cfg.lodo.domain_column
    folds = domain_folds(table, col, domains, cfg.lodo.monitor_fraction, cfg.seed)
    if in_domain:
        folds.append(in_domain_fold(table, col, domains, cfg.lodo.monitor_fraction, cfg.seed))
    images = load_square(table, int(cfg.cls.source_size))
    preds, infos, crops = [], [], {}
    for fold in progress(folds, "LODO folds"):
        p, info, c = run_fold(table, images, fold, cfg, col, seed=cfg.seed)
        preds.append(p)
        infos.append(info)
        crops[fold.name] = c
    return LodoResult(predictions=pd.concat(preds, ignore_index=True), folds=pd.DataFrame(infos), crops=crops)


# -------------------------------------------------------------------------------- scoring

def summarise(predictions: pd.DataFrame, n_boot: int = 2000, specificity: float = 0.85,
              by_domain: bool = False) -> pd.DataFrame:
    """Metrics per (scenario, fold[, domain], model): n, positives, AUC [CI], sensitivity at ``specificity``."""
    keys = ["scenario", "fold"] + (["domain"] if by_domain else [])
    rows = []
    for key, g in predictions.groupby(keys, sort=False):
        probs = {m: gm["prob"].to_numpy() for m, gm in g.groupby("model", sort=False)}
        y = g[g["model"] == next(iter(probs))]["y"].to_numpy()
        s = cls.score(y, probs, n_boot=n_boot, specificity=specificity)
        for k, v in zip(keys, key if isinstance(key, tuple) else (key,)):
            s.insert(list(keys).index(k), k, v)
        rows.append(s)
    return pd.concat(rows, ignore_index=True)


def table_text(summary: pd.DataFrame, index: Sequence[str] = ("fold", "model")) -> pd.DataFrame:
    """Book table: ``AUC [95 % CI]`` and sensitivity at 85 % specificity, indexed by ``index``."""
    df = summary.copy()
    df["AUC [95% CI]"] = [cls.auc_text(a, lo, hi) for a, lo, hi in zip(df["auc"], df["auc_lo"], df["auc_hi"])]
    df["sens @ 85% spec"] = df["sens_at_spec"].round(3)
    cols = [*index, "n", "positives", "AUC [95% CI]", "sens @ 85% spec"]
    return df[cols].set_index(list(index))



# ----------------------------------------------------------------------------------- bars

def model_scores(predictions: pd.DataFrame, model: str, scenario: str | None = None, fold: str | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image ids, labels, probabilities) of ``model``'s rows (optionally one scenario / fold), in row order."""
    g = predictions[predictions["model"] == model]
    if scenario is not None:
        g = g[g["scenario"] == scenario]
    if fold is not None:
        g = g[g["fold"] == fold]
    return g["image_id"].astype(str).to_numpy(), g["y"].to_numpy(float), g["prob"].to_numpy(float)


def pooled(predictions: pd.DataFrame, model: str = cls.ENSEMBLE) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities of ``model`` pooled over all LODO folds (each image held out once).

    Raises if an image appears in two folds' held-out sets (the folds would not partition the data).
    """
    ids, y, p = model_scores(predictions, model, scenario="LODO")
    if len(ids) == 0:
        raise ValueError(f"pooled: no LODO predictions of model {model!r}")
    if len(set(ids)) != len(ids):
        raise ValueError("pooled: an image is held out by more than one LODO fold")
    return y, p


def bars(predictions: pd.DataFrame, model: str = cls.ENSEMBLE) -> list[Bar]:
    """The asserted bars: ``model``'s AUC against chance in-domain (when that fold ran) and on the pooled LODO
    predictions (when any LODO fold ran)."""
    out = []
    if (predictions["scenario"] == IN_DOMAIN).any():
        _, y, p = model_scores(predictions, model, scenario=IN_DOMAIN)
        out.append(paired_auc(f"{model} AUC vs chance, in-domain test split", y, p))
    if (predictions["scenario"] == "LODO").any():
        y, p = pooled(predictions, model)
        n = predictions.loc[predictions["scenario"] == "LODO", "fold"].nunique()
        out.append(paired_auc(f"{model} AUC vs chance, pooled held-out predictions of {n} LODO folds", y, p))
    return out


BAR_SCOPES = {IN_DOMAIN: "in-domain", "pooled": "pooled held-out"}  # cfg.cls.asserted_bars key -> words in the bar name


def asserted(bars_: Sequence[Bar], scopes: Sequence[str]) -> list[bool]:
    """Which of :func:`bars` are asserted: those whose scope (``"in-domain"``, ``"pooled"``) is in ``scopes``.

    A profile whose in-domain test split is too small to support a bar (the smoke twin: about a hundred
    images, where an AUC of 0.65 has a 95 % interval reaching down to chance) reports that bar without
    asserting it (``cfg.cls.asserted_bars``).
    """
    unknown = [s for s in scopes if s not in BAR_SCOPES]
    if unknown:
        raise ValueError(f"cls.asserted_bars: unknown scopes {unknown}; use {sorted(BAR_SCOPES)}")
    return [any(BAR_SCOPES[s] in b.name for s in scopes) for b in bars_]


def comparisons(predictions: pd.DataFrame, members: Sequence[str]) -> list[Bar]:
    """Information, not asserted: the ensemble against its best member (chosen by AUC on the same images, so
    favouring the member) in-domain and pooled over LODO, and each stretch ablation against its member."""
    out = []
    scopes = []
    if (predictions["scenario"] == IN_DOMAIN).any():
        scopes.append(("in-domain test split", lambda m: model_scores(predictions, m, scenario=IN_DOMAIN)[1:]))
    if (predictions["scenario"] == "LODO").any():
        scopes.append(("pooled LODO", lambda m: pooled(predictions, m)))
    for label, get in scopes:
        y, ens = get(cls.ENSEMBLE)
        aucs = {m: paired_auc(m, y, get(m)[1]).method for m in members}
        best = max(aucs, key=lambda m: aucs[m] if np.isfinite(aucs[m]) else -np.inf)
        out.append(paired_auc(f"ensemble vs its best member ({best}), {label}", y, ens, get(best)[1]))
    ablations = sorted(m for m in predictions["model"].unique() if str(m).endswith(NO_STRETCH))
    for abl in ablations:
        member = abl[: -len(NO_STRETCH)]
        _, y, p_stretch = model_scores(predictions, member, scenario=IN_DOMAIN)
        _, y2, p_raw = model_scores(predictions, abl, scenario=IN_DOMAIN)
        if not np.array_equal(y, y2):
            raise ValueError(f"comparisons: {abl} was not scored on the images of {member}")
        out.append(paired_auc(f"{member}: contrast-stretched crops vs unstretched (ablation), in-domain", y,
                              p_stretch, p_raw))
    return out


# --------------------------------------------------------------------------- real datasets

def open_domains(cfg: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real datasets of ``cfg.lodo.datasets`` found under the data root, concatenated.

    Returns (table, presence) where presence has one row per dataset: status, images,
    glaucoma-labelled images, note. Raises ``MissingDatasetError`` with every absent
    dataset's manifest message when fewer than ``cfg.lodo.min_datasets`` are present.
    """
    from ..data.errors import MissingDatasetError
    from ..data.registry import get, missing_message
    from ..data.summary import open_present

    tables, rows, notes = [], [], []
    for name in cfg.lodo.datasets:
        o = open_present(name, cfg.data_root, **(cfg.lodo.open_kwargs.get(name) or {}))
        labelled = int(o.table["glaucoma"].notna().sum()) if o.present and "glaucoma" in o.table else 0
        rows.append(dict(dataset=name, status=o.status, images=len(o.table) if o.present else 0,
                         glaucoma_labelled=labelled, note=o.note))
        if o.present and labelled:
            t = o.table.copy()
            t["dataset"] = name
            tables.append(t)
        elif not o.present:
            entry = get(name)
            looked = Path(cfg.data_root) / entry.folder if cfg.data_root is not None and entry.folder else None
            notes.append(missing_message(entry, looked) if o.status == "absent" else f"{name}: {o.note}")
    presence = pd.DataFrame(rows).set_index("dataset")
    if len(tables) < cfg.lodo.min_datasets:
        raise MissingDatasetError(
            f"leave-one-dataset-out needs at least {cfg.lodo.min_datasets} datasets with glaucoma labels; found "
            f"{[t['dataset'].iloc[0] for t in tables]} under {cfg.data_root}.\n" + "\n".join(notes) +
            "\n(see data_manifests/<name>.yaml for where to get each and the layout expected)")
    return pd.concat(tables, ignore_index=True), presence


# ------------------------------------------------------------------------- table, figure

def shift_table(summary: pd.DataFrame, in_domain_by_domain: pd.DataFrame | None,
                models: Sequence[str] = ("disc", cls.ENSEMBLE)) -> pd.DataFrame:
    """Per held-out domain: LODO AUC beside the in-domain AUC on that domain's test split (and the drop)."""
    lodo_part = summary[summary["scenario"] == "LODO"]
    rows = []
    for _, r in lodo_part[lodo_part["model"].isin(models)].iterrows():
        row = {"held-out": r["fold"], "model": r["model"], "LODO AUC": r["auc"]}
        if in_domain_by_domain is not None and len(in_domain_by_domain):
            m = in_domain_by_domain[(in_domain_by_domain["domain"] == r["fold"]) &
                                    (in_domain_by_domain["model"] == r["model"])]
            row["in-domain AUC"] = float(m["auc"].iloc[0]) if len(m) else np.nan
            row["drop"] = row["in-domain AUC"] - row["LODO AUC"]
        rows.append(row)
    return pd.DataFrame(rows).set_index(["held-out", "model"]).round(3)


def plot_auc(summary: pd.DataFrame, title: str = ""):
    """AUC with 95 % CI per held-out domain (x) for every model (offset markers); in-domain last."""
    import matplotlib.pyplot as plt

    from ..report import style

    folds = list(dict.fromkeys(summary["fold"]))
    models = list(dict.fromkeys(summary["model"]))
    fig, ax = plt.subplots(figsize=(2.2 + 1.5 * len(folds), 3.6))
    width = 0.8 / max(len(models), 1)
    colours = [c for c in style.PALETTE if c != style.GREY]  # the book's colour-blind cycle (grey: chance line)
    for j, m in enumerate(models):
        part = summary[summary["model"] == m].set_index("fold").reindex(folds)
        x = np.arange(len(folds)) - 0.4 + width * (j + 0.5)
        err = np.vstack([part["auc"] - part["auc_lo"], part["auc_hi"] - part["auc"]])
        ens = m == cls.ENSEMBLE
        ax.errorbar(x, part["auc"], yerr=err, fmt="D" if ens else "o", ms=7 if ens else 5, capsize=2,
                    color="black" if ens else colours[j % len(colours)], label=m, lw=1.6 if ens else 1)
    ax.axhline(0.5, color="0.6", ls=":", lw=1)
    ax.set_xticks(np.arange(len(folds)), [f"{f}\n(held out)" if f != IN_DOMAIN else f for f in folds])
    ax.set_ylabel("AUC (95 % CI)")
    ax.set_ylim(0.2, 1.02)
    ax.legend(ncol=min(4, len(models)), loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
