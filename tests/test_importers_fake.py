"""Importers of the official layouts, on tiny fake trees (no real data needed).

Every registered dataset has a generator in ``data_fakes.FAKES``; the tests check what each
importer reads (masks, per-expert maps, fovea, CDRs, lesions), the framing of every name,
symlinked split folders, and strict label files: each broken copy gives a ``DataError``
whose message names the file.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fundus_utils.data import DataError, open_dataset, read_mask, registry, validate
from fundus_utils.data.importers.rfmid import GROUP_28, group_28

import data_fakes as fk
from data_fakes import FAKES, mask, refuge_official, refuge_variant

PUBLIC = [n for n in registry.names() if not n.startswith("synthetic-")]
FRAMING = {"ACRIMA": "disc", "ADAM": "fundus", "CHASE_DB1": "fundus", "DRIVE": "fundus", "Drishti-GS1": "disc",
           "FIVES": "fundus", "JSIEC": "fundus", "ORIGA": "fundus", "PALM": "fundus", "REFUGE": "fundus",
           "RFMiD": "fundus", "RIM-ONE-DL": "disc", "RIM-ONE-r3": "disc"}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    """Derived files (RIM-ONE crops and clipped cups) go to a per-test cache."""
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))


# --- every registered dataset ----------------------------------------------------------------------------------

def test_every_public_dataset_has_a_fake_tree():
    assert sorted(FAKES) == sorted(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_fake_tree_imports(tmp_path, name):
    t = open_dataset(name, FAKES[name](tmp_path / name))
    validate(t, name)
    assert len(t) and (t["image"] != "").all() and all(Path(p).is_file() for p in t["image"])


@pytest.mark.parametrize("name", registry.names())
def test_framing_of_every_registered_name(name):
    expected = "fundus" if name.startswith("synthetic-") else FRAMING[name]
    assert registry.framing(name) == expected


def test_framing_missing_or_unknown_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "MANIFEST_DIR", tmp_path)
    (tmp_path / "ACRIMA.yaml").write_text("name: ACRIMA\n")
    with pytest.raises(DataError, match=r"ACRIMA\.yaml: no 'framing' field"):
        registry.framing("ACRIMA")
    (tmp_path / "ACRIMA.yaml").write_text("name: ACRIMA\nframing: crop\n")
    with pytest.raises(DataError, match=r"ACRIMA\.yaml: framing 'crop'.*expected one of"):
        registry.framing("ACRIMA")


def test_every_manifest_has_framing_and_reason():
    for path in sorted(registry.MANIFEST_DIR.glob("*.yaml")):
        m = registry.load_manifest(path.stem)
        assert m.get("framing") in ("fundus", "disc") and m.get("framing_reason"), path


# --- REFUGE ------------------------------------------------------------------------------------------------------

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


def test_refuge_test_gt_spreadsheet(tmp_path):
    root = refuge_variant(tmp_path / "REFUGE")
    pd.DataFrame({"ImgName": [f"T{i:04d}.jpg" for i in range(1, 5)], "Label(Glaucoma=1)": [1, 0, 0, 0],
                  "Fovea_X": 817.0, "Fovea_Y": 408.5}).to_excel(
        root / "Glaucoma_label_and_Fovea_location.xlsx", index=False)
    t = open_dataset("REFUGE", root).set_index("image_id")
    assert t.loc["T0001", "fovea_x"] == pytest.approx(817 * 32 / 1634) and t.loc["T0001", "glaucoma"] == 1


def test_refuge_label_contradicting_folder_raises(tmp_path):
    root = refuge_official(tmp_path / "REFUGE")
    pd.DataFrame({"ImgName": ["g0001.jpg"], "Glaucoma Label": [0]}).to_csv(root / "Fovea_locations.csv", index=False)
    with pytest.raises(DataError, match="g0001"):
        open_dataset("REFUGE", root)


def test_refuge_two_label_files_disagreeing_raise(tmp_path):
    root = refuge_variant(tmp_path / "REFUGE")
    pd.DataFrame({"image_id": ["T0001"], "glaucoma": [0]}).to_csv(root / "Validation400" / "labels.csv", index=False)
    with pytest.raises(DataError, match=r"glaucoma = 0.0 for T0001, but .*Test400/labels\.csv says 1\.0"):
        open_dataset("REFUGE", root)


# --- other datasets --------------------------------------------------------------------------------------------

def test_origa(tmp_path):
    root = fk.origa_tree(tmp_path / "ORIGA")
    t = open_dataset("ORIGA", tmp_path)  # the data root holding ORIGA/ works too
    assert t["split"].tolist() == ["train", "train", "test", "test"] and t["eye"].tolist() == ["R", "L", "R", "L"]
    assert t["glaucoma"].sum() == 2 and t["vcdr"].iloc[0] == 0.5
    od = read_mask(t.od_mask[0], "indexed", "od"); oc = read_mask(t.oc_mask[0], "indexed", "oc")
    assert od.sum() == 96 and oc.sum() == 16
    (root / "Images" / "005.jpg").write_bytes((root / "Images" / "001.jpg").read_bytes())
    with pytest.raises(DataError, match="without a label row.*005"):
        open_dataset("ORIGA", root)


def test_rimone_r3_crops_left_view_and_reads_expert_masks(tmp_path):
    root = fk.rimone_r3_tree(tmp_path / "RIM-ONE-r3")
    t = open_dataset("RIM-ONE-r3", root).set_index("image_id")
    assert t.loc["N-1-L", "patient_id"] == t.loc["N-1-R", "patient_id"] == "N-1"
    assert t["glaucoma"].tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(t.loc["S-3-R", "glaucoma"])
    read_mask(t.loc["G-2-L", "od_mask"], "binary", "od", check_size=t.loc["G-2-L", "image"])  # 32x24 left view
    assert str(tmp_path / "cache") in t.loc["G-2-L", "image"] and (t["conversions"] == "stereo left view").all()
    for col in ("od_mask_expert1", "oc_mask_expert1", "od_mask_expert2", "oc_mask_expert2"):
        assert (t[col] != "").all(), col
    assert t.loc["G-2-L", "od_mask_expert1"].endswith("G-2-L-1-Disc-exp1.png")
    assert t.loc["G-2-L", "oc_mask_expert2"].endswith("G-2-L-Cup-exp2.png")
    assert read_mask(t.loc["G-2-L", "oc_mask_expert1"], "binary", "oc", check_size=t.loc["G-2-L", "image"]).sum() == 16


def test_rimone_dl_partitions(tmp_path):
    fk.rimone_dl_tree(tmp_path / "RIM-ONE-DL")
    t = open_dataset("RIM-ONE-DL", tmp_path, partition="by_hospital")
    assert t["split"].value_counts().to_dict() == {"train": 6, "test": 4} and t["glaucoma"].sum() == 5
    assert (t["device"] == "r2").all()


def test_rimone_dl_reference_masks_and_clipped_cup(tmp_path):
    root = fk.rimone_dl_tree(tmp_path / "RIM-ONE-DL")
    t = open_dataset("RIM-ONE-DL", root).set_index("image_id")
    assert (t.loc[t.index != "r2_nte1", "mask_encoding"] == "binary").all()
    assert t.loc["r2_nte1", ["od_mask", "oc_mask", "mask_encoding"]].tolist() == ["", "", ""]  # no masks: counted
    assert int((t["od_mask"] == "").sum()) == 1
    assert t["conversions"].value_counts().to_dict() == {"": 9, "cup clipped to disc": 1}
    clipped = t.loc["r2_gtr0", "oc_mask"]
    assert Path(clipped).parent == (tmp_path / "cache" / "derived" / "RIM-ONE-DL").resolve()
    od = read_mask(t.loc["r2_gtr0", "od_mask"], "binary", "od", check_size=t.loc["r2_gtr0", "image"])
    oc = read_mask(clipped, "binary", "oc", check_size=od.shape)
    assert oc.any() and not (oc & ~od).any() and (oc == od).all()  # cup radius 10 > disc 8: clipped to the disc
    unclipped = read_mask(t.loc["r2_gte0", "oc_mask"], "binary", "oc")
    assert t.loc["r2_gte0", "conversions"] == "" and 0 < unclipped.sum() < od.sum()
    assert open_dataset("RIM-ONE-DL", root).set_index("image_id").loc["r2_gtr0", "oc_mask"] == clipped  # reused
    # a changed source gives a new derived file
    src = root / "RIM-ONE_DL_reference_segmentations/glaucoma/r2_gtr0-1-Cup-T.png"
    mask(src, fk.disc_values(8, 12)[1])
    os.utime(src, ns=(1, 1))
    again = open_dataset("RIM-ONE-DL", root).set_index("image_id").loc["r2_gtr0", "oc_mask"]
    assert again != clipped and Path(again).is_file() and Path(clipped).is_file()


def test_rimone_dl_mask_without_image_raises(tmp_path):
    root = fk.rimone_dl_tree(tmp_path / "RIM-ONE-DL")
    seg = root / "RIM-ONE_DL_reference_segmentations/normal"
    shutil.copy(seg / "r2_ntr0-1-Disc-T.png", seg / "r2_x9-1-Disc-T.png")
    with pytest.raises(DataError, match=r"reference segmentations without an image: \['r2_x9'\]"):
        open_dataset("RIM-ONE-DL", root)
    (seg / "r2_x9-1-Disc-T.png").unlink()
    (seg / "r2_ntr0-1-Cup-T.png").unlink()
    with pytest.raises(DataError, match=r"r2_ntr0-1-Disc-T\.png: only the disc mask of 'r2_ntr0'"):
        open_dataset("RIM-ONE-DL", root)


def test_acrima(tmp_path):
    fk.acrima_tree(tmp_path / "ACRIMA")
    t = open_dataset("ACRIMA", tmp_path)
    assert len(t) == 3 and t["glaucoma"].sum() == 2


def test_rfmid_official_layout_and_grouping(tmp_path):
    root = fk.rfmid_tree(tmp_path / "RFMiD")
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
    path = tmp_path / "RFMiD" / "RFMiD_Training_Labels.csv"
    df = fk.rfmid_csv(path, 3)
    df.loc[1, "DR"] = 2
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"non-0/1 values in columns \['DR'\]; first: row 3, column 'DR': '2'"):
        open_dataset("RFMiD", tmp_path, labels_only=True)


def test_jsiec(tmp_path):
    fk.jsiec_tree(tmp_path / "JSIEC")
    t = open_dataset("JSIEC", tmp_path)
    labels = [c for c in t if c.startswith("label_")]
    assert sorted(labels) == ["label_Blur_fundus_with_suspected_PDR", "label_DR1", "label_Normal"]
    assert (t[labels].sum(axis=1) == 1).all() and len(t) == 6


def test_fives(tmp_path):
    t = open_dataset("FIVES", fk.fives_tree(tmp_path / "FIVES"))
    assert len(t) == 6 and t["glaucoma"].sum() == 2 and t["image_id"].is_unique
    assert read_mask(t.vessel_mask[0], "binary", "vessel").sum() == 24  # RGB grey masks accepted


@pytest.mark.parametrize("name", ["PALM", "ADAM"])
def test_palm_adam(tmp_path, name):
    pos, neg, tag, lesions = fk.ICHALLENGE[name]
    label = f"label_{tag}"
    t = open_dataset(name, fk.ichallenge_tree(tmp_path / name, name)).set_index("image_id")
    assert t[label].to_dict() == {f"{neg}0001": 0, f"{neg}0002": 0, f"{pos}0001": 1, "V0001": 1}
    assert t.loc[f"{pos}0001", "fovea_x"] == 10.5 and t.loc["V0001", "split"] == "val"
    assert t.loc["V0001", "fovea_x"] == 3.0
    assert read_mask(t.loc[f"{pos}0001", "od_mask"], "inverted", "od").sum() == 16
    cols = sorted(c for c in t if c.startswith("lesion_mask_"))
    assert cols == sorted(f"lesion_mask_{x.lower()}" for x in lesions)
    for col in cols:
        assert read_mask(t.loc[f"{pos}0001", col], "inverted", "lesion").sum() == 6
        assert (t.loc[t.index != f"{pos}0001", col] == "").all()  # no file: no such lesion


def test_drishti_experts_tilt_notching(tmp_path):
    t = open_dataset("Drishti-GS1", fk.drishti_tree(tmp_path / "Drishti-GS1")).set_index("image_id")
    assert t["split"].to_dict() == {"drishtiGS_002": "train", "drishtiGS_004": "train",
                                    "drishtiGS_001": "test", "drishtiGS_003": "test"}
    row = t.loc["drishtiGS_002"]
    assert [row[f"vcdr_expert{k}"] for k in range(1, 5)] == [0.76, 0.77, 0.79, 0.75]
    assert row.vcdr == pytest.approx(np.mean([0.76, 0.77, 0.79, 0.75]))
    assert (row.glaucoma, row.tilt, row.notching) == (1.0, 1.0, "I+S")
    assert (row.od_x, row.od_y) == (16.0, 12.0)  # "24 32" (row col) / 2 for a narrow (downscaled) image
    assert np.isnan(t.loc["drishtiGS_001", "glaucoma"]) and t.loc["drishtiGS_001", "notching"] == ""
    assert t.loc["drishtiGS_003", "vcdr_expert4"] == 0.5 and t.loc["drishtiGS_003", "mask_encoding"] == "softmap"
    t_all = open_dataset("Drishti-GS1", tmp_path / "Drishti-GS1", labels_for="all").set_index("image_id")
    assert t_all.loc["drishtiGS_001", ["glaucoma", "tilt", "notching"]].tolist() == [1.0, 0.0, "I"]


def test_drive_second_observer(tmp_path):
    t = open_dataset("DRIVE", fk.drive_tree(tmp_path / "DRIVE")).set_index("image_id")
    assert (t.loc[["01", "02"], "vessel_mask_expert2"] != "").all()
    assert (t.loc[["21", "22"], "vessel_mask_expert2"] == "").all()
    second = read_mask(t.loc["01", "vessel_mask_expert2"], "binary", "vessel", check_size=t.loc["01", "image"])
    assert (second == np.eye(24, 32, dtype=bool)).all()  # palette index 1 = vessel


def test_chase_second_observer(tmp_path):
    t = open_dataset("CHASE_DB1", fk.chase_tree(tmp_path / "CHASE_DB1"))
    assert (t["vessel_mask_expert2"] != "").all() and t["vessel_mask_expert2"].str.endswith("_2ndHO.png").all()
    second = read_mask(t.vessel_mask_expert2[0], "binary", "vessel", check_size=t.image[0])
    assert second.sum() == 24 and not (second & read_mask(t.vessel_mask[0], "binary", "vessel")).all()


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


# --- symlinked folders -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,link", [("REFUGE", "Training400"), ("RFMiD", "1. Original Images/c. Testing Set"),
                                       ("RIM-ONE-DL", "RIM-ONE_DL_reference_segmentations"),
                                       ("ORIGA", "Images"), ("PALM", "Annotation"), ("JSIEC", "1000images")])
def test_symlinked_folder_is_followed_and_loops_are_not(tmp_path, name, link):
    root = FAKES[name](tmp_path / name)
    expected = _file_names(open_dataset(name, root))
    outside = tmp_path / "elsewhere" / Path(link).name
    outside.parent.mkdir()
    shutil.move(root / link, outside)
    (root / link).symlink_to(outside, target_is_directory=True)
    (outside / "loop").symlink_to(root, target_is_directory=True)  # a link back up must not loop
    pd.testing.assert_frame_equal(_file_names(open_dataset(name, root)), expected)


def _file_names(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every path column reduced to file names (a linked folder resolves elsewhere, and a
    derived file's name carries its source's real path)."""
    out = table.copy()
    for col in out:
        if col == "image" or "_mask" in col:
            out[col] = [re.sub(r"-clipped-[0-9a-f]+", "-clipped", Path(p).name) for p in out[col]]
    return out


