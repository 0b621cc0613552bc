"""REFUGE (Orlando et al., Medical Image Analysis 59:101570, 2020).

Accepts both
  * the official release: ``Training400/{Glaucoma,Non-Glaucoma}/{g,n}NNNN.jpg``,
    ``Annotation-Training400/Disc_Cup_Masks/{Glaucoma,Non-Glaucoma}/*.bmp``,
    ``Fovea_location.xlsx``; Validation400 / Test400 images ``VNNNN.jpg`` / ``TNNNN.jpg``
    with their ``Disc_Cup_Masks`` and label/fovea spreadsheets (nesting of the zip
    folders does not matter: files are found by id anywhere under the root), and
  * the documented 512 px variant: ``{Validation400,Test400}/{images,masks}``,
    ``Test400/labels.csv`` (``image_id,glaucoma``).

Whatever subset exists is imported. Images are ``.jpg``; masks are ``.bmp``/``.png``
files below a folder whose name contains "mask", one grey file per image
(0 = cup, 128 = rim, 255 = background; encoding ``refuge``). Fovea coordinates in label
files are in original pixels (Training 2124x2056, Validation/Test 1634x1634) and are
scaled to the size of the image found. Split: Training400 = train, Validation400 = val,
Test400 = test. Patient ids are not published: ``patient_id = image_id`` (one eye each).

Label files read (only these names, CSV or XLSX, anywhere below the root):
``Fovea_location`` (Training400: ImgName, Fovea_X, Fovea_Y), ``Fovea_locations``
(Validation400 GT: ImgName, Fovea_X, Fovea_Y, Glaucoma Label),
``Glaucoma_label_and_Fovea_location`` (Test400 GT: ImgName, Label(Glaucoma=1), Fovea_X,
Fovea_Y) and ``labels.csv`` (the 512 px variant: image_id, glaucoma). Any other table
file is not read and not merged. Every id must name an image found; glaucoma must
be 0/1 and fovea coordinates numbers; two files giving different values for one image
raise. Read: images, disc/cup masks, glaucoma labels, fovea positions.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import (build_table, image_size, index_by_stem, label_files, merged_label_values, norm, parse_binary,
                      parse_number, pick_column, read_label_file, refuse_orphans, unknown_ids, walk_files)

ID_RE = re.compile(r"^([gn]\d{4}|[VT]\d{4})$")
SPLIT = {"g": "train", "n": "train", "V": "val", "T": "test"}
DEVICE = {"train": "Zeiss Visucam 500", "val": "Canon CR-2", "test": "Canon CR-2"}
ORIGINAL_SIZE = {"train": (2124, 2056), "val": (1634, 1634), "test": (1634, 1634)}  # (W, H)
LABEL_FILE = r"(?:fovea_locations?|glaucoma_label_and_fovea_location)\.(?:csv|xlsx)|labels\.csv"


def _is_mask_path(path: Path, root: Path) -> bool:
    return any("mask" in part.lower() for part in path.relative_to(root).parts[:-1])


def _find_files(root: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    images, masks = [], []
    for p in walk_files(root):
        if not ID_RE.match(p.stem):
            continue
        ext = p.suffix.lower()
        if _is_mask_path(p, root) and ext in (".bmp", ".png"):
            masks.append(p)
        elif ext in (".jpg", ".jpeg") and not _is_mask_path(p, root):
            images.append(p)
    return index_by_stem(sorted(images)), index_by_stem(sorted(masks))


def _columns(df: pd.DataFrame, path: Path) -> tuple[str, str | None, str | None, str | None]:
    """(id, glaucoma, fovea x, fovea y) column names of one label file; at least one value column."""
    id_col = pick_column(df, "ImgName", "image_id", "imagename", "filename", source=path)
    cols = {norm(c): c for c in df.columns}
    g = next((cols[k] for k in cols if "glaucoma" in k or k == "label"), None)
    fx = next((cols[k] for k in ("foveax", "fovx") if k in cols), None)
    fy = next((cols[k] for k in ("foveay", "fovy") if k in cols), None)
    if (fx is None) != (fy is None):
        raise DataError(f"{path}: fovea needs both an X and a Y column; columns are {list(df.columns)}")
    if g is None and fx is None:
        raise DataError(f"{path}: no glaucoma label or Fovea_X/Fovea_Y column; columns are {list(df.columns)}")
    return id_col, g, fx, fy


def _read_one(path: Path, images: dict[str, Path]) -> dict[str, dict[str, float]]:
    """``{image_id: {"glaucoma"?, "fovea_x"?, "fovea_y"?}}`` of one label file, strictly parsed."""
    df = read_label_file(path)
    id_col, g, fx, fy = _columns(df, path)
    ids = [Path(v).stem for v in df[id_col]]
    unknown_ids(path, ids, images)
    dup = sorted(i for i, k in Counter(ids).items() if k > 1)
    if dup:
        raise DataError(f"{path}: duplicated image ids {dup[:5]}")
    out: dict[str, dict[str, float]] = {}
    for (line, rec), image_id in zip(df.iterrows(), ids):
        vals: dict[str, float] = {}
        if g is not None:
            vals["glaucoma"] = parse_binary(rec[g], path, line, g)
        if fx is not None:
            vals["fovea_x"] = parse_number(rec[fx], path, line, fx)
            vals["fovea_y"] = parse_number(rec[fy], path, line, fy)
        out[image_id] = vals
    return out


def _label_tables(root: Path, images: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Glaucoma labels and fovea positions from the documented label files, by image id.

    Files are combined per value; two files disagreeing on a value raise (no silent
    precedence by path order).
    """
    return merged_label_values(label_files(root, LABEL_FILE), lambda path: _read_one(path, images))


@register("REFUGE", folder="REFUGE")
def load_refuge(root: Path) -> pd.DataFrame:
    """Canonical table of a REFUGE copy (official layout or the 512 px variant)."""
    root = Path(root)
    images, masks = _find_files(root)
    if not images:
        raise DataError(f"{root}: no REFUGE images (g0001.jpg, V0001.jpg, T0001.jpg, ...) found")
    refuse_orphans(root, images, disc_and_cup=masks)
    labels = _label_tables(root, images)
    rows: list[dict[str, Any]] = []
    for image_id, path in images.items():
        split = SPLIT[image_id[0]]
        mask = masks.get(image_id, "")
        row: dict[str, Any] = dict(image_id=image_id, image=path, patient_id=image_id, eye="",
                                   device=DEVICE[split], split=split, od_mask=mask, oc_mask=mask,
                                   mask_encoding="refuge" if mask else "",
                                   glaucoma=float(image_id[0] == "g") if split == "train" else float("nan"),
                                   fovea_x=float("nan"), fovea_y=float("nan"))
        lab = labels.get(image_id, {})
        if "glaucoma" in lab:
            if split == "train" and lab["glaucoma"] != row["glaucoma"]:
                raise DataError(f"{root}: label file says glaucoma={lab['glaucoma']} for {image_id}")
            row["glaucoma"] = lab["glaucoma"]
        if "fovea_x" in lab:
            w, h = image_size(path)
            ow, oh = ORIGINAL_SIZE[split]
            row["fovea_x"] = lab["fovea_x"] * w / ow
            row["fovea_y"] = lab["fovea_y"] * h / oh
        rows.append(row)
    return build_table(rows, "REFUGE")
