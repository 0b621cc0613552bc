"""PALM and ADAM (iChallenge, Baidu): fovea, optic disc and one image-level label.

PALM (pathologic myopia; Fang et al., Scientific Data 11:99, 2024) and ADAM (AMD; Fang et
al., IEEE TMI 41(10):2828-2847, 2022) share the REFUGE-like release layout: images
``<C>NNNN.jpg`` (Training: class letter; Validation ``V``; Test ``T``), disc masks
``.bmp``/``.png`` below a folder whose path contains "disc" (0 = disc, 255 = background:
encoding ``inverted``), and spreadsheets with ``imgName``, ``Fovea_X``, ``Fovea_Y`` and, for
validation/test, ``Label``. Files are found by id anywhere under the root.

PALM training letters: P = pathologic myopia (``label_PM = 1``), H = high myopia, N = normal.
ADAM training letters: A = AMD (``label_AMD = 1``), N = non-AMD.

Read: images, disc masks (``od_mask``), fovea positions (``fovea_x``/``fovea_y``, pixels
of the image as published), the validation/test ``Label`` and the lesion masks: each
folder below a ``Lesion_Masks`` folder (PALM: ``Atrophy``, ``Detachment``; ADAM:
``drusen``, ``exudate``, ``hemorrhage``, ``others``, ``scar``) becomes a column
``lesion_mask_<folder, lower case>`` (encoding ``inverted`` like the disc masks: 0 =
lesion, 255 = background); an image without a file there has no such lesion ("").

Label files: only CSV/XLSX whose name contains ``fovea`` (PALM
``Fovea_Location_train.xlsx``, ``PM_Label_and_Fovea_Location.xlsx``; ADAM
``Fovea_location.xlsx``) or starts with ``PM_Label``/``AMD_Label``; ADAM's exact GT file
names are not verified here. Any other table file is not read. Every id must name an
image; values must parse (Label 0/1, fovea numbers); two files disagreeing raise.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import (build_table, index_by_stem, label_files, merged_label_values, norm, parse_binary, parse_number,
                      read_label_file, refuse_orphans, unknown_ids, walk_files)

ID_RE = re.compile(r"^[A-Z]\d{4}$")
SPLIT = {"V": "val", "T": "test"}
LABEL_FILE = r"(?:.*fovea.*|(?:pm|amd)_label.*)\.(?:csv|xlsx)"
VALUES = (("foveax", "fovea_x"), ("foveay", "fovea_y"), ("label", "label"))


def _read_one(path: Path, images: dict[str, Path]) -> dict[str, dict[str, float]]:
    """``{image_id: {"fovea_x"?, "fovea_y"?, "label"?}}`` of one label file, strictly parsed."""
    df = read_label_file(path)
    cols = {norm(c): c for c in df.columns}
    id_col = next((cols[k] for k in ("imgname", "imagename", "filename") if k in cols), None)
    if id_col is None:
        raise DataError(f"{path}: no imgName column; columns are {list(df.columns)}")
    present = [(cols[k], name) for k, name in VALUES if k in cols]
    if not present:
        raise DataError(f"{path}: no Fovea_X/Fovea_Y or Label column; columns are {list(df.columns)}")
    ids = [Path(v).stem for v in df[id_col]]
    unknown_ids(path, ids, images)
    out: dict[str, dict[str, float]] = {}
    for (line, rec), image_id in zip(df.iterrows(), ids):
        if image_id in out:
            raise DataError(f"{path}: row {line}: image id {image_id!r} listed twice")
        out[image_id] = {name: (parse_binary if name == "label" else parse_number)(rec[col], path, line, col)
                         for col, name in present}
    return out


def _spreadsheets(root: Path, images: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Fovea positions and labels of the documented label files, by image id; disagreement raises."""
    return merged_label_values(label_files(root, LABEL_FILE), lambda path: _read_one(path, images))


def _find_files(root: Path) -> tuple[list[Path], list[Path], dict[str, list[Path]]]:
    """(images, disc masks, {lesion type: masks}) below ``root``, by path convention."""
    images, masks, lesions = [], [], {}
    for p in walk_files(root):
        if not ID_RE.match(p.stem):
            continue
        parts = [q.lower() for q in p.relative_to(root).parts[:-1]]
        rel = "/".join(parts)
        if "mask" in rel or "lesion" in rel:
            if p.suffix.lower() not in (".bmp", ".png"):
                continue
            if "lesion" in rel:
                kind = re.sub(r"[^a-z0-9]+", "_", parts[-1]).strip("_")
                if "lesion" in kind:
                    raise DataError(f"{p}: lesion mask not in a per-lesion folder (Lesion_Masks/<type>/)")
                lesions.setdefault(kind, []).append(p)
            elif "disc" in rel:
                masks.append(p)
        elif p.suffix.lower() in (".jpg", ".jpeg", ".png"):
            images.append(p)
    return images, masks, lesions


def load_ichallenge(root: Path, dataset: str, label: str, positive: str) -> pd.DataFrame:
    """Shared importer; ``positive`` is the training letter of the positive class."""
    root = Path(root)
    images, masks, lesions = _find_files(root)
    images_by_id, masks_by_id = index_by_stem(images), index_by_stem(masks)
    lesions_by_id = {kind: index_by_stem(files) for kind, files in sorted(lesions.items())}
    if not images_by_id:
        raise DataError(f"{root}: no {dataset} images (<letter>NNNN.jpg)")
    refuse_orphans(root, images_by_id, disc=masks_by_id, **lesions_by_id)
    sheet = _spreadsheets(root, images_by_id)
    rows: list[dict[str, Any]] = []
    for image_id, path in images_by_id.items():
        split = SPLIT.get(image_id[0], "train")
        y = float(image_id[0] == positive) if split == "train" else np.nan
        info = sheet.get(image_id, {})
        if split != "train" and "label" in info:
            y = info["label"]
        mask = masks_by_id.get(image_id, "")
        lesion_cols = {f"lesion_mask_{kind}": found.get(image_id, "") for kind, found in lesions_by_id.items()}
        any_mask = bool(mask) or any(lesion_cols.values())
        rows.append(dict(image_id=image_id, image=path, patient_id=image_id, eye="", device=dataset, split=split,
                         od_mask=mask, mask_encoding="inverted" if any_mask else "",
                         fovea_x=info.get("fovea_x", np.nan), fovea_y=info.get("fovea_y", np.nan),
                         **lesion_cols, **{f"label_{label}": y}))
    return build_table(rows, dataset)


@register("PALM", folder="PALM")
def load_palm(root: Path) -> pd.DataFrame:
    """Canonical table of a PALM copy (``label_PM``)."""
    return load_ichallenge(root, "PALM", "PM", "P")


@register("ADAM", folder="ADAM")
def load_adam(root: Path) -> pd.DataFrame:
    """Canonical table of an ADAM copy (``label_AMD``)."""
    return load_ichallenge(root, "ADAM", "AMD", "A")
