"""DRIVE (Staal et al., IEEE TMI 23(4):501-509, 2004): 40 images, vessel maps, FOV masks.

Official layout: ``{training,test}/images/NN_{training,test}.tif``,
``{training,test}/1st_manual/NN_manual1.gif`` (the reference; ``vessel_mask``),
``{training,test}/mask/NN_{training,test}_mask.gif`` (``fov_mask``) and the test-only
``test/2nd_manual/NN_manual2.gif`` (second observer, palette GIF: ``vessel_mask_expert2``,
"" for training images; encoding ``binary`` reads the palette index). These are all the
release's annotations. One image per patient: ``patient_id = image number``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, images_in

SPLITS = {"training": "train", "test": "test"}


@register("DRIVE", folder="DRIVE")
def load_drive(root: Path) -> pd.DataFrame:
    """Canonical table of a DRIVE copy."""
    root = Path(root)
    rows: list[dict[str, Any]] = []
    for folder, split in SPLITS.items():
        for img in images_in(root / folder / "images", f"*_{folder}.*"):
            num = img.stem.split("_")[0]
            vessel = root / folder / "1st_manual" / f"{num}_manual1.gif"
            fov = root / folder / "mask" / f"{num}_{folder}_mask.gif"
            second = root / folder / "2nd_manual" / f"{num}_manual2.gif"
            rows.append(dict(image_id=num, image=img, patient_id=num, eye="",
                             device="Canon CR5 non-mydriatic 3CCD", split=split,
                             vessel_mask=vessel if vessel.is_file() else "",
                             fov_mask=fov if fov.is_file() else "",
                             vessel_mask_expert2=second if second.is_file() else "", mask_encoding="binary"))
    if not rows:
        raise DataError(f"{root}: no DRIVE images under training/images or test/images")
    return build_table(rows, "DRIVE")
