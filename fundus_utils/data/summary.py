"""Dataset overview tables and label statistics for the book's datasets chapter.

Everything here reads the manifests in ``data_manifests/`` and canonical sample tables
(:mod:`fundus_utils.data.table`); nothing reads image pixels.

Manifests
    :func:`load_manifests`, :func:`overview` (one row per dataset: tasks, images per
    split, classes, resolution, labels, license, importer), :func:`expected_glaucoma_balance`
    (glaucoma prevalence the manifests document), :func:`manifests_source` (provenance).
Copies present under the data root
    :func:`open_present` / :func:`open_all` (open without raising; a note instead),
    :func:`presence_table`, :func:`absent_notes`, :func:`compare_counts` /
    :func:`compare_all` (found vs manifest), :func:`describe` (any sample tables, e.g.
    the synthetic twins), :func:`class_of` and :func:`class_balance` (images per split
    and class).
Multi-label statistics (RFMiD)
    :func:`label_columns`, :func:`label_counts`, :func:`cooccurrence`,
    :func:`labels_per_image`, :func:`grouping_28_table`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from ..config import relative_to_data
from .errors import DataError, MissingDatasetError
from .registry import MANIFEST_DIR, REGISTRY, get, open_dataset

SPLITS = ("train", "val", "test")
COMPARE_COLUMNS = ["dataset", "split", "quantity", "found", "official", "variant", "expected", "status"]
# Keyword arguments tried when a dataset's default import fails on a documented partial copy
# (e.g. the RFMiD label CSV without images in ../shared/data).
FALLBACK: dict[str, dict[str, Any]] = {"RFMiD": {"labels_only": True}}


# ----------------------------------------------------------------------------- manifests

def load_manifests(folder: Path = MANIFEST_DIR) -> dict[str, dict[str, Any]]:
    """Every ``<name>.yaml`` manifest in ``folder``, keyed by its ``name`` field (file stem if absent), sorted."""
    import yaml

    out: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(folder).glob("*.yaml"), key=lambda p: p.stem.lower()):
        with open(path, encoding="utf-8") as fh:
            m = yaml.safe_load(fh) or {}
        out[str(m.get("name", path.stem))] = m
    return out


def manifests_source(folder: Path = MANIFEST_DIR) -> dict[str, str]:
    """A provenance source for tables built from all manifests: ``{"name": "manifests", file: sha}``.

    ``report.table(..., source=manifests_source())`` then reads ``manifests@<hash>``,
    which changes whenever any manifest changes.
    """
    src = {"name": "manifests"}
    for path in sorted(Path(folder).glob("*.yaml")):
        src[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return src


def _fmt_counts(counts: Mapping[str, Any]) -> str:
    return " · ".join(f"{k} {v}" for k, v in counts.items())


def _split_total(m: Mapping[str, Any]) -> Optional[int]:
    counts = m.get("counts") or {}
    in_splits = [int(v) for k, v in counts.items() if k in SPLITS]
    if in_splits:
        return sum(in_splits)
    totals = m.get("totals") or {}
    if "images" in totals:
        return int(totals["images"])
    return None


def _classes(m: Mapping[str, Any], max_columns: int = 4) -> str:
    """Class summary of one manifest: named classes, totals, or positives per split."""
    if m.get("classes"):
        return ", ".join(f"{k} ({v})" for k, v in m["classes"].items())
    totals = {k: v for k, v in (m.get("totals") or {}).items() if k != "images"}
    if totals:
        return _fmt_counts(totals)
    class_counts = m.get("class_counts") or {}
    parts = []
    for split, cols in class_counts.items():
        cols = cols or {}
        items = sorted(cols.items(), key=lambda kv: -int(kv[1]))
        shown = ", ".join(f"{c.removeprefix('label_')} {v}" for c, v in items[:max_columns])
        more = f", … ({len(items)} columns)" if len(items) > max_columns else ""
        n = (m.get("counts") or {}).get(split)
        parts.append(f"{split}{f' (of {n})' if n else ''}: {shown}{more}")
    return "; ".join(parts)


def _labels(m: Mapping[str, Any], max_columns: int = 4) -> str:
    """Label columns and masks a manifest promises."""
    parts = []
    cols = m.get("label_columns")
    if isinstance(cols, str):
        parts.append(cols)
    elif cols:
        names = [c.removeprefix("label_") for c in cols]
        parts.append(", ".join(names) if len(names) <= max_columns
                     else f"{len(names)} label columns ({', '.join(names[:3])}, …)")
    masks = m.get("masks") or {}
    if masks:
        by_enc: dict[str, list[str]] = {}
        for col, enc in masks.items():
            by_enc.setdefault(str(enc), []).append(col.removesuffix("_mask"))
        parts.append("masks " + "; ".join(f"{'/'.join(cols)} ({enc})" for enc, cols in by_enc.items()))
    if m.get("fovea"):
        parts.append("fovea")
    return "; ".join(parts) if parts else "—"


def _importer(m: Mapping[str, Any]) -> str:
    imp = m.get("importer")
    if not imp:
        return "— (private; synthetic twin)"
    return f"open_dataset({m.get('name')!r})"


def overview(manifests: Optional[Mapping[str, Mapping[str, Any]]] = None) -> pd.DataFrame:
    """One row per dataset manifest: the datasets table of the book.

    Columns: dataset, tasks, images (per split, as documented), total, classes,
    resolution, labels (label columns and masks), license, importer; indexed by dataset.
    """
    manifests = load_manifests() if manifests is None else manifests
    rows = []
    for name, m in manifests.items():
        tasks = m.get("tasks") or []
        rows.append({
            "dataset": name,
            "tasks": ", ".join(tasks) if isinstance(tasks, list) else str(tasks),
            "images": _fmt_counts(m.get("counts") or {}) or "see totals",
            "total": _split_total(m),
            "classes": _classes(m),
            "resolution": str(m.get("resolution", "—")),
            "labels": _labels(m),
            "license": str(m.get("license", "—")).strip(),
            "importer": _importer(m),
        })
    df = pd.DataFrame(rows).set_index("dataset")
    df["total"] = df["total"].astype("Int64")
    return df


def expected_glaucoma_balance(manifests: Optional[Mapping[str, Mapping[str, Any]]] = None) -> pd.DataFrame:
    """Glaucoma / normal / other counts that the manifests document, one row per dataset and split.

    ``totals`` (whole dataset, split ``"all"``) win over per-split ``class_counts``
    (where normal = images of the split minus glaucoma). Datasets without a ``glaucoma``
    label are left out. Columns: dataset, split, glaucoma, normal, other, n, prevalence.
    """
    manifests = load_manifests() if manifests is None else manifests
    rows = []
    for name, m in manifests.items():
        cols = m.get("label_columns") or []
        if "glaucoma" not in cols:
            continue
        totals = m.get("totals") or {}
        if "glaucoma" in totals:
            g, normal = int(totals["glaucoma"]), int(totals.get("normal", 0))
            other = sum(int(v) for k, v in totals.items() if k not in ("glaucoma", "normal", "images"))
            rows.append(dict(dataset=name, split="all", glaucoma=g, normal=normal, other=other))
            continue
        counts = m.get("counts") or {}
        for split, cc in (m.get("class_counts") or {}).items():
            if cc and "glaucoma" in cc and split in counts:
                g = int(cc["glaucoma"])
                rows.append(dict(dataset=name, split=split, glaucoma=g, normal=int(counts[split]) - g, other=0))
    df = pd.DataFrame(rows, columns=["dataset", "split", "glaucoma", "normal", "other"])
    df["n"] = df[["glaucoma", "normal", "other"]].sum(axis=1)
    df["prevalence"] = df["glaucoma"] / df["n"]
    return df


# ------------------------------------------------------------------------ copies present

@dataclass
class Opened:
    """The outcome of trying to open one dataset: its table, or a note saying why not."""

    name: str
    table: Optional[pd.DataFrame]
    status: str          # "present", "partial" (opened with FALLBACK kwargs), "absent", "unreadable"
    note: str = ""

    @property
    def present(self) -> bool:
        return self.table is not None


def open_present(name: str, data_root: Optional[str | Path] = None, fallback: Optional[Mapping[str, Any]] = None,
                 **kwargs: Any) -> Opened:
    """Open ``name`` like :func:`open_dataset`, but return a note instead of raising.

    ``data_root`` is the folder holding the datasets (the dataset is read from
    ``data_root/<folder>``); default: :func:`fundus_utils.config.find_data_root`. A missing
    dataset gives ``status="absent"`` with the first line of the registry's message; a
    copy that fails to import is retried with ``fallback`` (default :data:`FALLBACK` for
    ``name``) and then gives ``"partial"``, else ``"unreadable"`` with the error.
    """
    entry = get(name)
    fallback = FALLBACK.get(entry.name) if fallback is None else fallback
    root = Path(data_root) / entry.folder if data_root is not None and entry.folder else data_root
    try:
        return Opened(entry.name, open_dataset(entry.name, root, **kwargs), "present")
    except MissingDatasetError as err:
        return Opened(entry.name, None, "absent", relative_to_data(str(err).splitlines()[0]))
    except DataError as err:
        first = relative_to_data(str(err))
    if fallback:
        try:
            table = open_dataset(entry.name, root, **{**kwargs, **fallback})
            args = ", ".join(f"{k}={v!r}" for k, v in fallback.items())
            return Opened(entry.name, table, "partial", f"opened with {args}: {first}")
        except DataError as err:
            first = f"{first}; with {fallback}: {relative_to_data(str(err))}"
    return Opened(entry.name, None, "unreadable", first)


def importable_names() -> list[str]:
    """Public datasets with an importer (registered with a data-root folder), sorted."""
    return sorted((n for n, e in REGISTRY.items() if e.folder is not None), key=str.lower)


def open_all(names: Optional[Iterable[str]] = None, data_root: Optional[str | Path] = None) -> dict[str, Opened]:
    """:func:`open_present` for every importable public dataset (or ``names``), keyed by name."""
    return {o.name: o for o in (open_present(n, data_root) for n in (importable_names() if names is None else names))}


def presence_table(opened: Mapping[str, Opened]) -> pd.DataFrame:
    """One row per dataset tried: status, images found per split, total, note."""
    rows = []
    for name, o in opened.items():
        row: dict[str, Any] = {"dataset": name, "status": o.status}
        for split in SPLITS:
            row[split] = int((o.table["split"] == split).sum()) if o.present else 0
        row["images"] = len(o.table) if o.present else 0
        row["note"] = o.note
        rows.append(row)
    return pd.DataFrame(rows).set_index("dataset")


def _variant_for(m: Mapping[str, Any], present: set[str]) -> Optional[Mapping[str, Any]]:
    """The documented variant whose splits are exactly those present, if any."""
    for v in m.get("variants") or []:
        if v.get("counts") and set(v["counts"]) == present:
            return v
    return None


def compare_counts(table: pd.DataFrame, manifest: Mapping[str, Any], max_classes: int = 5) -> pd.DataFrame:
    """Images per split and positives per class found in ``table`` beside the manifest's numbers.

    One row per (split, quantity). ``official`` is the manifest's count for the official
    release; ``variant`` names a documented variant whose splits match the copy (its
    numbers in ``expected``; otherwise ``expected`` = official). ``status`` is ``ok``,
    ``MISMATCH``, ``not in this copy`` (an official split the copy lacks), ``labels not in
    this copy`` (the class column is absent or all NaN there) or ``not documented``. Per split, more than ``max_classes`` class columns are folded
    into one row: found = columns whose positives match, expected = columns checked.
    """
    name = str(manifest.get("name", table["dataset"].iloc[0] if len(table) else "?"))
    present = set(table["split"])
    variant = _variant_for(manifest, present)
    counts = manifest.get("counts") or {}
    classes = manifest.get("class_counts") or {}
    v_counts = (variant or {}).get("counts") or {}
    v_classes = (variant or {}).get("class_counts") or {}
    splits = [s for s in SPLITS if s in present or s in counts] + sorted(present - set(SPLITS))
    rows = []

    def add(split: str, quantity: str, found: Any, official: Any, expected: Any) -> None:
        if split not in present:
            status = "not in this copy"
        elif found is None:
            status = "labels not in this copy"
        elif expected is None:
            status = "not documented"
        else:
            status = "ok" if found == expected else "MISMATCH"
        rows.append(dict(dataset=name, split=split, quantity=quantity, found=found, official=official,
                         variant=variant.get("name") if variant else "", expected=expected, status=status))

    for split in splits:
        part = table[table["split"] == split]
        official = counts.get(split)
        add(split, "images", len(part), official, v_counts.get(split, official) if variant else official)
        if split not in present:
            continue
        cols = dict(classes.get(split) or {})
        v_cols = dict(v_classes.get(split) or {})
        # A variant's numbers win; where it says nothing, the official count still applies.
        checked = {c: v_cols.get(c, cols.get(c)) for c in sorted({*cols, *v_cols})}
        found = {c: (int(part[c].sum()) if c in part and part[c].notna().any() else None) for c in checked}
        if len(checked) <= max_classes:
            for c in checked:
                add(split, f"positives {c}", found[c], cols.get(c), checked[c])
        elif checked:
            ok = sum(found[c] is not None and found[c] == checked[c] for c in checked)
            add(split, f"positives, {len(checked)} label columns (matching)", ok, None, len(checked))
    df = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    for col in ("found", "official", "expected"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    return df


def compare_all(opened: Mapping[str, Opened],
                manifests: Optional[Mapping[str, Mapping[str, Any]]] = None, max_classes: int = 5) -> pd.DataFrame:
    """:func:`compare_counts` for every present dataset, concatenated (empty, with its columns, if none)."""
    manifests = load_manifests() if manifests is None else manifests
    parts = [compare_counts(o.table, manifests.get(n, {"name": n}), max_classes)
             for n, o in opened.items() if o.present]
    if not parts:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def absent_notes(opened: Mapping[str, Opened], manifests: Optional[Mapping[str, Mapping[str, Any]]] = None
                 ) -> list[str]:
    """One line per dataset not opened: what happened, where to get it, where its layout is described."""
    manifests = load_manifests() if manifests is None else manifests
    lines = []
    for name, o in opened.items():
        if o.present:
            continue
        home = (manifests.get(name) or {}).get("homepage")
        lines.append(f"{name}: {o.status} ({o.note})" + (f"; get it from {home}" if home else "") +
                     f"; layout in data_manifests/{name}.yaml")
    return lines


def annotations(table: pd.DataFrame) -> str:
    """What a table annotates besides its images: labels, masks, landmarks (e.g. ``glaucoma; od/oc masks``)."""
    parts = []
    if "glaucoma" in table and table["glaucoma"].notna().any():
        parts.append("glaucoma")
    labels = [c for c in table.columns if c.startswith("label_")]
    if labels:
        parts.append(f"{len(labels)} label columns")
    masks = [c.removesuffix("_mask") for c in ("od_mask", "oc_mask", "vessel_mask", "fov_mask", "lesion_mask")
             if c in table and (table[c].astype(str) != "").any()]
    if masks:
        parts.append("/".join(masks) + " masks")
    for col, what in (("fovea_x", "fovea"), ("od_x", "disc centre"), ("vcdr", "vCDR")):
        if col in table and table[col].notna().any():
            parts.append(what)
    return "; ".join(parts) or "—"


def describe(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per sample table: images per split, classes (:func:`class_of`), annotations, devices."""
    rows = []
    for name, t in tables.items():
        row: dict[str, Any] = {"dataset": name}
        for split in SPLITS:
            row[split] = int((t["split"] == split).sum())
        row["images"] = len(t)
        row["patients"] = int(t["patient_id"].nunique())
        row["classes"] = " · ".join(f"{k} {v}" for k, v in class_of(t).value_counts().items())
        row["annotations"] = annotations(t)
        row["devices"] = ", ".join(sorted(t["device"].astype(str).unique()))
        rows.append(row)
    return pd.DataFrame(rows).set_index("dataset")


