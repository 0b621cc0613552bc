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

Read: images, the OD and cup soft maps (the release's only maps: one per structure, each
pixel the fraction of the four experts, so the per-expert votes are in the soft map
itself; there are no per-expert mask files), the four expert CDRs (``vcdr_expert1`` ..
``vcdr_expert4``; ``vcdr`` is their mean), the disc centre, and from the spreadsheet
``glaucoma``, ``tilt`` (``TILT(Y/N)``: 1/0) and ``notching`` (``I``/``S``/``N``/``T``,
several joined by ``+`` as in the sheet's ``I and S`` -> ``I+S``, or ``A`` = absent), all
with the same ``labels_for`` scope. Not read: the average boundary point
files (``AvgBoundary/*_{OD,Cup}AvgBoundary.txt``; the soft maps hold the same outlines).

Label file: ``Notching___Image__level_decisions.xlsx`` only (found anywhere below the
root); other table files are not read. Strict: ``Image ID`` an image number, G/N, Y/N and
I/S/N/T/A; an image number without an image raises, except rows whose annotation cells
are all empty (the official sheet ends with such a row numbered 102: no image, no values).
A ``cdrValues.txt`` must hold four numbers, a ``diskCenter.txt`` two.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, image_size, images_in, label_files, pick_column, read_label_file

SPLITS = {"Training": "train", "Test": "test"}
MIN_ORIGINAL_WIDTH = 1600  # originals are 2045-2468 px wide; the x2 variant 1023-1234
LABEL_FILE = r"Notching___Image__level_decisions\.xlsx"
N_EXPERTS = 4
NOTCHING = {"I", "S", "N", "T", "A"}


def _gt_dir(split_dir: Path) -> Path | None:
    for name in ("GT", "Test_GT", "Training_GT"):
        if (split_dir / name).is_dir():
            return split_dir / name
    return None


def _read_numbers(path: Path, expected: int) -> list[float]:
    """The numbers of a GT text file ([] when it is absent); another count than ``expected`` raises."""
    if not path.is_file():
        return []
    try:
        values = [float(t) for t in path.read_text().split()]
    except (ValueError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not a list of numbers ({err})") from err
    if len(values) != expected:
        raise DataError(f"{path}: {len(values)} numbers, expected {expected}")
    return values


def _code(value: str, allowed: dict[str, float] | set[str], path: Path, row: int, col: str) -> Any:
    """A one-letter code checked against ``allowed`` (mapped when it is a dict)."""
    v = str(value).strip().upper()
    if v not in allowed:
        raise DataError(f"{path}: row {row}, column {col!r}: {value!r} is not one of {sorted(allowed)}")
    return allowed[v] if isinstance(allowed, dict) else v


def _notching(value: str, path: Path, row: int, col: str) -> str:
    """Notching directions as ``+``-joined letters (``"I and S"`` -> ``"I+S"``), or ``"A"`` (absent)."""
    parts = [q.strip().upper() for q in re.split(r"\band\b|[,/&+]", str(value), flags=re.I)]
    if parts == ["A"]:
        return "A"
    if not parts or any(q not in NOTCHING - {"A"} for q in parts):
        raise DataError(f"{path}: row {row}, column {col!r}: {value!r} is not A or directions of I/S/N/T "
                        f"(e.g. 'I and S')")
    return "+".join(parts)


def _labels(root: Path, numbers: set[int]) -> dict[int, dict[str, Any]]:
    """``{image number: {"glaucoma", "tilt", "notching"}}`` from the documented spreadsheet."""
    out: dict[int, dict[str, Any]] = {}
    for path in label_files(root, LABEL_FILE):
        df = read_label_file(path)
        num = pick_column(df, "Image ID", "IMAGE NUMBER", "image number", source=path)
        lab = pick_column(df, "Normal/Glaucomatous", "Normal/Glaucomal", "glaucom", source=path)
        tilt = pick_column(df, "TILT(Y/N)", "tilt", required=False)
        notch = pick_column(df, "Notching direction(I/S/N/T/Absent)", "notching", required=False)
        values = [c for c in (lab, tilt, notch) if c]
        unknown = []
        for line, rec in df.iterrows():
            try:
                n = int(float(rec[num]))
            except (ValueError, OverflowError):
                raise DataError(f"{path}: row {line}, column {num!r}: {rec[num]!r} is not an image number") from None
            if all(rec[c] == "" for c in values):
                continue  # an id with no annotation (the sheet's trailing row 102): nothing to apply
            if n not in numbers:
                unknown.append(n)
                continue
            if n in out:
                raise DataError(f"{path}: row {line}: image number {n} listed twice")
            out[n] = {"glaucoma": _code(rec[lab], {"G": 1.0, "N": 0.0}, path, line, lab)}
            if tilt:
                out[n]["tilt"] = _code(rec[tilt], {"Y": 1.0, "N": 0.0}, path, line, tilt)
            if notch:
                out[n]["notching"] = _notching(rec[notch], path, line, notch)
        if unknown:
            raise DataError(f"{path}: {len(unknown)} image numbers match no image: {unknown[:5]}")
    return out


def _images(root: Path) -> list[tuple[str, Path]]:
    """``(split, image)`` of every Drishti-GS1 image under Training/Images and Test/Images."""
    return [(split, img) for folder, split in SPLITS.items() if (root / folder).is_dir()
            for img in images_in(root / folder / "Images", "drishtiGS_*")]


def _number(image_id: str) -> int:
    return int(re.sub(r"\D", "", image_id))


@register("Drishti-GS1", folder="Drishti-GS1")
def load_drishti(root: Path, labels_for: str = "train") -> pd.DataFrame:
    """Canonical table of a Drishti-GS1 copy (original resolution or downscaled x2)."""
    root = Path(root)
    found = _images(root)
    labels = _labels(root, {_number(img.stem) for _, img in found})
    rows: list[dict[str, Any]] = []
    for split, img in found:
        gt = _gt_dir(img.parent.parent)
        image_id = img.stem
        case = gt / image_id if gt else None
        od = case / "SoftMap" / f"{image_id}_ODsegSoftmap.png" if case else None
        oc = case / "SoftMap" / f"{image_id}_cupsegSoftmap.png" if case else None
        cdr = _read_numbers(case / f"{image_id}_cdrValues.txt", N_EXPERTS) if case else []
        centre = _read_numbers(case / "AvgBoundary" / f"{image_id}_diskCenter.txt", 2) if case else []
        scale = 1.0 if image_size(img)[0] >= MIN_ORIGINAL_WIDTH else 0.5
        applies = split == "train" or labels_for == "all"
        lab = labels.get(_number(image_id), {}) if applies else {}
        rows.append(dict(
            image_id=image_id, image=img, patient_id=image_id, eye="", device="Drishti-GS1", split=split,
            glaucoma=lab.get("glaucoma", np.nan), tilt=lab.get("tilt", np.nan), notching=lab.get("notching", ""),
            od_mask=od if od and od.is_file() else "", oc_mask=oc if oc and oc.is_file() else "",
            mask_encoding="softmap" if od and od.is_file() else "",
            od_x=centre[1] * scale if centre else np.nan,
            od_y=centre[0] * scale if centre else np.nan,
            vcdr=float(np.mean(cdr)) if cdr else np.nan,
            **{f"vcdr_expert{k + 1}": cdr[k] if cdr else np.nan for k in range(N_EXPERTS)},
        ))
    if not rows:
        raise DataError(f"{root}: no Drishti-GS1 images under Training/Images or Test/Images")
    return build_table(rows, "Drishti-GS1")
