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
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, image_size, index_by_stem, norm, pick_column, read_table

ID_RE = re.compile(r"^([gn]\d{4}|[VT]\d{4})$")
SPLIT = {"g": "train", "n": "train", "V": "val", "T": "test"}
DEVICE = {"train": "Zeiss Visucam 500", "val": "Canon CR-2", "test": "Canon CR-2"}
ORIGINAL_SIZE = {"train": (2124, 2056), "val": (1634, 1634), "test": (1634, 1634)}  # (W, H)


def _is_mask_path(path: Path, root: Path) -> bool:
    return any("mask" in part.lower() for part in path.relative_to(root).parts[:-1])


def _find_files(root: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    images, masks = [], []
    for p in root.rglob("*"):
        if not p.is_file() or not ID_RE.match(p.stem):
            continue
        ext = p.suffix.lower()
        if _is_mask_path(p, root) and ext in (".bmp", ".png"):
            masks.append(p)
        elif ext in (".jpg", ".jpeg") and not _is_mask_path(p, root):
            images.append(p)
    return index_by_stem(sorted(images)), index_by_stem(sorted(masks))


def _label_tables(root: Path) -> pd.DataFrame:
    """Glaucoma labels and fovea positions from every CSV/XLSX under root, indexed by image id."""
    frames = []
    for path in sorted([*root.rglob("*.csv"), *root.rglob("*.xlsx")]):
        df = read_table(path)
        id_col = pick_column(df, "ImgName", "image_id", "imagename", "filename", "image", "name", required=False)
        if id_col is None:
            continue
        out = pd.DataFrame({"image_id": df[id_col].astype(str).str.strip().map(lambda s: Path(s).stem)})
        cols = {norm(c): c for c in df.columns}
        g = next((cols[k] for k in cols if "glaucoma" in k or k == "label"), None)
        if g is not None:
            out["glaucoma"] = pd.to_numeric(df[g], errors="coerce")
        fx = next((cols[k] for k in ("foveax", "fovx", "x") if k in cols), None)
        fy = next((cols[k] for k in ("foveay", "fovy", "y") if k in cols), None)
        if fx is not None and fy is not None:
            out["fovea_x"] = pd.to_numeric(df[fx], errors="coerce")
            out["fovea_y"] = pd.to_numeric(df[fy], errors="coerce")
        out = out[out["image_id"].str.match(ID_RE)]
        if len(out.columns) > 1 and len(out):
            dup = out["image_id"][out["image_id"].duplicated()].tolist()
            if dup:
                raise DataError(f"{path}: duplicated image ids {dup[:5]}")
            frames.append(out.set_index("image_id"))
    if not frames:
        return pd.DataFrame()
    merged = frames[0]
    for f in frames[1:]:
        merged = merged.combine_first(f)
    return merged


@register("REFUGE", folder="REFUGE")
def load_refuge(root: Path) -> pd.DataFrame:
    """Canonical table of a REFUGE copy (official layout or the 512 px variant)."""
    root = Path(root)
    images, masks = _find_files(root)
    if not images:
        raise DataError(f"{root}: no REFUGE images (g0001.jpg, V0001.jpg, T0001.jpg, ...) found")
    orphans = sorted(set(masks) - set(images))
    if orphans:
        raise DataError(f"{root}: masks without an image: {orphans[:5]}")
    labels = _label_tables(root)
    rows: list[dict[str, Any]] = []
    for image_id, path in images.items():
        split = SPLIT[image_id[0]]
        mask = masks.get(image_id, "")
        row: dict[str, Any] = dict(image_id=image_id, image=path, patient_id=image_id, eye="",
                                   device=DEVICE[split], split=split, od_mask=mask, oc_mask=mask,
                                   mask_encoding="refuge" if mask else "",
                                   glaucoma=float(image_id[0] == "g") if split == "train" else float("nan"),
                                   fovea_x=float("nan"), fovea_y=float("nan"))
        if image_id in labels.index:
            lab = labels.loc[image_id]
            if "glaucoma" in lab and pd.notna(lab["glaucoma"]):
                if split == "train" and float(lab["glaucoma"]) != row["glaucoma"]:
                    raise DataError(f"{root}: label file says glaucoma={lab['glaucoma']} for {image_id}")
                row["glaucoma"] = float(lab["glaucoma"])
            if "fovea_x" in lab and pd.notna(lab["fovea_x"]):
                w, h = image_size(path)
                ow, oh = ORIGINAL_SIZE[split]
                row["fovea_x"] = float(lab["fovea_x"]) * w / ow
                row["fovea_y"] = float(lab["fovea_y"]) * h / oh
        rows.append(row)
    return build_table(rows, "REFUGE")