def class_of(table: pd.DataFrame) -> pd.Series:
    """The image-level class of each row, for class balance plots.

    ``label_Disease_Risk`` -> "disease" / "no disease" (multi-disease sets such as RFMiD,
    whose twin also carries an all-zero ``glaucoma`` column); else one-hot ``label_*``
    columns (every labelled row has exactly one positive: FIVES, JSIEC) -> that label;
    else ``glaucoma`` -> "glaucoma" / "normal"; else "no image label" (segmentation-only
    datasets). Rows without labels (NaN) give "unlabelled".
    """
    def binary(col: pd.Series, yes: str, no: str) -> pd.Series:
        return pd.Series(np.where(col.isna(), "unlabelled", np.where(col == 1, yes, no)), index=table.index,
                         name="class")

    if "label_Disease_Risk" in table:
        return binary(table["label_Disease_Risk"], "disease", "no disease")
    labels = [c for c in table.columns if c.startswith("label_")]
    if len(labels) >= 2:
        x = table[labels]
        labelled = x.notna().all(axis=1)
        if labelled.any() and (x[labelled].sum(axis=1) == 1).all():
            names = np.array([c.removeprefix("label_") for c in labels])
            return pd.Series(np.where(labelled, names[x.fillna(0).to_numpy().argmax(axis=1)], "unlabelled"),
                             index=table.index, name="class")
    if "glaucoma" in table:
        return binary(table["glaucoma"], "glaucoma", "normal")
    return pd.Series("no image label", index=table.index, name="class")


