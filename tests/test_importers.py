"""Importers on the real test data in ../shared/data (or $FUNDUS_DATA); skipped when absent."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundus_utils import config
from fundus_utils.data import DataError, open_dataset, read_image, read_mask, validate

ROOT = config.find_data_root()


def _need(folder: str):
    if ROOT is None or not (ROOT / folder).is_dir():
        return pytest.mark.skip(reason=f"real data {folder!r} not found: set $FUNDUS_DATA or provide ../shared/data "
                                       f"(looked at {ROOT})")
    return pytest.mark.realdata


@_need("REFUGE")
def test_refuge_counts_labels_masks():
    t = open_dataset("REFUGE")
    validate(t)
    assert t["split"].value_counts().to_dict() == {"val": 400, "test": 400}
    test = t[t.split == "test"]
    assert test["glaucoma"].notna().all() and int(test["glaucoma"].sum()) == 40
    assert t.loc[t.split == "val", "glaucoma"].isna().all()
    assert (t["mask_encoding"] == "refuge").all() and (t["od_mask"] == t["oc_mask"]).all()
    assert t["image_id"].str.match(r"^[VT]\d{4}$").all()
    row = t[t.image_id == "T0001"].iloc[0]
    img = read_image(row.image)
    assert img.shape == (512, 512, 3) and img.dtype == np.uint8
    od = read_mask(row.od_mask, "refuge", "od", check_size=row.image)
    oc = read_mask(row.oc_mask, "refuge", "oc", check_size=img.shape)
    assert od.dtype == bool and od.shape == (512, 512)
    assert 0 < oc.sum() < od.sum() < 0.2 * od.size
    assert not (oc & ~od).any()  # cup inside disc


@_need("REFUGE")
def test_refuge_root_may_be_data_root_or_dataset_folder():
    assert len(open_dataset("REFUGE", ROOT)) == len(open_dataset("refuge", ROOT / "REFUGE")) == 800


@_need("Drishti-GS1")
def test_drishti_counts_labels_centres():
    t = open_dataset("Drishti-GS1")
    assert t["split"].value_counts().to_dict() == {"test": 51, "train": 50}
    train, test = t[t.split == "train"], t[t.split == "test"]
    assert train["glaucoma"].notna().all() and test["glaucoma"].isna().all()
    assert t["vcdr"].between(0.2, 1).all()
    row = t[t.image_id == "drishtiGS_002"].iloc[0]
    assert row.vcdr == pytest.approx(np.mean([0.76, 0.77, 0.79, 0.75]))
    assert (row.od_x, row.od_y) == (496.0, 420.0)  # "840 992" (row col) / 2
    od = read_mask(row.od_mask, "softmap", "od", check_size=row.image)
    oc = read_mask(row.oc_mask, "softmap", "oc")
    assert od[int(row.od_y), int(row.od_x)]  # the centre lies in the disc
    assert 0 < oc.sum() < od.sum()


@_need("DRIVE")
def test_drive_counts_and_masks():
    t = open_dataset("DRIVE")
    assert t["split"].value_counts().to_dict() == {"train": 20, "test": 20}
    assert set(t.loc[t.split == "test", "image_id"]) == {f"{i:02d}" for i in range(1, 21)}
    assert (t["vessel_mask"] != "").all() and (t["fov_mask"] != "").all()
    row = t.iloc[0]
    img = read_image(row.image)
    assert img.shape == (584, 565, 3)
    vessel = read_mask(row.vessel_mask, "binary", "vessel", check_size=row.image)
    fov = read_mask(row.fov_mask, "binary", "fov", check_size=row.image)
    assert 0.05 < vessel.mean() < 0.2 and 0.5 < fov.mean() < 0.8


@_need("DRIVE")
def test_drive_second_observer_palette_gif():
    t = open_dataset("DRIVE")
    first = read_mask(t.loc[t.image_id == "01", "vessel_mask"].iloc[0], "binary", "vessel")
    assert (t.loc[t.split == "train", "vessel_mask_expert2"] == "").all()
    assert (t.loc[t.split == "test", "vessel_mask_expert2"] != "").all()
    second_path = t.loc[t.image_id == "01", "vessel_mask_expert2"].iloc[0]
    assert second_path == str((ROOT / "DRIVE/test/2nd_manual/01_manual2.gif").resolve())
    second = read_mask(second_path, "binary", "vessel")
    assert 0.05 < second.mean() < 0.2
    dice = 2 * (first & second).sum() / (first.sum() + second.sum())
    assert dice > 0.7  # two observers agree: the palette index was decoded the right way round


@_need("CHASE_DB1")
def test_chase_counts_patients_and_one_bit_masks():
    t = open_dataset("CHASE_DB1")
    assert len(t) == 28 and (t["split"] == "test").all()
    assert t["patient_id"].nunique() == 14 and t["eye"].value_counts().to_dict() == {"L": 14, "R": 14}
    row = t.iloc[0]
    vessel = read_mask(row.vessel_mask, "binary", "vessel", check_size=row.image)
    assert vessel.shape == (960, 999) and 0.03 < vessel.mean() < 0.2


@_need("REFUGE")
def test_refuge_mask_value_check_names_file(tmp_path):
    from PIL import Image
    bad = tmp_path / "V0001.png"
    arr = np.full((8, 8), 255, np.uint8)
    arr[2:4, 2:4] = 77
    Image.fromarray(arr).save(bad)
    with pytest.raises(DataError, match=r"V0001\.png.*\[77\]"):
        read_mask(bad, "refuge", "od")


def test_missing_dataset_message(tmp_path):
    from fundus_utils.data import MissingDatasetError
    with pytest.raises(MissingDatasetError, match=r"REFUGE.*not found"):
        open_dataset("REFUGE", tmp_path / "nowhere")


def test_all_tables_have_only_canonical_columns():
    from fundus_utils.data.importers._common import EXTRA, OPTIONAL
    from fundus_utils.data.table import REQUIRED
    for name in ("REFUGE", "Drishti-GS1", "DRIVE", "CHASE_DB1"):
        try:
            t = open_dataset(name)
        except DataError:
            continue
        extra = [c for c in t.columns if c not in REQUIRED + OPTIONAL and not c.startswith("label_")
                 and not EXTRA.match(c)]
        assert not extra, (name, extra)
        assert isinstance(t, pd.DataFrame)


@_need("Drishti-GS1")
def test_drishti_expert_cdrs_tilt_notching():
    t = open_dataset("Drishti-GS1").set_index("image_id")
    experts = t[[f"vcdr_expert{k}" for k in range(1, 5)]]
    assert experts.notna().all().all() and np.allclose(experts.mean(axis=1), t["vcdr"])
    assert experts.loc["drishtiGS_002"].tolist() == [0.76, 0.77, 0.79, 0.75]
    train = t[t.split == "train"]
    assert train["tilt"].isin([0, 1]).all() and set(train["notching"]) <= {"A", "I", "S", "N", "T", "I+S"}
    assert t.loc[t.split == "test", "notching"].eq("").all()  # labels_for="train" scope, like glaucoma


@_need("CHASE_DB1")
def test_chase_second_observer_column():
    t = open_dataset("CHASE_DB1")
    assert t["vessel_mask_expert2"].str.endswith("_2ndHO.png").all()
    row = t.iloc[0]
    first = read_mask(row.vessel_mask, "binary", "vessel")
    second = read_mask(row.vessel_mask_expert2, "binary", "vessel", check_size=row.image)
    assert 2 * (first & second).sum() / (first.sum() + second.sum()) > 0.6  # two observers agree


@_need("RFMiD")
def test_rfmid_labels_grouping_and_committed_folds():
    from fundus_utils.data import folds
    from fundus_utils.data.importers.rfmid import GROUP_28, group_28
    t = open_dataset("RFMiD", labels_only=True)
    assert len(t) == 1920 and int(t["label_Disease_Risk"].sum()) == 1519 and int(t["label_DR"].sum()) == 376
    g = group_28(t)
    assert int(g["label_OTHER"].sum()) == 34  # "Others" of the RFMiD-ensemble paper's Table 1
    assert len(GROUP_28) == 28
    assert folds.build("RFMiD", ROOT / "RFMiD/RFMiD_Training_Labels.csv").astype(str).equals(
        folds.load("RFMiD").astype(str)), "committed RFMiD folds are stale"
    with_folds = folds.apply(t)
    labels = [c for c in t if c.startswith("label_")]
    per_fold = with_folds.groupby("fold")[labels].sum()
    assert (per_fold.loc[:, t[labels].sum() >= 10] > 0).all().all()  # every label with >= 10 positives in every fold
    assert per_fold["label_DR"].max() - per_fold["label_DR"].min() <= 12  # 376 / 5 = 75 +- 6


@_need("REFUGE")
def test_refuge_committed_folds_apply_to_validation_images():
    from fundus_utils.data import folds
    t = folds.apply(open_dataset("REFUGE"))
    assert (t.loc[t.split == "val", "fold"] >= 0).all() and (t.loc[t.split == "test", "fold"] == -1).all()
    assert t.loc[t.split == "val"].groupby("fold").size().tolist() == [80] * 5
