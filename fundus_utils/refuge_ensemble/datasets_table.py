"""Table 1 of Zhao et al. (the datasets) regenerated from the manifests and from the copies present.

The paper lists, per dataset, glaucoma / non-glaucoma images and whether OD/OC and fovea
ground truth exist (its Table 1; stored in ``report/paper_values/refuge_ensemble.json``).
Here the same columns come from

* :func:`from_manifests` - the structured fields of ``data_manifests/<name>.yaml``: ``totals``
  (glaucoma / normal) where given, else ``class_counts`` summed over the splits that document
  them (the note says which, e.g. Drishti-GS1's manifest counts the training labels only);
  ``masks`` with ``od_mask`` and ``oc_mask`` -> OD/OC GT; a ``fovea`` entry -> fovea GT;
* :func:`from_data` - the copies found under the data root (``open_present``): labelled
  glaucoma / normal rows, unlabelled rows, images with OD masks and with a fovea position;

and :func:`compare` puts paper, manifests and data side by side with a status per dataset.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np
import pandas as pd

from ..data.summary import load_manifests, open_present
from ..report import paper_values

# Table 1's names -> the book's dataset / manifest names.
PAPER_TO_BOOK = {"REFUGE": "REFUGE", "ORIGA": "ORIGA", "Drishti-GS1": "Drishti-GS1", "RIMONE_r3": "RIM-ONE-r3",
                 "RIM-ONE-r3": "RIM-ONE-r3", "ACRIMA": "ACRIMA"}
SPLITS = ("train", "val", "test")


def paper_table() -> pd.DataFrame:
    """The paper's Table 1, indexed by dataset (book names)."""
    df = paper_values.frame("refuge_ensemble", "table1")
    df["dataset"] = [PAPER_TO_BOOK.get(d, d) for d in df["dataset"]]
    return df.set_index("dataset")


def manifest_counts(m: Mapping[str, Any]) -> dict[str, Any]:
    """Glaucoma / non-glaucoma counts, OD/OC and fovea GT that one manifest documents (see module docstring)."""
    totals = m.get("totals") or {}
    counts = m.get("counts") or {}
    masks = m.get("masks") or {}
    out: dict[str, Any] = {"od_oc_gt": "Yes" if {"od_mask", "oc_mask"} <= set(masks) else "No",
                           "fovea_gt": "Yes" if m.get("fovea") else "No"}
    if "glaucoma" in totals:
        other = {k: v for k, v in totals.items() if k not in ("glaucoma", "normal", "images")}
        out.update(glaucoma=int(totals["glaucoma"]), non_glaucoma=int(totals.get("normal", 0)),
                   note="totals" + (f"; also {', '.join(f'{v} {k}' for k, v in other.items())} (not counted)"
                                    if other else ""))
        return out
    cc = {s: (c or {}).get("glaucoma") for s, c in (m.get("class_counts") or {}).items()}
    documented = [s for s in SPLITS if cc.get(s) is not None and s in counts]
    if not documented:
        out.update(glaucoma=np.nan, non_glaucoma=np.nan, note="no glaucoma counts in the manifest")
        return out
    g = sum(int(cc[s]) for s in documented)
    n = sum(int(counts[s]) for s in documented)
    missing = [s for s in SPLITS if s in counts and s not in documented]
    out.update(glaucoma=g, non_glaucoma=n - g,
               note="class_counts of " + "+".join(documented) +
                    (f" only ({'+'.join(missing)} not documented)" if missing else ""))
    return out