def class_balance(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Images per (dataset, split, class) over several tables (long format, for plots).

    Columns: dataset, split, class, n, fraction (of the dataset's split).
    """
    parts = []
    for name, t in tables.items():
        part = pd.DataFrame({"dataset": name, "split": t["split"].to_numpy(), "class": class_of(t).to_numpy()})
        parts.append(part.groupby(["dataset", "split", "class"], sort=False).size().rename("n").reset_index())
    if not parts:
        return pd.DataFrame(columns=["dataset", "split", "class", "n", "fraction"])
    df = pd.concat(parts, ignore_index=True)
    df["split"] = pd.Categorical(df["split"], [s for s in SPLITS if s in set(df["split"])] +
                                 sorted(set(df["split"]) - set(SPLITS)), ordered=True)
    df = df.sort_values(["dataset", "split", "class"], kind="stable").reset_index(drop=True)
    df["fraction"] = df["n"] / df.groupby(["dataset", "split"], observed=True)["n"].transform("sum")
    df["split"] = df["split"].astype(str)
    return df


# ------------------------------------------------------------------ multi-label (RFMiD)

def label_columns(table: pd.DataFrame, include: Sequence[str] = (), exclude: Sequence[str] = ("label_Disease_Risk",)
                  ) -> list[str]:
    """The ``label_*`` columns of ``table`` in table order, without ``exclude``, plus ``include``."""
    cols = [c for c in table.columns if c.startswith("label_") and c not in exclude]
    return cols + [c for c in include if c not in cols]


def label_counts(table: pd.DataFrame, columns: Optional[Sequence[str]] = None,
                 expected: Optional[Mapping[str, int]] = None) -> pd.DataFrame:
    """Positives per label, most frequent first (ties by name).

    Columns: label (without ``label_``), positives, prevalence (of all rows), and
    ``expected`` / ``matches`` when ``expected`` (e.g. the manifest's class counts) is given.
    """
    columns = label_columns(table) if columns is None else list(columns)
    pos = table[columns].fillna(0).sum().astype(int)
    df = pd.DataFrame({"label": [c.removeprefix("label_") for c in columns], "positives": pos.to_numpy()})
    df["prevalence"] = df["positives"] / max(len(table), 1)
    if expected is not None:
        df["expected"] = pd.array([expected.get(c) for c in columns], dtype="Int64")
        df["matches"] = (df["expected"] == df["positives"]).fillna(False).astype(bool)
    return df.sort_values(["positives", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)


def cooccurrence(table: pd.DataFrame, columns: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Images positive for both labels, for every pair (diagonal: positives per label).

    Square integer DataFrame indexed and labelled by the label names (without ``label_``).
    """
    columns = label_columns(table) if columns is None else list(columns)
    x = table[columns].fillna(0).to_numpy(dtype=np.int64)
    names = [c.removeprefix("label_") for c in columns]
    return pd.DataFrame(x.T @ x, index=pd.Index(names, name="label"), columns=names)


def labels_per_image(table: pd.DataFrame, columns: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """How many images carry 0, 1, 2, ... positive labels. Columns: labels, images, fraction."""
    columns = label_columns(table) if columns is None else list(columns)
    k = table[columns].fillna(0).sum(axis=1).astype(int)
    vc = k.value_counts().sort_index()
    full = vc.reindex(range(0, int(vc.index.max()) + 1 if len(vc) else 1), fill_value=0)
    return pd.DataFrame({"labels": full.index, "images": full.to_numpy(),
                         "fraction": full.to_numpy() / max(len(table), 1)})


def grouping_28_table(table: pd.DataFrame) -> pd.DataFrame:
    """The RFMiD-ensemble paper's 28 categories with their members and positives in ``table``.

    27 conditions stay as they are; the remaining 18 are merged into OTHER (an image is
    OTHER-positive when any member is positive). Columns: category, members, positives.
    """
    from .importers.rfmid import GROUP_28, OTHER_18, group_28

    grouped = group_28(table)
    rows = []
    for col in GROUP_28:
        cat = col.removeprefix("label_")
        members = ", ".join(OTHER_18) if cat == "OTHER" else cat
        rows.append(dict(category=cat, members=members, positives=int(grouped[col].fillna(0).sum())))
    return pd.DataFrame(rows)
