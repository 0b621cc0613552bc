"""CHASE_DB1 (Fraz et al., IEEE TBME 59(9):2538-2548, 2012): 28 images of 14 children.

Flat folder: ``Image_NN{L,R}.jpg`` with ``Image_NN{L,R}_1stHO.png`` (first observer, the
usual reference; ``vessel_mask``) and ``_2ndHO.png`` (second observer;
``vessel_mask_expert2``); 1-bit PNGs (encoding ``binary``). These are all the release's
annotations.
``patient_id`` = child ``NN``, ``eye`` = L/R. There is no official split and no FOV mask:
every image is ``test`` (external evaluation); cross-validation uses the committed
child-level folds in ``data_manifests/folds/CHASE_DB1.csv``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, images_in

NAME = re.compile(r"^Image_(\d{2})([LR])$")


@register("CHASE_DB1", folder="CHASE_DB1")
def load_chase(root: Path) -> pd.DataFrame:
    """Canonical table of a CHASE_DB1 copy."""
    root = Path(root)
    rows: list[dict[str, Any]] = []
    for img in images_in(root, "Image_*.jpg"):
        m = NAME.match(img.stem)
        if not m:
            continue
        vessel = root / f"{img.stem}_1stHO.png"
        second = root / f"{img.stem}_2ndHO.png"
        rows.append(dict(image_id=f"{m[1]}{m[2]}", image=img, patient_id=m[1], eye=m[2],
                         device="Nidek NM-200-D", split="test",
                         vessel_mask=vessel if vessel.is_file() else "",
                         vessel_mask_expert2=second if second.is_file() else "", mask_encoding="binary"))
    if not rows:
        raise DataError(f"{root}: no CHASE_DB1 images (Image_NN[LR].jpg)")
    return build_table(rows, "CHASE_DB1")
