"""The chapter page's opening table: each of the paper's claims, and what this run says about it.

Zhao et al. report no result numbers, so the "paper" column states the claim and says so;
"ours" is the paired comparison this book runs for it (a row of a bars or comparison table
that notebooks 02-04 wrote to the chapter's results folder: method vs baseline on the same
images, the gain with its paired bootstrap 95 % CI) and "what it means" is the CI in words
(:func:`fundus_utils.evaluation.verdict`). Notebook 04, the chapter's last, builds it; a
comparison whose notebook has not run reads "not run".
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluation import verdict

NOT_GIVEN = "claimed; no number given"

#: (claim, results file, bar-name prefix, which notebook writes it)
CLAIMS = [
    ("integrating the five members improves classification (in-domain)", "re_cls_comparisons",
     "ensemble vs its best member", "in-domain", "04"),
    ("integrating the five members improves classification (held-out datasets)", "re_cls_comparisons",
     "ensemble vs its best member", "pooled LODO", "04"),
    ("the ensemble generalises to unseen datasets", "re_cls_bars", "ensemble AUC vs chance, pooled", "", "04"),
    ("CE-Net segments the optic disc", "re_seg_bars", "OD Dice, CE-Net vs", "", "02"),
    ("CE-Net segments the optic cup", "re_seg_bars", "OC Dice, CE-Net vs", "", "02"),
    ("bi-distance regression locates the fovea", "re_fovea_bars", "fovea error (DD, median), bi-distance", "", "03"),
    ("bi-distance regression locates the disc centre", "re_fovea_bars", "OD centre error (DD, median), bi-distance", "", "03"),
]


def _row(results: Path, file: str, prefix: str, contains: str) -> pd.Series | None:
    path = results / f"{file}.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    hits = table[table["name"].str.startswith(prefix) & table["name"].str.contains(contains, regex=False)]
    if len(hits) > 1:
        raise ValueError(f"{path}: {len(hits)} rows start with {prefix!r} and contain {contains!r}; expected one")
    return hits.iloc[0] if len(hits) else None


def _ours(r: pd.Series) -> str:
    return (f"{r['name']}: {r['method']:.3f} vs {r['baseline']:.3f}, gain {r['gain']:+.3f} "
            f"[{r['lo']:+.3f}, {r['hi']:+.3f}] (n = {int(r['n'])})")


def at_a_glance(cfg) -> pd.DataFrame:
    """One row per claim: the paper's (no number), ours from this run's results, profile, meaning."""
    results = Path(cfg.results_dir)
    rows = []
    for claim, file, prefix, contains, notebook in CLAIMS:
        r = _row(results, file, prefix, contains)
        if r is None:
            rows.append((claim, NOT_GIVEN, f"not run (notebook {notebook} writes {file})", cfg.profile, "—"))
        else:
            rows.append((claim, NOT_GIVEN, _ours(r), cfg.profile,
                         verdict(float(r["lo"]), float(r["hi"])) if np.isfinite(r["gain"]) else "not computed"))
    return pd.DataFrame(rows, columns=["claim (Zhao et al.)", "paper", "ours: method vs baseline, gain [95 % CI]",
                                       "profile", "what it means"]).set_index("claim (Zhao et al.)")
