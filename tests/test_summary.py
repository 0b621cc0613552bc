"""Dataset overview tables and label statistics (fundus_utils.data.summary)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundus_utils import config
from fundus_utils.data import summary
from fundus_utils.data.importers.rfmid import CONDITIONS, OTHER_18

from data_fakes import refuge_variant

MANIFEST = {
    "name": "FAKE",
    "tasks": ["glaucoma classification"],
    "counts": {"train": 4, "val": 3, "test": 5},
    "class_counts": {"train": {"glaucoma": 1}, "test": {"glaucoma": 2}},
    "label_columns": ["glaucoma"],
    "masks": {"od_mask": "refuge", "oc_mask": "refuge"},
    "resolution": "64x64",
    "license": "research only",
    "importer": "x.y.load_fake",
    "variants": [{"name": "val+test copy", "counts": {"val": 3, "test": 5}, "class_counts": {"test": {"glaucoma": 2}}}],
}


def _table(splits: dict[str, int], glaucoma: dict[str, list] | None = None) -> pd.DataFrame:
    rows = []
    for split, n in splits.items():
        labels = (glaucoma or {}).get(split, [np.nan] * n)
        for i in range(n):
            rows.append(dict(image_id=f"{split}{i}", image="", patient_id=f"{split}{i}", eye="", dataset="FAKE",
                             device="d", split=split, fold=-1, glaucoma=labels[i]))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- manifests

def test_overview_of_the_committed_manifests():
    ov = summary.overview()
    assert len(ov) == len(summary.load_manifests()) >= 14
    assert list(ov.columns) == ["tasks", "images", "total", "classes", "resolution", "labels", "license", "importer"]
    assert ov.loc["REFUGE", "images"] == "train 400 · val 400 · test 400" and ov.loc["REFUGE", "total"] == 1200
    assert "masks od/oc (refuge)" in ov.loc["REFUGE", "labels"]
    assert ov.loc["GM367", "importer"].startswith("—") and pd.isna(ov.loc["GM367", "total"])
    assert ov.loc["RIM-ONE-DL", "total"] == 485  # from totals: no official split
    assert "46 label columns" in ov.loc["RFMiD", "labels"] and "(46 columns)" in ov.loc["RFMiD", "classes"]


def test_overview_of_one_manifest():
    row = summary.overview({"FAKE": MANIFEST}).loc["FAKE"]
    assert row["images"] == "train 4 · val 3 · test 5" and row["total"] == 12
    assert row["classes"] == "train (of 4): glaucoma 1; test (of 5): glaucoma 2"
    assert row["labels"] == "glaucoma; masks od/oc (refuge)" and row["importer"] == "open_dataset('FAKE')"


def test_expected_glaucoma_balance_totals_win_and_non_glaucoma_skipped():
    manifests = {
        "A": MANIFEST,
        "B": {"label_columns": ["glaucoma"], "counts": {"test": 10}, "class_counts": {"test": {"glaucoma": 9}},
              "totals": {"glaucoma": 3, "normal": 5, "suspect": 2, "images": 10}},
        "C": {"label_columns": ["label_DR"], "counts": {"train": 5}, "class_counts": {"train": {"label_DR": 1}}},
    }
    df = summary.expected_glaucoma_balance(manifests)
    assert df[["dataset", "split", "glaucoma", "normal", "other", "n"]].values.tolist() == [
        ["A", "train", 1, 3, 0, 4], ["A", "test", 2, 3, 0, 5], ["B", "all", 3, 5, 2, 10]]
    assert df["prevalence"].tolist() == pytest.approx([0.25, 0.4, 0.3])


def test_manifests_source_changes_with_a_manifest(tmp_path):
    (tmp_path / "A.yaml").write_text("name: A\n")
    before = summary.manifests_source(tmp_path)
    (tmp_path / "A.yaml").write_text("name: A\ncounts: {test: 1}\n")
    assert before["name"] == "manifests" and summary.manifests_source(tmp_path) != before


# ------------------------------------------------------------ copies present

def test_open_present_absent_present_unreadable(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    refuge_variant(tmp_path / "REFUGE", n_val=2, n_test=3)
    (tmp_path / "DRIVE").mkdir()  # an empty folder: the importer fails, with a reason
    opened = summary.open_all(["REFUGE", "DRIVE", "ACRIMA"], data_root=tmp_path)
    assert [o.status for o in opened.values()] == ["present", "unreadable", "absent"]
    assert opened["REFUGE"].present and len(opened["REFUGE"].table) == 5
    assert "ACRIMA" in opened["ACRIMA"].note and opened["DRIVE"].note
    presence = summary.presence_table(opened)
    assert presence.loc["REFUGE", ["train", "val", "test", "images"]].tolist() == [0, 2, 3, 5]
    notes = summary.absent_notes(opened, {"ACRIMA": {"homepage": "https://example.org/acrima"}})
    assert len(notes) == 2 and "https://example.org/acrima" in notes[1] and "data_manifests/ACRIMA.yaml" in notes[1]


def test_open_present_falls_back_to_labels_only(tmp_path):
    df = pd.DataFrame(np.eye(3, 46, dtype=int), columns=["Disease_Risk", *CONDITIONS])
    df.insert(0, "ID", [1, 2, 3])
    (tmp_path / "RFMiD").mkdir()
    df.to_csv(tmp_path / "RFMiD" / "RFMiD_Training_Labels.csv", index=False)
    o = summary.open_present("rfmid", tmp_path)  # name case-insensitive
    assert o.name == "RFMiD" and o.status == "partial" and "labels_only=True" in o.note and len(o.table) == 3


def test_compare_counts_against_a_matching_variant():
    t = _table({"val": 3, "test": 5}, {"test": [1, 1, 0, 0, 0]})
    df = summary.compare_counts(t, MANIFEST)
    got = {(r.split, r.quantity): (r.found, r.expected, r.status) for r in df.itertuples()}
    assert got[("train", "images")] == (0, 4, "not in this copy")
    assert got[("val", "images")] == (3, 3, "ok")
    assert got[("test", "positives glaucoma")] == (2, 2, "ok")
    assert set(df["variant"]) == {"val+test copy"}


def test_compare_counts_mismatch_and_missing_labels():
    t = _table({"train": 4, "val": 3, "test": 5}, {"test": [1, 0, 0, 0, 0]})
    df = summary.compare_counts(t, MANIFEST).set_index(["split", "quantity"])
    assert df.loc[("test", "positives glaucoma"), "status"] == "MISMATCH"
    assert df.loc[("train", "positives glaucoma"), "status"] == "labels not in this copy"  # all NaN there
    assert (df["variant"] == "").all()  # three splits: the official counts apply


def test_compare_counts_folds_many_label_columns():
    t = pd.DataFrame({"split": ["train"] * 4, "dataset": "X", **{f"label_{c}": [1, 0, 0, i % 2] for i, c in
                                                                 enumerate("ABCDEFG")}})
    manifest = {"name": "X", "counts": {"train": 4}, "class_counts": {"train": {f"label_{c}": 1 for c in "ABCDEFG"}}}
    df = summary.compare_counts(t, manifest, max_classes=5)
    assert df["quantity"].tolist() == ["images", "positives, 7 label columns (matching)"]
    assert df["found"].tolist() == [4, 4] and df["expected"].tolist() == [4, 7]  # A, C, E, G have one positive


def test_compare_all_empty_has_columns():
    df = summary.compare_all({}, {})
    assert df.empty and list(df.columns) == summary.COMPARE_COLUMNS


def test_class_of_and_balance():
    t = _table({"train": 3, "test": 2}, {"train": [1, 0, 0]})
    assert summary.class_of(t).tolist() == ["glaucoma", "normal", "normal", "unlabelled", "unlabelled"]
    risk = pd.DataFrame({"label_Disease_Risk": [1, 0], "label_DR": [1, 0], "glaucoma": [0, 0]})
    assert summary.class_of(risk).tolist() == ["disease", "no disease"]  # Disease_Risk wins over glaucoma
    onehot = pd.DataFrame({"label_AMD": [1, 0, np.nan], "label_DR": [0, 1, np.nan], "glaucoma": [0, 0, np.nan]})
    assert summary.class_of(onehot).tolist() == ["AMD", "DR", "unlabelled"]  # one-hot classes win over glaucoma
    multi = pd.DataFrame({"label_AMD": [1, 0], "label_DR": [1, 1], "glaucoma": [1, 0]})
    assert summary.class_of(multi).tolist() == ["glaucoma", "normal"]  # not one-hot: glaucoma decides
    assert summary.class_of(pd.DataFrame({"split": ["test"]})).tolist() == ["no image label"]
    b = summary.class_balance({"A": t})
    assert b[["split", "class", "n"]].values.tolist() == [["train", "glaucoma", 1], ["train", "normal", 2],
                                                           ["test", "unlabelled", 2]]
    assert b.groupby("split")["fraction"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_describe_and_annotations():
    t = _table({"train": 2, "test": 1}, {"train": [1, 0], "test": [0]})
    t["od_mask"] = "/x.png"
    t["oc_mask"] = ""
    d = summary.describe({"A": t}).loc["A"]
    assert d[["train", "val", "test", "images", "patients"]].tolist() == [2, 0, 1, 3, 3]
    assert d["classes"] == "normal 2 · glaucoma 1" and d["annotations"] == "glaucoma; od masks"


# -------------------------------------------------------------- multi-label

@pytest.fixture
def labels() -> pd.DataFrame:
    return pd.DataFrame({"label_Disease_Risk": [1, 1, 1, 0], "label_A": [1, 1, 0, 0], "label_B": [1, 0, 0, 0],
                         "label_C": [0, 0, 1, 0], "other": 5})


def test_label_counts_sorted_with_expected(labels):
    df = summary.label_counts(labels, expected={"label_A": 2, "label_B": 7})
    assert df["label"].tolist() == ["A", "B", "C"] and df["positives"].tolist() == [2, 1, 1]
    assert df["matches"].tolist() == [True, False, False] and df["prevalence"].iloc[0] == 0.5


def test_cooccurrence_and_labels_per_image(labels):
    co = summary.cooccurrence(labels)
    assert co.values.tolist() == [[2, 1, 0], [1, 1, 0], [0, 0, 1]] and list(co.index) == ["A", "B", "C"]
    per = summary.labels_per_image(labels)
    assert per["labels"].tolist() == [0, 1, 2] and per["images"].tolist() == [1, 2, 1]
    assert per["fraction"].sum() == pytest.approx(1.0)


def test_grouping_28_merges_the_18_rare_conditions():
    t = pd.DataFrame(0, index=range(3), columns=[f"label_{c}" for c in CONDITIONS])
    t.loc[0, "label_DR"] = 1
    t.loc[1, [f"label_{OTHER_18[0]}", f"label_{OTHER_18[1]}"]] = 1  # two merged conditions: one OTHER image
    t.loc[2, f"label_{OTHER_18[-1]}"] = 1
    g = summary.grouping_28_table(t).set_index("category")
    assert len(g) == 28 and g.loc["DR", "positives"] == 1 and g.loc["OTHER", "positives"] == 2
    assert g.loc["OTHER", "members"].split(", ") == list(OTHER_18)


# ---------------------------------------------------------------- real data

ROOT = config.find_data_root()


@pytest.mark.realdata
@pytest.mark.skipif(ROOT is None or not (ROOT / "REFUGE").is_dir() or not (ROOT / "RFMiD").is_dir(),
                    reason=f"real REFUGE/RFMiD not found: set $FUNDUS_DATA or provide ../shared/data (looked at {ROOT})")
def test_real_copies_match_their_manifests():
    opened = summary.open_all(["REFUGE", "RFMiD"], data_root=ROOT)
    assert opened["REFUGE"].status == "present" and opened["RFMiD"].status == "partial"
    cmp = summary.compare_all(opened)
    assert not (cmp["status"] == "MISMATCH").any(), cmp
    rfmid = opened["RFMiD"].table
    assert summary.grouping_28_table(rfmid).set_index("category").loc["OTHER", "positives"] == 34
