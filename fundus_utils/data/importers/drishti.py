"""Drishti-GS1 (Sivaswamy et al., ISBI 2014): 101 disc-centred images, OD/cup soft maps.

Layout (official; the test ground truth folder may be ``Test/Test_GT`` or ``Test/GT``)::

    {Training,Test}/Images/<id>.png|jpg
    {Training,Test}/GT/<id>/SoftMap/<id>_{OD,cup}segSoftmap.png
    {Training,Test}/GT/<id>/<id>_cdrValues.txt              four expert CDRs
    {Training,Test}/GT/<id>/AvgBoundary/<id>_diskCenter.txt "row col", original pixels
    Training/GT/Notching___Image__level_decisions.xlsx       G/N per image number

``vcdr`` is the mean of the four expert CDRs. The disc centre is scaled to the image
found: originals are at least 2045 px wide, so an image narrower than 1600 px is taken
as the documented x2-downscaled variant (centre / 2). Soft maps: encoding ``softmap``
(majority of experts: ``>= 128``). Glaucoma labels are applied to the Training images
(the documented scope of the spreadsheet); ``labels_for="all"`` also applies rows for
Test ids when the spreadsheet has them. ``patient_id = image_id``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, image_size, images_in, pick_column

SPLITS = {"Training": "train", "Test": "test"}
MIN_ORIGINAL_WIDTH = 1600  # originals are 2045-2468 px wide; the x2 variant 1023-1234


def _gt_dir(split_dir: Path) -> Path | None:
    for name in ("GT", "Test_GT", "Training_GT"):
        if (split_dir / name).is_dir():
            return split_dir / name
    return None


def _read_numbers(path: Path) -> list[float]:
    if not path.is_file():
        return []
    try:
        return [float(t) for t in path.read_text().split()]
    except ValueError as err:
        raise DataError(f"{path}: not a list of numbers ({err})") from err


def _labels(root: Path) -> dict[int, float]:
    files = sorted(root.rglob("*.xlsx"))
    out: dict[int, float] = {}
    for path in files:
        df = pd.read_excel(path)
        num = pick_column(df, "Image ID", "IMAGE NUMBER", "image number", source=path)
        lab = pick_column(df, "Normal/Glaucomatous", "Normal/Glaucomal", "glaucom", source=path)
        for n, g in zip(df[num], df[lab]):
            if pd.isna(n) or pd.isna(g):
                continue
            g = str(g).strip().upper()
            if g not in ("G", "N"):
                raise DataError(f"{path}: label {g!r} for image {n}; expected G or N")
            out[int(n)] = 1.0 if g == "G" else 0.0
    return out


@register("Drishti-GS1", folder="Drishti-GS1")
def load_drishti(root: Path, labels_for: str = "train") -> pd.DataFrame:
    """Canonical table of a Drishti-GS1 copy (original resolution or downscaled x2)."""
    root = Path(root)
    labels = _labels(root)
    rows: list[dict[str, Any]] = []
    for folder, split in SPLITS.items():
        split_dir = root / folder
        if not split_dir.is_dir():
            continue
        gt = _gt_dir(split_dir)
        for img in images_in(split_dir / "Images", "drishtiGS_*"):
            image_id = img.stem
            case = gt / image_id if gt else None
            od = case / "SoftMap" / f"{image_id}_ODsegSoftmap.png" if case else None
            oc = case / "SoftMap" / f"{image_id}_cupsegSoftmap.png" if case else None
            cdr = _read_numbers(case / f"{image_id}_cdrValues.txt") if case else []
            centre = _read_numbers(case / "AvgBoundary" / f"{image_id}_diskCenter.txt") if case else []
            scale = 1.0 if image_size(img)[0] >= MIN_ORIGINAL_WIDTH else 0.5
            number = int(re.sub(r"\D", "", image_id))
            glaucoma = labels.get(number, np.nan) if (split == "train" or labels_for == "all") else np.nan
            rows.append(dict(
                image_id=image_id, image=img, patient_id=image_id, eye="", device="Drishti-GS1", split=split,
                glaucoma=glaucoma,
                od_mask=od if od and od.is_file() else "", oc_mask=oc if oc and oc.is_file() else "",
                mask_encoding="softmap" if od and od.is_file() else "",
                od_x=centre[1] * scale if len(centre) == 2 else np.nan,
                od_y=centre[0] * scale if len(centre) == 2 else np.nan,
                vcdr=float(np.mean(cdr)) if cdr else np.nan,
            ))
    if not rows:
        raise DataError(f"{root}: no Drishti-GS1 images under Training/Images or Test/Images")
    return build_table(rows, "Drishti-GS1")
