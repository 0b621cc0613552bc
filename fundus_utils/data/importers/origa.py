"""ORIGA / ORIGA-light (Zhang et al., EMBC 2010): 650 images, 168 glaucoma, 482 normal.

The original web database is offline; the importer reads the layout of the common
re-distribution (images, PNG masks with class indices, and ``OrigaList.csv``)::

    Images/001.jpg ... 650.jpg             3072x2048
    Masks/001.png ...                      0 = background, 1 = disc rim, 2 = cup (encoding ``indexed``)
    OrigaList.csv                          Eye, Filename, ExpCDR, Set (A/B), Glaucoma (0/1)

``Set`` A -> ``train`` and B -> ``test`` (the 325/325 halves used since Cheng et al. 2013);
without a ``Set`` column everything is ``test``. ``vcdr = ExpCDR``. Patient ids are not
published: ``patient_id = image_id``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, find_dirs, images_in, index_by_stem, pick_column, read_table


@register("ORIGA", folder="ORIGA")
def load_origa(root: Path) -> pd.DataFrame:
    """Canonical table of an ORIGA copy."""
    root = Path(root)
    image_dirs = find_dirs(root, r"images?")
    if not image_dirs:
        raise DataError(f"{root}: no Images/ folder")
    images = index_by_stem(p for d in image_dirs for p in images_in(d))
    masks = index_by_stem(p for d in find_dirs(root, r"masks?") for p in images_in(d, "*.png"))
    lists = sorted(root.rglob("OrigaList*.csv")) + sorted(root.rglob("origa*.xlsx"))
    if not lists:
        raise DataError(f"{root}: no OrigaList.csv (labels)")
    df = read_table(lists[0])
    fname = pick_column(df, "Filename", "image", source=lists[0])
    glauc = pick_column(df, "Glaucoma", "label", source=lists[0])
    eye = pick_column(df, "Eye", required=False)
    cdr = pick_column(df, "ExpCDR", "CDR", required=False)
    subset = pick_column(df, "Set", required=False)
    rows: list[dict[str, Any]] = []
    for _, r in df.iterrows():
        image_id = Path(str(r[fname])).stem
        if image_id not in images:
            raise DataError(f"{lists[0]}: image {image_id!r} listed but not found under {root}")
        mask = masks.get(image_id, "")
        split = {"A": "train", "B": "test"}.get(str(r[subset]).strip().upper(), "test") if subset else "test"
        rows.append(dict(image_id=image_id, image=images[image_id], patient_id=image_id,
                         eye={"OD": "R", "OS": "L"}.get(str(r[eye]).strip().upper(), "") if eye else "",
                         device="ORIGA (SiMES)", split=split, glaucoma=float(r[glauc]),
                         od_mask=mask, oc_mask=mask, mask_encoding="indexed" if mask else "",
                         vcdr=float(r[cdr]) if cdr else np.nan))
    unlisted = sorted(set(images) - {row["image_id"] for row in rows})
    if unlisted:
        raise DataError(f"{root}: images without a label row in {lists[0].name}: {unlisted[:5]}")
    return build_table(rows, "ORIGA")
