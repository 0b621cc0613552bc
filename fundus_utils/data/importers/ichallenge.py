"""PALM and ADAM (iChallenge, Baidu): fovea, optic disc and one image-level label.

PALM (pathologic myopia; Fang et al., Scientific Data 11:99, 2024) and ADAM (AMD; Fang et
al., IEEE TMI 41(10):2828-2847, 2022) share the REFUGE-like release layout: images
``<C>NNNN.jpg`` (Training: class letter; Validation ``V``; Test ``T``), disc masks
``.bmp``/``.png`` below a folder whose path contains "disc" (0 = disc, 255 = background:
encoding ``inverted``), and spreadsheets with ``imgName``, ``Fovea_X``, ``Fovea_Y`` and, for
validation/test, ``Label``. Files are found by id anywhere under the root.

PALM training letters: P = pathologic myopia (``label_PM = 1``), H = high myopia, N = normal.
ADAM training letters: A = AMD (``label_AMD = 1``), N = non-AMD.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, index_by_stem, norm, read_table

ID_RE = re.compile(r"^[A-Z]\d{4}$")
SPLIT = {"V": "val", "T": "test"}


def _spreadsheets(root: Path) -> pd.DataFrame:
    frames = []
    for path in sorted([*root.rglob("*.xlsx"), *root.rglob("*.csv")]):
        df = read_table(path)
        cols = {norm(c): c for c in df.columns}
        id_col = next((cols[k] for k in ("imgname", "imagename", "filename", "image") if k in cols), None)
        if id_col is None:
            continue
        out = pd.DataFrame({"image_id": df[id_col].astype(str).map(lambda s: Path(s.strip()).stem)})
        for key, name in (("foveax", "fovea_x"), ("foveay", "fovea_y"), ("label", "label")):
            if key in cols:
                out[name] = pd.to_numeric(df[cols[key]], errors="coerce")
        out = out[out["image_id"].str.match(ID_RE)]
        if len(out.columns) > 1 and len(out):
            frames.append(out.set_index("image_id"))
    merged = pd.DataFrame()
    for f in frames:
        merged = f if merged.empty else merged.combine_first(f)
    return merged


def load_ichallenge(root: Path, dataset: str, label: str, positive: str) -> pd.DataFrame:
    """Shared importer; ``positive`` is the training letter of the positive class."""
    root = Path(root)
    images, masks = [], []
    for p in root.rglob("*"):
        if not (p.is_file() and ID_RE.match(p.stem)):
            continue
        rel = "/".join(p.relative_to(root).parts[:-1]).lower()
        if "mask" in rel or "lesion" in rel:
            if "disc" in rel and p.suffix.lower() in (".bmp", ".png"):
                masks.append(p)
        elif p.suffix.lower() in (".jpg", ".jpeg", ".png"):
            images.append(p)
    images_by_id, masks_by_id = index_by_stem(sorted(images)), index_by_stem(sorted(masks))
    if not images_by_id:
        raise DataError(f"{root}: no {dataset} images (<letter>NNNN.jpg)")
    sheet = _spreadsheets(root)
    rows: list[dict[str, Any]] = []
    for image_id, path in images_by_id.items():
        split = SPLIT.get(image_id[0], "train")
        y = float(image_id[0] == positive) if split == "train" else np.nan
        info = sheet.loc[image_id] if image_id in sheet.index else {}
        if split != "train" and "label" in info and pd.notna(info["label"]):
            y = float(info["label"])
        mask = masks_by_id.get(image_id, "")
        rows.append(dict(image_id=image_id, image=path, patient_id=image_id, eye="", device=dataset, split=split,
                         od_mask=mask, mask_encoding="inverted" if mask else "",
                         fovea_x=info.get("fovea_x", np.nan), fovea_y=info.get("fovea_y", np.nan),
                         **{f"label_{label}": y}))
    return build_table(rows, dataset)


@register("PALM", folder="PALM")
def load_palm(root: Path) -> pd.DataFrame:
    """Canonical table of a PALM copy (``label_PM``)."""
    return load_ichallenge(root, "PALM", "PM", "P")


@register("ADAM", folder="ADAM")
def load_adam(root: Path) -> pd.DataFrame:
    """Canonical table of an ADAM copy (``label_AMD``)."""
    return load_ichallenge(root, "ADAM", "AMD", "A")