# --- strict label files ----------------------------------------------------------------------------------------

def _rewrite(path: Path, edit) -> None:
    """Read a CSV as strings, apply ``edit(df) -> df`` and write it back."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(df).to_csv(path, index=False)


def _set(col, value, row=0):
    def edit(df):
        df.loc[row, col] = value
        return df
    return edit


# name -> (builder, label CSV relative to the root, id column, a value column, kwargs of open_dataset)
CSV_LABELS = {
    "REFUGE": (refuge_variant, "Test400/labels.csv", "image_id", "glaucoma", {}),
    "ORIGA": (fk.origa_tree, "OrigaList.csv", "Filename", "Glaucoma", {}),
    "RFMiD": (fk.rfmid_tree, "2. Groundtruths/a. RFMiD_Training_Labels.csv", "ID", "DR", {}),
    "PALM": (lambda r: fk.ichallenge_tree(r, "PALM"), "Validation-GT/PM_Label_and_Fovea_Location.csv", "imgName",
             "Label", {}),
    "ADAM": (lambda r: fk.ichallenge_tree(r, "ADAM"), "Validation-GT/AMD_Label_and_Fovea_Location.csv", "imgName",
             "Label", {}),
}


def _probe(path: Path, kind: str, id_col: str, value_col: str) -> str:
    """Break the label CSV at ``path`` in one way; return a regex the error must match after the file name."""
    if kind == "yes":
        _rewrite(path, _set(value_col, "yes"))
        return rf"row 2, column '{value_col}': 'yes'"
    if kind == "unknown id":
        _rewrite(path, _set(id_col, "9999"))
        return r"9999"
    if kind == "lower-case id":
        _rewrite(path, lambda df: df.assign(**{id_col: df[id_col].str.lower()}))
        return r"match no image: \['[a-z]\d{4}"
    if kind == "wrong header":
        _rewrite(path, lambda df: df.rename(columns={id_col: "img"}))
        return r"(none of the columns|no imgName column|missing label columns|columns are)"
    if kind == "semicolon":
        pd.read_csv(path, dtype=str).to_csv(path, index=False, sep=";")
        return r"';'"
    if kind == "ragged":
        path.write_text(path.read_text().rstrip("\r\n") + "\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
                        "21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50\n")
        return r"row \d+ has 50 fields, the header has \d+"
    if kind == "empty":
        path.write_text("")
        return r"empty file"
    if kind == "utf16":
        path.write_bytes(path.read_text().encode("utf-16"))
        return r"UTF-16"
    raise ValueError(kind)


PROBES = ["yes", "unknown id", "wrong header", "semicolon", "ragged", "empty", "utf16"]


@pytest.mark.parametrize("kind", PROBES + ["lower-case id"])
@pytest.mark.parametrize("name", sorted(CSV_LABELS))
def test_broken_label_csv_names_the_file(tmp_path, name, kind):
    build, rel, id_col, value_col, kw = CSV_LABELS[name]
    if kind == "lower-case id" and name in ("ORIGA", "RFMiD"):
        pytest.skip("numeric ids")
    root = build(tmp_path / name)
    path = root / rel
    if kind == "unknown id" and name == "RFMiD":
        _rewrite(path, _set(id_col, "9999"))
        with pytest.raises(DataError, match=r"image 9999 of a\. RFMiD_Training_Labels\.csv not found"):
            open_dataset(name, root, **kw)
        return
    expected = _probe(path, kind, id_col, value_col)
    with pytest.raises(DataError) as err:
        open_dataset(name, root, **kw)
    msg = str(err.value)
    assert str(path) in msg, msg
    assert re.search(expected, msg), (expected, msg)


@pytest.mark.parametrize("name", sorted(CSV_LABELS))
def test_undocumented_table_file_is_not_read(tmp_path, name):
    build, rel, *_ = CSV_LABELS[name]
    root = build(tmp_path / name)
    clean = open_dataset(name, root)
    stray = (root / rel).with_name("a_labels_old.csv")
    text = (root / rel).read_text().replace(",1", ",0").replace(",0", ",yes")  # contradicting and unparseable
    stray.write_text(text)
    shutil.copy(stray, root / "labels_old.xlsx.csv")
    pd.testing.assert_frame_equal(open_dataset(name, root), clean)


def test_drishti_broken_spreadsheet_names_the_file(tmp_path):
    root = fk.drishti_tree(tmp_path / "Drishti-GS1")
    path = root / "Training" / "GT" / fk.DRISHTI_SHEET
    df = pd.read_excel(path, dtype=str)

    def expect(frame, pattern):
        frame.to_excel(path, index=False)
        with pytest.raises(DataError, match=pattern):
            open_dataset("Drishti-GS1", root)

    expect(df.assign(**{"Normal/Glaucomal": ["yes", "G", "N", "N", None]}),
           rf"{path}: row 2, column 'Normal/Glaucomal': 'yes' is not one of \['G', 'N'\]")
    expect(df.assign(**{"IMAGE NUMBER": ["1", "2", "3", "77", "5"]}),
           rf"{path}: 1 image numbers match no image: \[77\]")
    expect(df.assign(**{"IMAGE NUMBER": ["one", "2", "3", "4", "5"]}), rf"{path}: row 2, column 'IMAGE NUMBER': 'one'")
    expect(df.rename(columns={"Normal/Glaucomal": "Class"}), rf"{path}: none of the columns")
    expect(df.assign(**{"TILT(Y/N)": ["N", "maybe", "N", "N", None]}), rf"{path}: row 3, column 'TILT\(Y/N\)'")
    path.write_bytes(b"not a zip")
    with pytest.raises(DataError, match=rf"{path}: not a readable Excel file"):
        open_dataset("Drishti-GS1", root)
    (root / "Training/GT/drishtiGS_002/drishtiGS_002_cdrValues.txt").write_text("0.7 0.8")
    path.unlink()
    with pytest.raises(DataError, match=r"drishtiGS_002_cdrValues\.txt: 2 numbers, expected 4"):
        open_dataset("Drishti-GS1", root)


def test_refuge_broken_xlsx_names_the_file(tmp_path):
    root = refuge_official(tmp_path / "REFUGE")
    path = root / "REFUGE-Validation400-GT/Fovea_locations.xlsx"
    df = pd.read_excel(path)
    df.assign(Fovea_X=["817", "far"]).to_excel(path, index=False)
    with pytest.raises(DataError, match=rf"{path}: row 3, column 'Fovea_X': 'far' is not a number"):
        open_dataset("REFUGE", root)
    df.assign(ImgName=["V0001.jpg", "v0002.jpg"]).to_excel(path, index=False)
    with pytest.raises(DataError, match=rf"{path}: 1 ids match no image: \['v0002'\]"):
        open_dataset("REFUGE", root)
    pd.DataFrame().to_excel(path, index=False)
    with pytest.raises(DataError, match=rf"{path}: empty spreadsheet"):
        open_dataset("REFUGE", root)


def test_origa_bad_set_and_eye(tmp_path):
    root = fk.origa_tree(tmp_path / "ORIGA")
    path = root / "OrigaList.csv"
    _rewrite(path, _set("Set", "C", row=2))
    with pytest.raises(DataError, match=rf"{path}: row 4, column 'Set': 'C' is not one of \['A', 'B'\]"):
        open_dataset("ORIGA", root)
    _rewrite(path, _set("Set", "B", row=2))
    _rewrite(path, _set("ExpCDR", "n/a", row=1))
    with pytest.raises(DataError, match=rf"{path}: row 3, column 'ExpCDR': 'n/a' is not a number"):
        open_dataset("ORIGA", root)
