"""Helpers shared by the importers: building the canonical table, finding files, strict label files.

Label files (CSV/XLSX side files) are read by :func:`read_label_file` only when their
name is one the dataset's layout documents (each importer holds the pattern and the
manifest lists it); any other table file under the root is not read and not merged
(an old or stray copy can no longer override the documented one). Values are parsed by :func:`parse_binary` /
:func:`parse_number`, whose errors name the file, the row (spreadsheet row: the header
is row 1), the column and the bad value.

Columns beyond the canonical ones of ``fundus_utils/data/table.py`` (documented in the
importer module that fills them)::

    <od|oc|vessel>_mask_expert<k>   the k-th expert's / observer's map (path, "" if absent)
    lesion_mask_<type>              one lesion type's mask (path; "" when the image has none)
    vcdr_expert<k>                  the k-th expert's cup-to-disc ratio
    tilt, notching                  Drishti-GS1 disc tilt (1/0) and notching (I/S/N/T, "+"-joined, or A)
    conversions                     "|"-separated names of the conversions applied to the row's
                                    files ("" when none), e.g. "cup clipped to disc"
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np
import pandas as pd

from ..errors import DataError
from ..io import image_size  # noqa: F401  (the importers' header reader: errors name the file)
from ..table import REQUIRED

# Optional canonical columns in the order of fundus_utils/data/table.py.
OPTIONAL = ("glaucoma", "od_mask", "oc_mask", "vessel_mask", "fov_mask", "lesion_mask", "mask_encoding",
            "fovea_x", "fovea_y", "od_x", "od_y", "vcdr")
PATHS = ("image", "od_mask", "oc_mask", "vessel_mask", "fov_mask", "lesion_mask")
# Added columns (see the module docstring); they follow OPTIONAL in the table, sorted by name.
EXTRA = re.compile(r"^(?:(?:od|oc|vessel)_mask_expert\d+|lesion_mask_[a-z0-9_]+|vcdr_expert\d+"
                   r"|tilt|notching|conversions)$")
EXTRA_PATH = re.compile(r"^(?:(?:od|oc|vessel)_mask_expert\d+|lesion_mask_[a-z0-9_]+)$")
EXTRA_TEXT = ("notching", "conversions")
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
    extra = sorted(c for c in df.columns if EXTRA.match(c))
    cols = list(REQUIRED) + [c for c in OPTIONAL if c in df.columns] + extra + labels
    df = df[cols].copy()
    for col in (*PATHS, *(c for c in extra if EXTRA_PATH.match(c))):
        if col in df:
            df[col] = [str(Path(p).resolve()) if isinstance(p, (str, Path)) and str(p) else "" for p in df[col]]
    for col in ("image_id", "patient_id", "eye", "device", "split", "mask_encoding", *EXTRA_TEXT):
        if col in df:
            df[col] = df[col].fillna("").astype(str)
    for col in ("glaucoma", "fovea_x", "fovea_y", "od_x", "od_y", "vcdr", "tilt",
                *(c for c in extra if c.startswith("vcdr_expert"))):
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


def walk(root: Path) -> tuple[list[Path], list[Path]]:
    """``(files, dirs)`` below ``root`` (dirs include ``root``), sorted, following directory links.

    Python 3.11's ``Path.rglob`` does not descend into a symlinked folder (a split folder
    linked in from elsewhere would be silently missing); ``os.walk(followlinks=True)``
    does, and a folder whose real path was already walked is not entered again, so a
    link to an ancestor cannot loop.
    """
    files: list[Path] = []
    dirs: list[Path] = []
    seen: set[str] = set()
    for top, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirs.append(Path(top))
        files += [Path(top) / f for f in filenames if (Path(top) / f).is_file()]
    return sorted(files), sorted(dirs)


def walk_files(root: Path) -> list[Path]:
    """Files below ``root``, following directory links (see :func:`walk`)."""
    return walk(root)[0]


def find_dirs(root: Path, name_regex: str) -> list[Path]:
    """Directories under ``root`` (itself included) whose name matches ``name_regex`` (case-insensitive)."""
    rx = re.compile(name_regex, re.I)
    return [p for p in walk(root)[1] if rx.fullmatch(p.name)]


def label_files(root: Path, name_regex: str | re.Pattern) -> list[Path]:
    """Files below ``root`` whose name fully matches ``name_regex`` (case-insensitive): the documented label files."""
    rx = re.compile(name_regex, re.I) if isinstance(name_regex, str) else name_regex
    return [p for p in walk_files(root) if rx.fullmatch(p.name)]


def index_by_stem(files: Iterable[Path]) -> dict[str, Path]:
    """``{stem: path}``; raises on two files with the same stem (an ambiguous layout)."""
    out: dict[str, Path] = {}
    for f in files:
        if f.stem in out and out[f.stem] != f:
            raise DataError(f"two files for id {f.stem!r}: {out[f.stem]} and {f}")
        out[f.stem] = f
    return out


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or Excel label table, every cell a stripped string ("" when empty); see :func:`read_label_file`."""
    return read_label_file(path)


