"""Result tables in the paper's layout, and the paper's numbers beside ours.

Columns follow Table 1 of Pascal et al. (2022): #P (millions of parameters), time
(seconds per training iteration), glaucoma AUC, OD Dice, OC Dice, fovea error (pixels);
each metric as mean ± SD over folds (Tables 1-2) or seeds (Tables 3-4). ``AUC`` is the
headline (STL: the glaucoma network's FC head alone, the abstract's "same backbone trained
to detect glaucoma"; multi-task schemes: FC + vCDR); ``AUC (FC + vCDR)`` is the combined
score for every method. We add vCDR MAE and the AUCs of the two parts of the glaucoma
score (FC head, vCDR regression); :func:`vcdr_measures` compares the two vCDR measures.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..report import paper_values

COLUMNS = {"auc": "AUC", "auc_combined": "AUC (FC + vCDR)", "auc_fc": "AUC (FC)", "auc_vcdr": "AUC (vCDR)", "dice_od": "OD DSC", "dice_oc": "OC DSC",
           "vcdr_mae": "vCDR MAE", "fovea_px": "Fovea error (px)",
           "auc_vcdr_soft": "AUC of vCDR (soft)", "auc_vcdr_mask": "AUC of vCDR (mask)",
           "vcdr_mae_soft": "vCDR MAE (soft)", "vcdr_mae_mask": "vCDR MAE (mask)"}
VCDR_COLUMNS = ("auc_vcdr_soft", "auc_vcdr_mask", "vcdr_mae_soft", "vcdr_mae_mask")
ORDER = ["STL", "MTL-IO", "Vanilla MTL", "Res34-Unet", "GradNorm", "PCGrad", "U-Net (plain)"]


def _fmt(mean: float, sd: float, digits: int) -> str:
    if not np.isfinite(mean):
        return "-"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}" if np.isfinite(sd) else f"{mean:.{digits}f}"


def summary(runs: pd.DataFrame, metrics: Sequence[str] = tuple(COLUMNS), digits: int = 3) -> pd.DataFrame:
    """Mean and SD per method over folds/seeds: numeric columns ``<metric>`` and ``<metric>_sd``."""
    g = runs.groupby("method", sort=False)
    out = pd.DataFrame(index=[m for m in ORDER if m in g.groups] + [m for m in g.groups if m not in ORDER])
    out.index.name = "method"
    for m in metrics:
        if m in runs:
            out[m] = g[m].mean()
            out[f"{m}_sd"] = g[m].std(ddof=1)
    out["n"] = g.size()
    return out


def paper_layout(summ: pd.DataFrame, params: pd.Series | None = None, times: pd.Series | None = None,
                 metrics: Sequence[str] = ("auc", "auc_combined", "dice_od", "dice_oc", "fovea_px", "vcdr_mae", "auc_fc",
                                           "auc_vcdr"),
                 digits: int = 3) -> pd.DataFrame:
    """Display table: ``#P (M)``, ``time (s)``, then ``mean ± SD`` per metric (the paper's Table 1 layout)."""
    out = pd.DataFrame(index=summ.index)
    if params is not None:
        out["#P (M)"] = [f"{params[m] / 1e6:.3f}" if m in params else "-" for m in summ.index]
    if times is not None:
        out["time (s)"] = [f"{times[m]:.3f}" if m in times else "-" for m in summ.index]
    for m in metrics:
        if m in summ:
            out[COLUMNS[m]] = [_fmt(a, b, digits) for a, b in zip(summ[m], summ[f"{m}_sd"])]
    return out


