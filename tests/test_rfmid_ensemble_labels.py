"""fundus_utils.rfmid_ensemble.labels on hand-made label tables whose answers are known,
plus one check on the real RFMiD training-label CSV when it is present."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fundus_utils.data.importers.rfmid import CONDITIONS, GROUP_28, KEPT_27, OTHER_18
from fundus_utils.rfmid_ensemble import labels

REAL_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_CSV = REAL_ROOT / "RFMiD" / "RFMiD_Training_Labels.csv"


def tiny_table(positives: list[list[str]]) -> pd.DataFrame:
    """One row per image, ``label_<c>`` = 1 for the conditions listed, Disease_Risk = any."""
    rows = []
    for i, conds in enumerate(positives):
        row = {"image_id": f"train-{i + 1}", "split": "train", "label_Disease_Risk": int(bool(conds))}
        row.update({f"label_{c}": int(c in conds) for c in CONDITIONS})
        rows.append(row)
    return pd.DataFrame(rows)


# 6 images: 1 healthy, 3 with one category, 2 with two; CWS + CB are both merged into OTHER
TINY = tiny_table([[], ["DR"], ["DR", "MH"], ["CWS", "CB"], ["MH"], ["DR", "CWS"]])


def test_grouping_constants_are_the_papers_28():
    assert len(KEPT_27) == 27 and len(OTHER_18) == 18 and len(GROUP_28) == 28
    assert set(KEPT_27) | set(OTHER_18) == set(CONDITIONS)


def test_our_table1_counts_in_28_categories():
    t = labels.our_table1(TINY)
    assert list(t.index) == [c.removeprefix("label_") for c in GROUP_28]
    assert t.loc["DR", "images"] == 3 and t.loc["MH", "images"] == 2
    assert t.loc["OTHER", "images"] == 2          # image 4 has two merged conditions: counted once
    assert t.loc["ARMD", "images"] == 0


def test_paper_table1_has_all_28_and_others_34():
    p = labels.paper_table1()
    assert len(p) == 28 and p["images"].notna().all()
    assert p.loc["OTHER", "images"] == 34 and p.loc["DR", "images"] == 376 and p.loc["RT", "images"] == 14


def test_compare_table1_differences_and_notes():
    paper = pd.DataFrame({"images": [3, 5, 2]}, index=pd.Index(["DR", "MH", "OTHER"], name="category"))
    ours = pd.DataFrame({"images": [3, 2, 2]}, index=paper.index)
    c = labels.compare_table1(paper, ours)
    assert list(c.columns) == ["paper", "ours", "difference", "note"]
    assert c["difference"].tolist() == [0, -3, 0]
    assert c.loc["DR", "note"] == "matches" and c.loc["MH", "note"] == "differs"
    assert c.loc["OTHER", "note"].startswith("matches (any of 18")
    assert labels.matches(c) == 2
    twin = labels.compare_table1(paper, ours, real=False)
    assert twin["note"].str.startswith("twin").all()


def test_labels_per_image_counts_other_once():
    per = labels.labels_per_image(TINY)
    assert per["images"].tolist() == [1, 3, 2]       # image 4 (CWS + CB) has one category: OTHER
    assert per["labels"].tolist() == [0, 1, 2]


def test_whole_counts_rounded_and_truncated():
    # 1070/1920 = 55.729 %: truncated 55.72, rounded 55.73; 748/3200 = 23.375 % rounds (half up) to 23.38
    assert labels.whole_counts(55.72, 1920, "truncated") == [1070]
    assert labels.whole_counts(55.72, 1920, "rounded") == []
    assert labels.whole_counts(55.73, 1920, "rounded") == [1070]
    assert labels.whole_counts(23.38, 3200, "rounded") == [748]
    assert labels.whole_counts(50.0, 4, "rounded") == [2]
    with pytest.raises(ValueError):
        labels.whole_counts(1.0, 10, "floor")


def test_readings_and_explanation_on_a_table_built_to_the_papers_counts():
    # 1920 images: 401 healthy, 1070 with one category, 449 with two: the paper's counts, truncated
    table = tiny_table([[]] * 401 + [["DR"]] * 1070 + [["DR", "MH"]] * 449)
    per = labels.labels_per_image(table)
    shares = labels.compare_percentages(per)
    assert shares["images"].tolist() == [1070, 449] and (shares["of"] == 1920).all()
    readings = labels.percentage_readings(per, {"ours": 1920, "all": 3200})
    ours = readings[readings["images"] == 1920].iloc[0]
    assert ours["rule"] == "truncated" and ours["moved"] == 0 and ours["diseased"] == ours["ours_diseased"] == 1519
    assert readings[readings["images"] == 3200].iloc[0][["one", "two_or_more"]].tolist() == [1783, 748]
    e = labels.explain_percentages(readings, 1920)
    assert e["moved"] == 0 and e["paper_one"] == 1070 and e["same_diseased"]

    # move 5 images from one to two categories: the explanation says 5 images moved
    moved = tiny_table([[]] * 401 + [["DR"]] * 1065 + [["DR", "MH"]] * 454)
    e = labels.explain_percentages(labels.percentage_readings(labels.labels_per_image(moved), {"ours": 1920}), 1920)
    assert e["moved"] == 5 and "5 images" in e["text"] and e["same_diseased"]


def test_explanation_without_a_fitting_reading():
    per = labels.labels_per_image(TINY)
    readings = labels.percentage_readings(per, {"ours": len(TINY)})
    assert readings.empty
    e = labels.explain_percentages(readings, len(TINY))
    assert e["moved"] is None and "No whole count" in e["text"]


def test_images_per_interval_open_and_closed_ends():
    counts = pd.Series({"A": 10, "B": 11, "C": 200, "D": 580, "E": 770})
    got = labels.images_per_interval(counts, [(10, 200, "neither"), (580, 770, "right"), (10, 200, "both")])
    assert got["interval"].tolist() == ["(10, 200)", "(580, 770]", "[10, 200]"]
    assert got["categories"].tolist() == [1, 1, 3] and got["which"].iloc[1] == "E"


def test_at_a_glance_columns():
    c = labels.compare_table1(labels.paper_table1(), labels.our_table1(TINY))
    per = labels.labels_per_image(TINY)
    e = labels.explain_percentages(labels.percentage_readings(per, {"ours": len(TINY)}), len(TINY))
    g = labels.at_a_glance(c, labels.compare_percentages(per), e, "smoke", real=True)
    assert g.index.name == "claim" and list(g.columns) == ["paper", "ours", "profile", "what the difference means"]
    assert len(g) == 3 and g.iloc[0]["ours"].startswith(f"{labels.matches(c)} of 28")


def test_absent_copy_falls_back_to_the_twin(tmp_path):
    got = labels.open_training_labels(tmp_path, twin={"n": 12, "size": 32})
    assert not got.real and got.source == "synthetic-rfmid"
    assert "NOT the real" in got.what and "synthetic-rfmid" in got.note and "absent" in got.note
    assert len(got.table) == 12 and set(GROUP_28[:-1]) <= set(got.table.columns)


@pytest.mark.skipif(not REAL_CSV.is_file(), reason="the real RFMiD training-label CSV is not in ../shared/data")
def test_real_training_labels_reproduce_table1():
    got = labels.open_training_labels(REAL_ROOT)
    assert got.real and len(got.table) == 1920
    c = labels.compare_table1(labels.paper_table1(), labels.our_table1(got.table))
    assert labels.matches(c) == 28
    per = labels.labels_per_image(got.table)
    e = labels.explain_percentages(labels.percentage_readings(per, {"ours": len(got.table)}), len(got.table))
    assert (e["paper_one"], e["paper_two_or_more"], e["moved"], e["same_diseased"]) == (1070, 449, 9, True)
