"""Helpers shared by the importers: building the canonical table, finding files."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np
import pandas as pd
from PIL import Image

from ..errors import DataError
from ..table import REQUIRED

# Optional canonical columns in the order of fundus_utils/data/table.py.
OPTIONAL = ("glaucoma", "od_mask", "oc_mask", "vessel_mask", "fov_mask", "lesion_mask", "mask_encoding",
            "fovea_x", "fovea_y", "od_x", "od_y", "vcdr")
PATHS = ("image", "od_mask", "oc_mask", "vessel_mask", "fov_mask", "lesion_mask")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif")


def build_table(rows: Iterable[dict[str, Any]], dataset: str) -> pd.DataFrame:
    """Canonical table from row dicts: required columns, then the optional and ``label_*`` ones present.

    Paths become absolute strings ("" when absent), ``fold`` defaults to -1, numbers are float.
    """
    df = pd.DataFrame(list(rows))
    if df.empty:
        raise DataError(f"{dataset}: no images found")
    df["dataset"] = dataset
    if "fold" not in df:
        df["fold"] = -1
    for col in ("eye", "device"):
        if col not in df:
            df[col] = ""
    labels = sorted(c for c in df.columns if c.startswith("label_"))
    cols = list(REQUIRED) + [c for c in OPTIONAL if c in df.columns] + labels
    df = df[cols].copy()
    for col in PATHS:
        if col in df:
            df[col] = [str(Path(p).resolve()) if isinstance(p, (str, Path)) and str(p) else "" for p in df[col]]
    for col in ("image_id", "patient_id", "eye", "device", "split", "mask_encoding"):
        if col in df:
            df[col] = df[col].fillna("").astype(str)
    for col in ("glaucoma", "fovea_x", "fovea_y", "od_x", "od_y", "vcdr"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["fold"] = df["fold"].astype(int)
    for col in labels:  # 0/1; float with NaN where a split's labels are not published
        df[col] = pd.to_numeric(df[col], errors="coerce")
        df[col] = df[col].astype(float) if df[col].isna().any() else df[col].astype(int)
    return df.sort_values(["split", "image_id"], key=lambda s: s.map(_split_order) if s.name == "split" else s,
                          kind="stable").reset_index(drop=True)


def _split_order(split: str) -> int:
    return {"train": 0, "val": 1, "test": 2}.get(split, 3)


def images_in(folder: Path, pattern: str = "*") -> list[Path]:
    """Image files directly in ``folder`` matching ``pattern``, sorted."""
    return sorted(p for p in folder.glob(pattern) if p.suffix.lower() in IMAGE_EXTS and p.is_file())


def find_dirs(root: Path, name_regex: str) -> list[Path]:
    """Directories under ``root`` (itself included) whose name matches ``name_regex`` (case-insensitive)."""
    rx = re.compile(name_regex, re.I)
    found = [p for p in [root, *root.rglob("*")] if p.is_dir() and rx.fullmatch(p.name)]
    return sorted(found)


def index_by_stem(files: Iterable[Path]) -> dict[str, Path]:
    """``{stem: path}``; raises on two files with the same stem (an ambiguous layout)."""
    out: dict[str, Path] = {}
    for f in files:
        if f.stem in out and out[f.stem] != f:
            raise DataError(f"two files for id {f.stem!r}: {out[f.stem]} and {f}")
        out[f.stem] = f
    return out


def image_size(path: Path) -> tuple[int, int]:
    """``(W, H)`` from the header only."""
    with Image.open(path) as img:
        return img.size


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or Excel label table."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path)
    return pd.read_csv(path)


def norm(col: str) -> str:
    """Column name normalised for fuzzy matching: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(col).lower())


def pick_column(df: pd.DataFrame, *candidates: str, required: bool = True, source: Optional[Path] = None) -> Optional[str]:
    """The first column of ``df`` whose normalised name equals (or, failing that, contains) a candidate."""
    normed = {norm(c): c for c in df.columns}
    for cand in candidates:
        if norm(cand) in normed:
            return normed[norm(cand)]
    for cand in candidates:
        for n, c in normed.items():
            if norm(cand) in n:
                return c
    if required:
        raise DataError(f"{source or 'table'}: none of the columns {candidates} found; columns are {list(df.columns)}")
    return None


def nan() -> float:
    return float(np.nan)
