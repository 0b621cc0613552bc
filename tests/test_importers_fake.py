"""Importers of the official layouts, on tiny fake trees (no real data needed)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundus_utils.data import DataError, open_dataset, read_mask, validate
from fundus_utils.data.importers.rfmid import CONDITIONS, GROUP_28, group_28

from data_fakes import img, mask, refuge_official, refuge_values


def test_refuge_official_layout(tmp_path):
    t = open_dataset("REFUGE", refuge_official(tmp_path / "REFUGE"))
    assert t["split"].value_counts().to_dict() == {"train": 5, "val": 2}
    tr = t[t.split == "train"].set_index("image_id")
    assert tr["glaucoma"].to_dict() == {"g0001": 1, "g0002": 1, "n0001": 0, "n0002": 0, "n0003": 0}
    assert (tr["device"] == "Zeiss Visucam 500").all()
    # fovea scaled from original 2124x2056 pixels to the 531x514 image found
    assert tr.loc["g0001", "fovea_x"] == pytest.approx(1000 * 531 / 2124)
    assert tr.loc["g0001", "fovea_y"] == pytest.approx(800 * 514 / 2056)
    val = t[t.split == "val"].set_index("image_id")
    assert val["glaucoma"].tolist() == [1.0, 0.0] and val.loc["V0001", "fovea_x"] == pytest.approx(817 / 2)
    assert read_mask(tr.loc["g0001", "oc_mask"], "refuge", "oc", check_size=tr.loc["g0001", "image"]).sum() > 0


def test_refuge_label_contradicting_folder_raises(tmp_path):
    root = refuge_official(tmp_path / "REFUGE")
    pd.DataFrame({"ImgName": ["g0001.jpg"], "Glaucoma Label": [0]}).to_csv(root / "extra.csv", index=False)
    with pytest.raises(DataError, match="g0001"):
        open_dataset("REFUGE", root)


def test_origa(tmp_path):
    root = tmp_path / "ORIGA"
    vals = np.zeros((24, 32)); vals[8:16, 8:20] = 1; vals[10:14, 12:16] = 2
    for i in range(1, 5):
        img(root / "Images" / f"{i:03d}.jpg")
        mask(root / "Masks" / f"{i:03d}.png", vals)
    pd.DataFrame({"Eye": ["OD", "OS", "OD", "OS"], "Filename": [f"{i:03d}.jpg" for i in range(1, 5)],
                  "ExpCDR": [0.5, 0.6, 0.7, 0.4], "Set": ["A", "A", "B", "B"], "Glaucoma": [0, 1, 1, 0]}
                 ).to_csv(root / "OrigaList.csv", index=False)
    t = open_dataset("ORIGA", tmp_path)  # the data root holding ORIGA/ works too
    assert t["split"].tolist() == ["train", "train", "test", "test"] and t["eye"].tolist() == ["R", "L", "R", "L"]
    assert t["glaucoma"].sum() == 2 and t["vcdr"].iloc[0] == 0.5
    od = read_mask(t.od_mask[0], "indexed", "od"); oc = read_mask(t.oc_mask[0], "indexed", "oc")
    assert od.sum() == 96 and oc.sum() == 16
    (root / "Images" / "005.jpg").write_bytes((root / "Images" / "001.jpg").read_bytes())
    with pytest.raises(DataError, match="without a label row.*005"):
        open_dataset("ORIGA", root)


def test_rimone_r3_crops_left_view_of_stereo_pairs(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "RIM-ONE-r3"
    for name, folder in (("N-1-L", "Healthy"), ("N-1-R", "Healthy"), ("G-2-L", "Glaucoma and suspects"),
                         ("S-3-R", "Glaucoma and suspects")):
        img(root / folder / "Stereo Images" / f"{name}.jpg", (64, 24))
        mask(root / folder / "Average_masks" / f"{name}-Disc-Avg.png", np.pad(np.full((8, 8), 255), ((8, 8), (12, 12))))
        mask(root / folder / "Average_masks" / f"{name}-Cup-Avg.png", np.pad(np.full((4, 4), 255), ((10, 10), (14, 14))))
    t = open_dataset("RIM-ONE-r3", root).set_index("image_id")
    assert t.loc["N-1-L", "patient_id"] == t.loc["N-1-R", "patient_id"] == "N-1"
    assert t["glaucoma"].tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(t.loc["S-3-R", "glaucoma"])
    read_mask(t.loc["G-2-L", "od_mask"], "binary", "od", check_size=t.loc["G-2-L", "image"])  # 32x24 left view
    assert str(tmp_path / "cache") in t.loc["G-2-L", "image"]


def test_rimone_dl_partitions(tmp_path):
    root = tmp_path / "RIM-ONE-DL" / "RIM-ONE_DL_images"
    for part in ("partitioned_randomly", "partitioned_by_hospital"):
        for s, n in (("training_set", 3), ("test_set", 2)):
            for cls in ("glaucoma", "normal"):
                for i in range(n):
                    img(root / part / s / cls / f"r2_{cls[0]}{s[:2]}{i}.png")
    t = open_dataset("RIM-ONE-DL", tmp_path, partition="by_hospital")
    assert t["split"].value_counts().to_dict() == {"train": 6, "test": 4} and t["glaucoma"].sum() == 5
    assert (t["device"] == "r2").all()


def test_acrima(tmp_path):
    root = tmp_path / "ACRIMA" / "Database" / "Images"
    for name in ("Im001_ACRIMA", "Im002_g_ACRIMA", "Im003_g_ACRIMA"):
        img(root / f"{name}.jpg")
    t = open_dataset("ACRIMA", tmp_path)
    assert len(t) == 3 and t["glaucoma"].sum() == 2


def _rfmid_csv(path, n, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.integers(0, 2, (n, 46)), columns=["Disease_Risk", *CONDITIONS])
    df.insert(0, "ID", range(1, n + 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\r\n")
    return df


def test_rfmid_official_layout_and_grouping(tmp_path):
    root = tmp_path / "RFMiD"
    for split, folder, n in (("Training", "a. Training Set", 4), ("Validation", "b. Validation Set", 2),
                             ("Testing", "c. Testing Set", 3)):
        _rfmid_csv(root / "2. Groundtruths" / f"x. RFMiD_{split}_Labels.csv", n)
        for i in range(1, n + 1):
            img(root / "1. Original Images" / folder / f"{i}.png")
    t = open_dataset("RFMiD", root)
    assert t["split"].value_counts().to_dict() == {"train": 4, "test": 3, "val": 2}
    assert t["image_id"].iloc[0] == "train-1" and len([c for c in t if c.startswith("label_")]) == 46
    g = group_28(t)
    assert len(GROUP_28) == 28 and set(GROUP_28) <= set(g.columns)
    (root / "1. Original Images/b. Validation Set/2.png").unlink()
    with pytest.raises(DataError, match="image 2 of .*Validation.* not found"):
        open_dataset("RFMiD", root)
    assert len(open_dataset("RFMiD", root, labels_only=True)) == 9


def test_rfmid_bad_label_values(tmp_path):
    df = _rfmid_csv(tmp_path / "RFMiD" / "RFMiD_Training_Labels.csv", 3)
    df.loc[1, "DR"] = 2
    df.to_csv(tmp_path / "RFMiD" / "RFMiD_Training_Labels.csv", index=False)
    with pytest.raises(DataError, match=r"non-0/1 values in columns \['DR'\]"):
        open_dataset("RFMiD", tmp_path, labels_only=True)


def test_jsiec(tmp_path):
    root = tmp_path / "JSIEC" / "1000images"
    for i, folder in enumerate(("0.0.Normal", "0.3.DR1", "29.1.Blur fundus with suspected PDR")):
        for j in range(2):
            img(root / folder / f"{i}_{j}.jpg")
    t = open_dataset("JSIEC", tmp_path)
    labels = [c for c in t if c.startswith("label_")]
    assert sorted(labels) == ["label_Blur_fundus_with_suspected_PDR", "label_DR1", "label_Normal"]
    assert (t[labels].sum(axis=1) == 1).all() and len(t) == 6


def test_fives(tmp_path):
    root = tmp_path / "FIVES"
    for split, names in (("train", ["1_A", "2_D", "3_G", "4_N"]), ("test", ["1_A", "2_G"])):
        for n in names:
            img(root / split / "Original" / f"{n}.png")
            mask(root / split / "Ground truth" / f"{n}.png", np.eye(24, 32) * 255, mode="RGB")
    t = open_dataset("FIVES", root)
    assert len(t) == 6 and t["glaucoma"].sum() == 2 and t["image_id"].is_unique
    assert read_mask(t.vessel_mask[0], "binary", "vessel").sum() == 24  # RGB grey masks accepted


@pytest.mark.parametrize("name,pos,neg,label", [("PALM", "P", "H", "label_PM"), ("ADAM", "A", "N", "label_AMD")])
def test_palm_adam(tmp_path, name, pos, neg, label):
    root = tmp_path / name
    for cid in (f"{pos}0001", f"{neg}0001", f"{neg}0002"):
        img(root / "Training400" / f"{cid}.jpg")
        mask(root / "Annotation" / "Disc_Masks" / f"{cid}.bmp", np.pad(np.zeros((4, 4)), ((2, 18), (2, 26)),
                                                                      constant_values=255))
        mask(root / "Annotation" / "Lesion_Masks" / "Atrophy" / f"{cid}.bmp", np.full((24, 32), 255))
    pd.DataFrame({"imgName": [f"{pos}0001.jpg"], "Fovea_X": [10.5], "Fovea_Y": [7.0]}).to_excel(
        root / "Annotation" / "Fovea_location.xlsx", index=False)
    img(root / "Validation400" / "V0001.jpg")
    pd.DataFrame({"imgName": ["V0001.jpg"], "Label": [1], "Fovea_X": [3.0], "Fovea_Y": [4.0]}).to_csv(
        root / "val_gt.csv", index=False)
    t = open_dataset(name, root).set_index("image_id")
    assert t[label].to_dict() == {f"{neg}0001": 0, f"{neg}0002": 0, f"{pos}0001": 1, "V0001": 1}
    assert t.loc[f"{pos}0001", "fovea_x"] == 10.5 and t.loc["V0001", "split"] == "val"
    assert read_mask(t.loc[f"{pos}0001", "od_mask"], "inverted", "od").sum() == 16


def test_missing_dataset_names_homepage_and_layout(tmp_path, monkeypatch):
    from fundus_utils.data import MissingDatasetError
    monkeypatch.setenv("FUNDUS_DATA", str(tmp_path))
    with pytest.raises(MissingDatasetError) as err:
        open_dataset("DRIVE")
    msg = str(err.value)
    assert "DRIVE" in msg and "drive.grand-challenge.org" in msg and "training/1st_manual" in msg


def test_empty_folder_is_a_precise_error(tmp_path):
    (tmp_path / "DRIVE").mkdir()
    with pytest.raises(DataError, match="no DRIVE images"):
        open_dataset("DRIVE", tmp_path)