def vcdr_measures(summ: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """AUC of the measured vCDR and vCDR MAE by both measures (soft column sums vs thresholded masks)."""
    cols = [c for c in VCDR_COLUMNS if c in summ]
    out = pd.DataFrame(index=summ.index)
    for m in cols:
        out[COLUMNS[m]] = [_fmt(a, b, digits) for a, b in zip(summ[m], summ[f"{m}_sd"])]
    return out.loc[[i for i in out.index if summ.loc[i, cols].notna().any()]]


def paper_table(key: str) -> pd.DataFrame:
    """A table of ``paper_values/mtl_glaucoma.json`` indexed by method."""
    return paper_values.frame("mtl_glaucoma", key, index="method")


def paper_vs_ours(summ: pd.DataFrame, key: str, metrics: Sequence[str], extra: dict[str, pd.Series] | None = None,
                  digits: int = 3) -> pd.DataFrame:
    """Paper and our means side by side, per metric (``(metric, paper|ours)`` columns)."""
    paper = paper_table(key)
    ours = pd.DataFrame(index=summ.index)
    for m in metrics:
        if m in summ:
            ours[m] = summ[m]
    for name, series in (extra or {}).items():
        ours[name] = series.reindex(ours.index)
    cols = [c for c in paper.columns if c in ours.columns]
    idx = [m for m in ORDER if m in set(paper.index) | set(ours.index)]
    both = paper_values.side_by_side(ours[cols].reindex(idx), paper[cols].reindex(idx).astype(float))
    return readable(both.round(digits), digits)


def at_a_glance(summ: pd.DataFrame, params: pd.Series, times: pd.Series, cfg, digits: int = 3) -> pd.DataFrame:
    """The page's opening table: the paper's Table 1 headline claims, its numbers and ours
    (mean ± SD over folds), the profile, and what a difference means. Cells the paper lost
    read "not reported"; parameters in M; nothing typed in - every "ours" comes from ``summ``."""
    paper = paper_table("table1").apply(pd.to_numeric, errors="coerce")  # null cells: NaN
    scaled = cfg.profile != "full"
    why = ("smoke: the synthetic twin, a narrow network and a few CPU epochs - the code learns; "
           "the paper's values need the full profile" if cfg.profile == "smoke" else
           f"{cfg.profile}: fewer images, epochs and channels than the paper" if scaled else "the paper's settings")

    def pm(frame: pd.DataFrame, method: str, metric: str) -> str:
        if method not in frame.index or not np.isfinite(frame.loc[method, metric]):
            return "not reported"
        sd = frame.loc[method, f"{metric}_sd"] if f"{metric}_sd" in frame else np.nan
        return _fmt(frame.loc[method, metric], sd, digits)

    def gap(frame: pd.DataFrame, metric: str) -> str:
        try:
            d = frame.loc["MTL-IO", metric] - frame.loc["STL", metric]
        except KeyError:
            return "not reported"
        return f"{d:+.{digits}f}" if np.isfinite(d) else "not reported"

    def param_m(frame_or_series, method: str) -> str:
        v = frame_or_series.get(method, np.nan) if hasattr(frame_or_series, "get") else np.nan
        return f"{v / 1e6:.2f} M" if np.isfinite(v) else "not reported"

    rows = [("Glaucoma AUC, MTL-IO", pm(paper, "MTL-IO", "auc"), pm(summ, "MTL-IO", "auc"), why),
            ("Glaucoma AUC, STL (FC head alone)", pm(paper, "STL", "auc"), pm(summ, "STL", "auc"), why),
            ("AUC gain of MTL-IO over STL", gap(paper, "auc"), gap(summ, "auc"),
             "the paper's headline claim; the sign is what a scaled run can show"),
            ("OC Dice, MTL-IO", pm(paper, "MTL-IO", "dice_oc"), pm(summ, "MTL-IO", "dice_oc"),
             "the paper's Table 1 lost its Dice cells"),
            ("Parameters, STL (4 networks)", param_m(paper["params"], "STL"), param_m(params, "STL"),
             "this profile's width (the page's parameter section gives width 64)" if scaled else ""),
            ("Seconds per iteration, MTL-IO", _fmt(paper.loc["MTL-IO", "time_s"], np.nan, digits),
             _fmt(times.get("MTL-IO", np.nan), np.nan, digits), f"{cfg.device}, this profile's network and batch")]
    out = pd.DataFrame(rows, columns=["claim (Table 1)", "paper", "ours", "what the difference means"])
    out.insert(3, "profile", cfg.profile)
    return out.set_index("claim (Table 1)")


def report_official_split(runs: pd.DataFrame, table: str, cfg, how: str) -> None:
    """Tables 3 and 4: the paper's layout, the per-seed values and paper vs ours, each saved and shown.

    ``table``: ``"table3"`` or ``"table4"``; ``how``: the initialisation, for the captions.
    """
    from .. import report

    number, summ = table.removeprefix("table"), summary(runs)
    report.table(paper_layout(summ), f"mtl_{table}",
                 f"Table {number} (ours): official split, {how}, mean ± SD over seeds {list(cfg.seeds)}.", cfg)
    report.table(runs.set_index(["method", "seed"])[["auc", "auc_combined", "dice_od", "dice_oc", "fovea_px", "vcdr_mae"]],
                 f"mtl_{table}_per_seed", f"Table {number} per seed.", cfg)
    report.table(paper_vs_ours(summ, table, ["auc", "dice_od", "dice_oc", "fovea_px"]), f"mtl_{table}_paper_vs_ours",
                 f"Table {number}, paper vs ours (means over seeds; every cell of the paper's table was lost from "
                 "its text: not reported).", cfg)


def readable(both: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Paper-vs-ours cells as text: a number, "not reported" for a paper cell lost from its
    text, "-" where we have no value (a method without that output)."""
    out = both.astype(object).copy()
    for col in both.columns:
        empty = "not reported" if col[-1] == "paper" else "-"
        out[col] = [empty if not np.isfinite(v) else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}"
                                                        if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}")
                    for v in both[col].astype(float)]
    return out


__all__ = ["COLUMNS", "ORDER", "VCDR_COLUMNS", "paper_layout", "readable", "paper_table", "paper_vs_ours", "summary",
           "vcdr_measures"]