def read_label_file(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8, ``,``-separated) or XLSX label file as strings, indexed by spreadsheet row (header = 1).

    Empty, UTF-16, undecodable, ``;``-separated and ragged files raise :class:`DataError`
    naming the file; fully blank rows are dropped (trailing blank lines and formatted but
    empty spreadsheet rows are not records).
    """
    path = Path(path)
    df = _read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xls") else _read_csv(path)
    if len(df.columns) == 1 and any(sep in str(df.columns[0]) for sep in (";", "\t")):
        raise DataError(f"{path}: one column named {df.columns[0]!r}: the file is ';'- or tab-separated, expected ','")
    blank = [c for c in df.columns if not str(c).strip() or str(c).startswith("Unnamed:")]
    if blank:
        raise DataError(f"{path}: header has unnamed columns ({len(blank)} of {len(df.columns)}); "
                        f"columns are {list(df.columns)}")
    df = df[(df != "").any(axis=1)]
    if df.empty:
        raise DataError(f"{path}: no data rows (header only)")
    return df


def _read_csv(path: Path) -> pd.DataFrame:
    """Rows of a CSV file, checked for encoding and equal field counts."""
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: empty file")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:200]:
        raise DataError(f"{path}: UTF-16 (or other wide) encoding; expected a UTF-8 CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err})") from err
    rows = list(csv.reader(io.StringIO(text)))
    header, body = [c.strip() for c in rows[0]], rows[1:]
    records, index = [], []
    for line, fields in enumerate(body, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise DataError(f"{path}: row {line} has {len(fields)} fields, the header has {len(header)} "
                            f"({fields[:6]}); ragged file")
        records.append([f.strip() for f in fields])
        index.append(line)
    return pd.DataFrame(records, columns=header, index=index, dtype=str)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """Cells of the first sheet of an Excel file as strings; a file openpyxl cannot read raises DataError."""
    try:
        df = pd.read_excel(path, dtype=str, keep_default_na=False)
    except Exception as err:  # openpyxl/zipfile/xlrd raise many types; all mean "not a readable workbook"
        raise DataError(f"{path}: not a readable Excel file ({type(err).__name__}: {err})") from err
    if df.columns.empty:
        raise DataError(f"{path}: empty spreadsheet")
    df.columns = [str(c).strip() for c in df.columns]
    df = df.apply(lambda col: col.astype(str).str.strip())
    df.index = range(2, len(df) + 2)
    return df


def parse_number(value: str, path: Path, row: int, col: str) -> float:
    """``value`` as a float, or :class:`DataError` naming the file, row, column and value."""
    try:
        out = float(str(value).strip())
    except ValueError:
        out = float("nan")
    if not np.isfinite(out):
        raise DataError(f"{path}: row {row}, column {col!r}: {value!r} is not a number")
    return out


def parse_binary(value: str, path: Path, row: int, col: str) -> float:
    """``value`` as 0.0/1.0 (``0``, ``1``, ``0.0``, ``1.0``), or :class:`DataError` naming file, row, column, value."""
    v = str(value).strip()
    if v in ("0", "0.0"):
        return 0.0
    if v in ("1", "1.0"):
        return 1.0
    raise DataError(f"{path}: row {row}, column {col!r}: {value!r} is not 0 or 1")


def unknown_ids(path: Path, ids: Iterable[str], known: Iterable[str]) -> None:
    """Raise :class:`DataError` naming ``path`` and the first ids of ``ids`` not in ``known``."""
    known = set(known)
    bad = [i for i in ids if i not in known]
    if bad:
        raise DataError(f"{path}: {len(bad)} ids match no image: {bad[:5]}")


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


def merged_label_values(paths: Iterable[Path], read_one) -> dict[str, dict[str, float]]:
    """The values ``read_one(path)`` gives (image id -> {name: value}) of every documented label
    file, merged by image id; two files disagreeing on a value raise, naming both (no silent
    precedence by path order)."""
    merged: dict[str, dict[str, float]] = {}
    source: dict[tuple[str, str], Path] = {}
    for path in paths:
        for image_id, vals in read_one(path).items():
            for key, v in vals.items():
                old = merged.setdefault(image_id, {}).get(key)
                if old is not None and old != v:
                    raise DataError(f"{path}: {key} = {v} for {image_id}, but {source[image_id, key]} says {old}")
                merged[image_id][key] = v
                source[image_id, key] = path
    return merged


def refuse_orphans(root: Path, images: Iterable[str], **masks_by_kind: Iterable[str]) -> None:
    """Raise :class:`DataError` naming the first mask ids (per kind) that match no image id."""
    images = set(images)
    for kind, found in masks_by_kind.items():
        orphans = sorted(set(found) - images)
        if orphans:
            raise DataError(f"{root}: {kind.replace('_', ' ')} masks without an image: {orphans[:5]}")