def from_manifests(names: Optional[list[str]] = None,
                   manifests: Optional[Mapping[str, Mapping[str, Any]]] = None) -> pd.DataFrame:
    """Table 1's columns from the manifests of ``names`` (default: the paper's five datasets)."""
    manifests = load_manifests() if manifests is None else manifests
    names = list(paper_table().index) if names is None else names
    rows = []
    for name in names:
        if name not in manifests:
            rows.append(dict(dataset=name, glaucoma=np.nan, non_glaucoma=np.nan, od_oc_gt="?", fovea_gt="?",
                             note=f"no manifest data_manifests/{name}.yaml"))
            continue
        rows.append(dict(dataset=name, **manifest_counts(manifests[name])))
    df = pd.DataFrame(rows).set_index("dataset")
    for c in ("glaucoma", "non_glaucoma"):
        df[c] = df[c].astype("Int64")
    return df


def from_data(names: Optional[list[str]] = None, data_root: Optional[str | Path] = None,
              open_kwargs: Optional[Mapping[str, Mapping[str, Any]]] = None) -> pd.DataFrame:
    """Counts in the copies present under ``data_root``: labelled glaucoma / normal, unlabelled, OD masks, fovea."""
    names = list(paper_table().index) if names is None else names
    open_kwargs = open_kwargs or {}
    rows = []
    for name in names:
        o = open_present(name, data_root, **(open_kwargs.get(name) or {}))
        row: dict[str, Any] = dict(dataset=name, status=o.status)
        if o.present:
            t = o.table
            g = t["glaucoma"] if "glaucoma" in t else pd.Series(np.nan, index=t.index)
            od = (t["od_mask"].fillna("").astype(str).str.len().gt(0) if "od_mask" in t
                  else pd.Series(False, index=t.index))
            fov = t["fovea_x"].notna() if "fovea_x" in t else pd.Series(False, index=t.index)
            row.update(images=len(t), glaucoma=int((g == 1).sum()), non_glaucoma=int((g == 0).sum()),
                       unlabelled=int(g.isna().sum()), with_od_mask=int(od.sum()), with_fovea=int(fov.sum()),
                       splits=", ".join(f"{s} {n}" for s, n in t["split"].value_counts().items()))
        else:
            row.update(images=0, note=o.note)
        rows.append(row)
    df = pd.DataFrame(rows).set_index("dataset")
    for c in ("images", "glaucoma", "non_glaucoma", "unlabelled", "with_od_mask", "with_fovea"):
        if c in df:
            df[c] = df[c].astype("Int64")
    return df


def compare(paper: pd.DataFrame, manifests: pd.DataFrame, data: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Paper vs manifests (vs data present): G/N counts and GT columns, with a status per dataset."""
    def gn(df: pd.DataFrame, name: str) -> str:
        if df is None or name not in df.index or pd.isna(df.loc[name, "glaucoma"]):
            return "—"
        return f"{int(df.loc[name, 'glaucoma'])} / {int(df.loc[name, 'non_glaucoma'])}"

    rows = []
    for name in paper.index:
        p, m = paper.loc[name], manifests.loc[name] if name in manifests.index else None
        row = {"dataset": name, "paper G / N": gn(paper, name), "manifest G / N": gn(manifests, name)}
        present = data is not None and name in data.index and data.loc[name, "status"] in ("present", "partial")
        if data is not None:
            row["data G / N"] = gn(data, name) if present else "not present"
            if present and int(data.loc[name, "unlabelled"] or 0):
                row["data G / N"] += f" (+{int(data.loc[name, 'unlabelled'])} unlabelled)"
        row["paper OD/OC GT"], row["manifest OD/OC GT"] = p["od_oc_gt"], m["od_oc_gt"] if m is not None else "?"
        row["paper fovea GT"], row["manifest fovea GT"] = p["fovea_gt"], m["fovea_gt"] if m is not None else "?"
        same = (row["paper G / N"] == row["manifest G / N"] and row["paper OD/OC GT"] == row["manifest OD/OC GT"]
                and row["paper fovea GT"] == row["manifest fovea GT"])
        row["status"] = "matches" if same else "differs: " + (m["note"] if m is not None else "no manifest")
        rows.append(row)
    return pd.DataFrame(rows).set_index("dataset")
