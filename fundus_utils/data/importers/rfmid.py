"""RFMiD (Pachade et al., Data 6(2):14, 2021): 3200 images, 45 conditions + Disease_Risk.

Official layout (IEEE DataPort zip)::

    1. Original Images/a. Training Set/1.png ... 1920.png
    1. Original Images/b. Validation Set/1.png ... 640.png
    1. Original Images/c. Testing Set/1.png ... 640.png
    2. Groundtruths/a. RFMiD_Training_Labels.csv     ID, Disease_Risk, DR, ARMD, ... (45)
    2. Groundtruths/b. RFMiD_Validation_Labels.csv
    2. Groundtruths/c. RFMiD_Testing_Labels.csv

Label files read: only CSVs named ``[<prefix>]RFMiD_{Training,Validation,Testing}_Labels.csv``
(the prefix is the zip's ``a. ``/``b. ``/``c. ``), one per split; other table files are
not read. Every cell must be 0/1 and every ID an integer (errors name the file, row,
column and value); an ID without an image raises unless ``labels_only``. Image
folders are matched by ``train``/``valid``/``test`` in an ancestor folder name. These
labels are all the release's annotations. Columns become
``label_<NAME>``; ``image_id = <split>-<ID>`` (IDs restart per split); no patient ids.
``labels_only=True`` returns the table without images (``image = ""``), e.g. for the
label-only copy in ../shared/data. :func:`group_28` adds the 28-category grouping of the
RFMiD-ensemble paper.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import IMAGE_EXTS, build_table, label_files, read_label_file, walk_files

CONDITIONS = ("DR ARMD MH DN MYA BRVO TSLN ERM LS MS CSR ODC CRVO TV AH ODP ODE ST AION PT RT RS CRS EDN "
              "RPEC MHL RP CWS CB ODPM PRH MNF HR CRAO TD CME PTCR CF VH MCA VS BRAO PLQ HPED CL").split()
# The 28 categories of the RFMiD-ensemble paper (= RIADD challenge): 27 conditions kept as
# they are, the remaining 18 merged into OTHER. RT is kept (the paper's Table 1 lists RT = 14);
# with RT merged, "Others" would count 48 training images, not the 34 the paper reports.
KEPT_27 = ("DR ARMD MH DN MYA BRVO TSLN ERM LS MS CSR ODC CRVO TV AH ODP ODE ST AION PT RT RS CRS EDN "
           "RPEC MHL RP").split()
OTHER_18 = tuple(c for c in CONDITIONS if c not in KEPT_27)
SPLIT_WORDS = (("train", "train"), ("valid", "val"), ("test", "test"))
LABEL_FILE = re.compile(r".*RFMiD_(Training|Validation|Testing)_Labels\.csv", re.I)


def _split_of(name: str) -> str | None:
    low = name.lower()
    return next((s for word, s in SPLIT_WORDS if word in low), None)


def read_labels(path: Path, split: str) -> pd.DataFrame:
    """One RFMiD label CSV as ``ID`` + ``label_*`` columns, checked for the official schema and 0/1 values."""
    df = read_label_file(path)
    missing = [c for c in ("ID", "Disease_Risk", *CONDITIONS) if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing label columns {missing}; columns are {list(df.columns)[:8]} ...")
    ids = []
    for line, value in df["ID"].items():
        if not value.isdigit():
            raise DataError(f"{path}: row {line}, column 'ID': {value!r} is not an image number")
        ids.append(int(value))
    dup = sorted(i for i, k in Counter(ids).items() if k > 1)
    if dup:
        raise DataError(f"{path}: duplicated ID {dup[:5]}")
    cols = ["Disease_Risk", *CONDITIONS]
    values = df[cols]
    bad = values.columns[~values.isin(["0", "1"]).all()].tolist()
    if bad:  # name the first bad cell, and every column that has one
        col = bad[0]
        line = values.index[~values[col].isin(["0", "1"])][0]
        raise DataError(f"{path}: non-0/1 values in columns {bad}; first: row {line}, column {col!r}: "
                        f"{values.at[line, col]!r}")
    out = values.astype(int).add_prefix("label_").reset_index(drop=True)
    out.insert(0, "ID", ids)
    out.insert(1, "split", split)
    return out


def _label_csvs(root: Path) -> dict[str, Path]:
    """``{split: label CSV}``; two files for one split raise."""
    out: dict[str, Path] = {}
    for p in label_files(root, LABEL_FILE):
        split = _split_of(LABEL_FILE.fullmatch(p.name)[1])
        if split in out:
            raise DataError(f"{root}: two label files for split {split!r}: {out[split]} and {p}")
        out[split] = p
    return out


@register("RFMiD", folder="RFMiD")
def load_rfmid(root: Path, labels_only: bool = False) -> pd.DataFrame:
    """Canonical table of an RFMiD copy."""
    root = Path(root)
    csvs = _label_csvs(root)
    if not csvs:
        raise DataError(f"{root}: no RFMiD label CSVs (RFMiD_Training_Labels.csv, ...)")
    images: dict[tuple[str, int], Path] = {}
    for p in walk_files(root):
        if p.suffix.lower() in IMAGE_EXTS and p.stem.isdigit():
            split = next((s for part in reversed(p.relative_to(root).parts[:-1]) if (s := _split_of(part))), None)
            if split:
                images[(split, int(p.stem))] = p
    rows: list[dict[str, Any]] = []
    for split, path in csvs.items():
        for rec in read_labels(path, split).to_dict("records"):
            img = images.get((split, rec["ID"]), "")
            if not img and not labels_only:
                raise DataError(f"{root}: image {rec['ID']} of {path.name} not found "
                                f"(pass labels_only=True to read the labels alone)")
            image_id = f"{split}-{rec.pop('ID')}"
            rows.append(dict(image_id=image_id, image=img, patient_id=image_id, eye="", device="RFMiD",
                             **rec))
    extra = sorted(f"{s}/{i}" for s, i in set(images) - {(r["split"], int(r["image_id"].split("-")[1])) for r in rows})
    if extra:
        raise DataError(f"{root}: images without a label row: {extra[:5]}")
    return build_table(rows, "RFMiD")


def group_28(table: pd.DataFrame) -> pd.DataFrame:
    """Copy of an RFMiD table with ``label_OTHER`` (any of the 18 merged conditions) added.

    The 28 categories are ``label_<c>`` for ``c`` in :data:`KEPT_27` plus ``label_OTHER``;
    see :data:`GROUP_28`.
    """
    out = table.copy()
    out["label_OTHER"] = (out[[f"label_{c}" for c in OTHER_18]].fillna(0).max(axis=1) > 0).astype(int)
    return out


GROUP_28 = tuple(f"label_{c}" for c in KEPT_27) + ("label_OTHER",)
