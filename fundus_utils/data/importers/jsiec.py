"""JSIEC 1000 (Cen et al., Nature Communications 12:4828, 2021): 1000 images, 39 classes.

Layout of the public subset: one folder per class, named ``<major>.<minor>.<name>``::

    1000images/0.0.Normal/*.jpg
    1000images/0.3.DR1/*.jpg
    ...
    1000images/29.1.Blur fundus with suspected PDR/*.jpg

Each class becomes a one-hot ``label_<name>`` column (name with non-alphanumerics as
``_``). No official split (all ``test``); no patient ids (``patient_id = image_id``).
The public subset ships no other annotation: the class is the folder name.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, images_in, walk

CLASS_DIR = re.compile(r"^(\d+)\.(\d+)\.(.+)$")


def label_name(folder: str) -> str:
    """``"29.1.Blur fundus with suspected PDR"`` -> ``"Blur_fundus_with_suspected_PDR"``."""
    m = CLASS_DIR.match(folder)
    return re.sub(r"[^0-9A-Za-z]+", "_", m[3] if m else folder).strip("_")


@register("JSIEC", folder="JSIEC")
def load_jsiec(root: Path) -> pd.DataFrame:
    """Canonical table of a JSIEC 1000-image copy."""
    root = Path(root)
    class_dirs = sorted((d for d in walk(root)[1] if CLASS_DIR.match(d.name)),
                        key=lambda d: tuple(int(x) for x in CLASS_DIR.match(d.name).groups()[:2]))
    if not class_dirs:
        raise DataError(f"{root}: no class folders named like '0.0.Normal'")
    names = [label_name(d.name) for d in class_dirs]
    rows: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for d, name in zip(class_dirs, names):
        for img in images_in(d):
            image_id = img.stem
            if image_id in seen:
                raise DataError(f"image id {image_id!r} in two class folders: {seen[image_id]} and {img}")
            seen[image_id] = img
            rows.append(dict(image_id=image_id, image=img, patient_id=image_id, eye="", device="JSIEC",
                             split="test", **{f"label_{n}": int(n == name) for n in names}))
    return build_table(rows, "JSIEC")
