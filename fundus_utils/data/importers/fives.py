"""FIVES (Jin et al., Scientific Data 9:475, 2022): 800 images 2048x2048 with vessel maps.

Layout::

    train/Original/<n>_<C>.png        600   C = A (AMD), D (DR), G (glaucoma), N (normal)
    train/Ground truth/<n>_<C>.png          vessel map, 0/255 (encoding ``binary``)
    test/Original/<n>_<C>.png         200
    test/Ground truth/<n>_<C>.png

``image_id = <split>-<n>_<C>`` (numbers restart per split); category as one-hot
``label_AMD/DR/Glaucoma/Normal`` and ``glaucoma``; no patient ids. Read: images, vessel
maps and the category in the file name. The paper also describes per-image quality
grades (illumination/colour, blur, contrast); their file in the figshare record was not
available here to check, so they are not read.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, find_dirs, images_in

NAME = re.compile(r"^(\d+)_([ADGN])$")
CATEGORY = {"A": "AMD", "D": "DR", "G": "Glaucoma", "N": "Normal"}


@register("FIVES", folder="FIVES")
def load_fives(root: Path) -> pd.DataFrame:
    """Canonical table of a FIVES copy."""
    root = Path(root)
    rows: list[dict[str, Any]] = []
    for split in ("train", "test"):
        for split_dir in find_dirs(root, split):
            originals = find_dirs(split_dir, r"original.*")
            truths = find_dirs(split_dir, r"ground[ _]?truths?")
            for img in (images_in(originals[0]) if originals else []):
                m = NAME.match(img.stem)
                if not m:
                    raise DataError(f"{img}: name not <n>_<A|D|G|N>")
                gt = next((g for t in truths for g in images_in(t, f"{img.stem}.*")), "")
                rows.append(dict(image_id=f"{split}-{img.stem}", image=img, patient_id=f"{split}-{img.stem}",
                                 eye="", device="FIVES", split=split, glaucoma=float(m[2] == "G"),
                                 vessel_mask=gt, mask_encoding="binary",
                                 **{f"label_{v}": int(k == m[2]) for k, v in CATEGORY.items()}))
    if not rows:
        raise DataError(f"{root}: no FIVES images under {{train,test}}/Original")
    return build_table(rows, "FIVES")
