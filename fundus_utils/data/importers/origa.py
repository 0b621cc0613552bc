"""ORIGA / ORIGA-light (Zhang et al., EMBC 2010): 650 images, 168 glaucoma, 482 normal.

The original web database is offline; the importer reads the layout of the common
re-distribution (images, PNG masks with class indices, and ``OrigaList.csv``)::

    Images/001.jpg ... 650.jpg             3072x2048
    Masks/001.png ...                      0 = background, 1 = disc rim, 2 = cup (encoding ``indexed``)
    OrigaList.csv                          Eye, Filename, ExpCDR, Set (A/B), Glaucoma (0/1)

``Set`` A -> ``train`` and B -> ``test`` (the 325/325 halves used since Cheng et al. 2013);
without a ``Set`` column everything is ``test``. ``vcdr = ExpCDR``. Patient ids are not
published: ``patient_id = image_id``.

Read: every image, its mask (disc and cup), and every column of ``OrigaList.csv`` that is
an annotation (Eye, ExpCDR, Set, Glaucoma). The label file is ``OrigaList.csv`` only (one,
anywhere below the root); other CSV/XLSX files are not read. Values are strict: Glaucoma
0/1, ExpCDR a number, Set A/B, Eye OD/OS; a bad value, a listed image that is missing, or
an image without a row raises :class:`DataError` naming the file, row and value.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import (build_table, find_dirs, images_in, index_by_stem, label_files, parse_binary, parse_number,
                      pick_column, read_label_file)

LABEL_FILE = r"OrigaList\.csv"
EYES = {"OD": "R", "OS": "L"}
SETS = {"A": "train", "B": "test"}


def _choice(value: str, allowed: dict[str, str], path: Path, row: int, col: str) -> str:
    """``allowed[value]`` (case-insensitive), or DataError naming file, row, column and value."""
    key = str(value).strip().upper()
    if key not in allowed:
        raise DataError(f"{path}: row {row}, column {col!r}: {value!r} is not one of {sorted(allowed)}")
    return allowed[key]


def _label_file(root: Path) -> Path:
    """The one ``OrigaList.csv`` below ``root``."""
    lists = label_files(root, LABEL_FILE)
    if not lists:
        raise DataError(f"{root}: no OrigaList.csv (labels)")
    if len(lists) > 1:
        raise DataError(f"{root}: {len(lists)} OrigaList.csv files, expected one: {[str(p) for p in lists]}")
    return lists[0]


@register("ORIGA", folder="ORIGA")
def load_origa(root: Path) -> pd.DataFrame:
    """Canonical table of an ORIGA copy."""
    root = Path(root)
    image_dirs = find_dirs(root, r"images?")
    if not image_dirs:
        raise DataError(f"{root}: no Images/ folder")
    images = index_by_stem(p for d in image_dirs for p in images_in(d))
    masks = index_by_stem(p for d in find_dirs(root, r"masks?") for p in images_in(d, "*.png"))
    path = _label_file(root)
    df = read_label_file(path)
    fname = pick_column(df, "Filename", "image", source=path)
    glauc = pick_column(df, "Glaucoma", "label", source=path)
    eye = pick_column(df, "Eye", required=False)
    cdr = pick_column(df, "ExpCDR", "CDR", required=False)
    subset = pick_column(df, "Set", required=False)
    ids = [Path(str(v)).stem for v in df[fname]]
    missing = [i for i in ids if i not in images]
    if missing:
        raise DataError(f"{path}: {len(missing)} listed images not found under {root} (ids match no image): "
                        f"{missing[:5]}")
    rows: list[dict[str, Any]] = []
    for (line, r), image_id in zip(df.iterrows(), ids):
        mask = masks.get(image_id, "")
        rows.append(dict(image_id=image_id, image=images[image_id], patient_id=image_id,
                         eye=_choice(r[eye], EYES, path, line, eye) if eye else "",
                         device="ORIGA (SiMES)",
                         split=_choice(r[subset], SETS, path, line, subset) if subset else "test",
                         glaucoma=parse_binary(r[glauc], path, line, glauc),
                         od_mask=mask, oc_mask=mask, mask_encoding="indexed" if mask else "",
                         vcdr=parse_number(r[cdr], path, line, cdr) if cdr else np.nan))
    unlisted = sorted(set(images) - set(ids))
    if unlisted:
        raise DataError(f"{root}: images without a label row in {path.name}: {unlisted[:5]}")
    return build_table(rows, "ORIGA")
