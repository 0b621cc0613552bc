"""The canonical sample table: one row per image, for every source, real or synthetic.

Importers of public datasets and the synthetic twins return the same columns, so a
notebook switches data by name only. Paths are absolute strings; an empty string
means "not available" for a path column, NaN for a numeric one.

Required columns
    image_id     unique within the table
    image        path of the colour fundus image
    patient_id   patient identity; splits and folds are made on it, never on images
    eye          "L", "R" or "" (unknown)
    dataset      source dataset ("REFUGE", "DRIVE", "synthetic-refuge", ...)
    device       camera / centre / style; the domain for leave-one-out studies
    split        "train", "val" or "test"
    fold         cross-validation fold (0..k-1) or -1 when not part of CV

Optional task columns (present when the source has them)
    glaucoma                     1 / 0 / NaN
    od_mask, oc_mask             optic disc and cup masks
    vessel_mask, fov_mask        vessel map and field-of-view mask
    lesion_mask                  union of lesion masks (synthetic)
    mask_encoding                how to read the mask files, see ``fundus_utils.data.io.read_mask``
    fovea_x, fovea_y             fovea in pixels of ``image``
    od_x, od_y                   optic disc centre in pixels of ``image``
    vcdr                         reference vertical cup-to-disc ratio
    label_<NAME>                 multi-label disease columns (RFMiD style), 0/1
    abnormal                     1 / 0: any abnormal finding (screening sets, e.g. synthetic-screening)
"""
from __future__ import annotations

import pandas as pd

REQUIRED = ("image_id", "image", "patient_id", "eye", "dataset", "device", "split", "fold")
PATH_COLUMNS = ("image", "od_mask", "oc_mask", "vessel_mask", "fov_mask", "lesion_mask")
SPLITS = ("train", "val", "test")


class SampleTableError(ValueError):
    """A sample table breaks the canonical schema."""


def validate(table: pd.DataFrame, name: str = "sample table") -> pd.DataFrame:
    """Check the canonical schema and return the table; raise with every problem named."""
    problems = [f"missing column {c!r}" for c in REQUIRED if c not in table.columns]
    if not problems:
        dup = table["image_id"][table["image_id"].duplicated()].tolist()
        if dup:
            problems.append(f"duplicated image_id: {dup[:5]}")
        bad_split = sorted(set(table["split"]) - set(SPLITS))
        if bad_split:
            problems.append(f"unknown split values {bad_split}; expected {SPLITS}")
        bad_eye = sorted(set(table["eye"]) - {"L", "R", ""})
        if bad_eye:
            problems.append(f"unknown eye values {bad_eye}; expected 'L', 'R' or ''")
        folds = table.loc[table["fold"] >= 0].groupby("patient_id")["fold"].nunique()
        leaking = folds[folds > 1].index.tolist()
        if leaking:
            problems.append(f"patients in more than one fold: {leaking[:5]}")
        splits = table.groupby("patient_id")["split"].nunique()
        leaking = splits[splits > 1].index.tolist()
        if leaking:
            problems.append(f"patients in more than one split: {leaking[:5]}")
    if problems:
        raise SampleTableError(f"{name}: " + "; ".join(problems))
    return table
