"""RIM-ONE r3 (Fumero et al., WSCG 2015) and RIM-ONE DL (Batista et al., Image Anal Stereol 2020).

RIM-ONE r3: 159 stereo pairs (85 healthy, 39 glaucoma, 35 suspects), 2144x1424::

    Healthy/Stereo Images/N-<n>-<L|R>.jpg
    Healthy/Average_masks/N-<n>-<L|R>-{Disc,Cup}-Avg.png
    Glaucoma and suspects/Stereo Images/{G,S}-<n>-<L|R>.jpg
    Glaucoma and suspects/Average_masks/...

Each image holds two views side by side; the masks annotate the left view. When an
image is twice as wide as its mask, the importer writes the left view once to
``cache_dir()/derived/RIM-ONE-r3`` and points ``image`` there. Suspects get
``glaucoma = NaN`` (the 39/85 glaucoma/normal counts used by the REFUGE-ensemble paper);
``patient_id = <class>-<n>``. No official split: all ``test``.

RIM-ONE DL: 485 disc-centred crops (172 glaucoma, 313 normal) with two official
partitions; ``partition="randomly"`` (default) or ``"by_hospital"``::

    RIM-ONE_DL_images/partitioned_randomly/{training_set,test_set}/{glaucoma,normal}/*.png
    RIM-ONE_DL_images/partitioned_by_hospital/{training_set,test_set}/{glaucoma,normal}/*.png
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from ... import config
from ..errors import DataError
from ..registry import register
from ._common import build_table, image_size, images_in

R3_NAME = re.compile(r"^([NGS])-(\d+)-([LR])$")


def _left_view(image: Path, mask: Path) -> Path:
    """``image`` itself, or its cached left half when it is a stereo pair twice the mask's width."""
    (w, h), (mw, mh) = image_size(image), image_size(mask)
    if (w, h) == (mw, mh) or w != 2 * mw:
        return image
    out = config.cache_dir() / "derived" / "RIM-ONE-r3" / f"{image.stem}-{int(image.stat().st_mtime)}.png"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(image) as img:
            img.crop((0, 0, mw, h)).save(out)
    return out


@register("RIM-ONE-r3", folder="RIM-ONE-r3", manifest="RIM-ONE-r3")
def load_rimone_r3(root: Path) -> pd.DataFrame:
    """Canonical table of a RIM-ONE r3 copy."""
    root = Path(root)
    files = [p for p in root.rglob("*") if p.is_file()]
    images = {p.stem: p for p in files if p.suffix.lower() in (".jpg", ".png") and R3_NAME.match(p.stem)
              and "mask" not in str(p.parent).lower()}
    rows: list[dict[str, Any]] = []
    for image_id, path in sorted(images.items()):
        cls, n, eye = R3_NAME.match(image_id).groups()
        def mask(kind: str) -> Path | str:
            hits = [p for p in files if p.stem.lower() == f"{image_id}-{kind}-avg".lower()]
            return hits[0] if hits else ""
        od, oc = mask("Disc"), mask("Cup")
        image = _left_view(path, od) if od else path
        rows.append(dict(image_id=image_id, image=image, patient_id=f"{cls}-{n}", eye=eye,
                         device="RIM-ONE r3", split="test",
                         glaucoma={"N": 0.0, "G": 1.0, "S": np.nan}[cls],
                         od_mask=od, oc_mask=oc, mask_encoding="binary" if od else ""))
    if not rows:
        raise DataError(f"{root}: no RIM-ONE r3 images (N-<n>-<L|R>.jpg, G-..., S-...)")
    return build_table(rows, "RIM-ONE-r3")


@register("RIM-ONE-DL", folder="RIM-ONE-DL", manifest="RIM-ONE-DL")
def load_rimone_dl(root: Path, partition: str = "randomly") -> pd.DataFrame:
    """Canonical table of a RIM-ONE DL copy, in one of its two official partitions."""
    root = Path(root)
    if partition not in ("randomly", "by_hospital"):
        raise ValueError(f"partition must be 'randomly' or 'by_hospital', not {partition!r}")
    bases = sorted(root.rglob(f"partitioned_{partition}"))
    if not bases:
        raise DataError(f"{root}: no partitioned_{partition}/ folder")
    rows: list[dict[str, Any]] = []
    for split_dir, split in (("training_set", "train"), ("test_set", "test")):
        for cls, g in (("glaucoma", 1.0), ("normal", 0.0)):
            for img in images_in(bases[0] / split_dir / cls):
                rows.append(dict(image_id=img.stem, image=img, patient_id=img.stem, eye="",
                                 device=img.stem.split("_")[0] if "_" in img.stem else "RIM-ONE DL",
                                 split=split, glaucoma=g))
    if not rows:
        raise DataError(f"{bases[0]}: no images in {{training_set,test_set}}/{{glaucoma,normal}}")
    return build_table(rows, "RIM-ONE-DL")
