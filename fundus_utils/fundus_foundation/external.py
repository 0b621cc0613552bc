"""External validation of the abnormality task (Results, "External Validation for Abnormality Classification").

The paper applies its abnormality models to JSIEC and RFMiD. Our reading: each initialisation's
linear probe is trained on every downstream picture (the Table 1 set; no picture of an external
set is seen in training) and scores each external set, whose AUC and DeLong 95 % CI are reported
with DeLong's test against the best initialisation on that set. In ``smoke`` the external sets are
screening twins of camera styles the downstream set never had (``cfg.external.sets``: e.g. a third
fitted device, or a fresh random style per eye); in ``full`` they are registered datasets with an
``abnormal`` label (``abnormal`` of the set's spec: RFMiD's ``Disease_Risk`` of its labels CSV; JSIEC: any class
but Normal).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import data
from ..config import Config
from ..evaluation import delong_ci, delong_test
from ..evaluation.bars import Bar, paired_auc
from . import downstream, upstream
from .upstream import INITS, pictures


def abnormal_column(table: pd.DataFrame, rule: str | None, where: str) -> pd.Series:
    """The 0/1 ``abnormal`` label of an external set: its own ``abnormal`` column (``rule`` None), a 0/1 column
    (``"label_Disease_Risk"``), or the complement of one (``"not label_Normal"``: every other class is abnormal)."""
    name = rule.removeprefix("not ").strip() if rule else "abnormal"
    if name not in table:
        raise ValueError(f"external set {where}: no column {name!r} to read 'abnormal' from "
                         f"(rule {rule!r}; label columns: {[c for c in table if c.startswith('label_')][:8]})")
    values = table[name]
    if not values.isin([0, 1]).all():
        raise ValueError(f"external set {where}: column {name!r} must be 0/1 to define 'abnormal'")
    return (1 - values if rule and rule.startswith("not ") else values).astype(int)


def external_tables(cfg: Config) -> dict[str, pd.DataFrame]:
    """The external sets of ``cfg.external.sets`` by name, each with an ``abnormal`` column (rows of ``split``)."""
    out = {}
    for spec in cfg.external.sets:
        table = data.open_dataset(spec["dataset"], cfg.data_root, **dict(spec.get("twin") or {})).copy()
        table["abnormal"] = abnormal_column(table, spec.get("abnormal"), f"{spec['name']!r} ({spec['dataset']})")
        if spec.get("split"):
            table = table[table["split"] == spec["split"]].reset_index(drop=True)
        out[spec["name"]] = table
    return out


def external_scores(cfg: Config, size: int | None = None) -> pd.DataFrame:
    """One row per external set and initialisation: pictures, abnormal, AUC [DeLong 95 % CI], DeLong p against the
    best initialisation on that set, and the scores (column ``scores``, for the bars; labels in ``labels``)."""
    size = size or max(cfg.resolutions)
    down = downstream.downstream_table(cfg)
    y, x = down["abnormal"].to_numpy(int), pictures(down, size)
    sets = external_tables(cfg)
    rows = []
    for init in INITS:
        head = downstream.fit_head(downstream.trunk_features(init, cfg, size, x), y, cfg, seed=cfg.seed * 100)
        for name, table in sets.items():
            s = downstream.head_scores(head, downstream.trunk_features(init, cfg, size, pictures(table, size)))
            rows.append({"external set": name, "initialisation": upstream.init_label(init, cfg), "init": init,
                         "pictures": len(table), "abnormal": int(table["abnormal"].sum()),
                         "labels": table["abnormal"].to_numpy(int), "scores": s})
    out = pd.DataFrame(rows)
    out["auc"], out["AUC [95% CI]"], out["DeLong p vs best"] = np.nan, "", np.nan
    for name, g in out.groupby("external set"):
        cis = {i: delong_ci(r.labels, r.scores) for i, r in g.iterrows()}
        best = max(cis, key=lambda i: cis[i][0])
        for i, r in g.iterrows():
            out.loc[i, "auc"] = cis[i][0]
            out.loc[i, "AUC [95% CI]"] = "{:.3f} [{:.3f}, {:.3f}]".format(*cis[i])
            if i != best:
                out.loc[i, "DeLong p vs best"] = delong_test(r.labels, r.scores, g.loc[best, "scores"])["p"]
    out["resolution"] = size
    return out


def external_bars(scores: pd.DataFrame) -> list[Bar]:
    """Per external set and initialisation: AUC vs a prevalence-only score on the same pictures."""
    return [paired_auc(f"LP {r['initialisation']} on {r['external set']}: abnormal AUC vs prevalence", r["labels"],
                       r["scores"]) for _, r in scores.iterrows()]


def asserted(scores: pd.DataFrame, cfg: Config) -> list[bool]:
    """Whether each row's bar is asserted: its rung is in ``cfg.asserted_resolutions`` and its initialisation in
    ``cfg.external.asserted_inits`` (None: every one)."""
    rungs, inits = cfg.asserted_resolutions, cfg.external.asserted_inits
    return [(rungs is None or r.resolution in rungs) and (inits is None or r.init in inits)
            for r in scores.itertuples()]
