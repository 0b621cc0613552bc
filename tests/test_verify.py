"""``verify`` on deliberately broken copies: each break gives a precise report line."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundus_utils.data import splits
from fundus_utils.data.__main__ import main
from fundus_utils.data.verify import verify

from data_fakes import chase_tree, mask, refuge_values, refuge_variant

SMALL = {"counts": {"val": 3, "test": 4}, "class_counts": {"test": {"glaucoma": 1}}, "label_columns": ["glaucoma"]}


@pytest.fixture
def refuge(tmp_path):
    return refuge_variant(tmp_path / "REFUGE")


def _check(root, **kw):
    report = verify("REFUGE", root, manifest=SMALL, **kw)
    return report, "\n".join(report.lines())


def test_clean_copy_passes(refuge):
    report, text = _check(refuge)
    assert report.ok, text
    assert report.images == 7 and report.masks == 7


def test_truncated_image(refuge):
    path = refuge / "Test400/images/T0002.jpg"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    report, text = _check(refuge)
    assert not report.ok
    assert any("T0002.jpg: corrupt or truncated image" in p for p in report.problems), text


def test_mask_with_wrong_values(refuge):
    vals = refuge_values(32, 32)
    vals[0, :3] = 77
    mask(refuge / "Validation400/masks/V0002.png", vals)
    report, text = _check(refuge)
    assert report.problems == [f"{refuge.resolve()}/Validation400/masks/V0002.png: refuge mask has values [77] "
                               f"outside {{0, 128, 255}}"], text


def test_mask_of_wrong_size(refuge):
    mask(refuge / "Test400/masks/T0003.png", refuge_values(30, 32))
    report, text = _check(refuge)
    assert len(report.problems) == 1 and "T0003.png: mask is 30x32 (WxH) but its image is 32x32" in text


def test_missing_label_row(refuge):
    labels = pd.read_csv(refuge / "Test400/labels.csv")
    labels[labels.image_id != "T0004"].to_csv(refuge / "Test400/labels.csv", index=False)
    report, text = _check(refuge)
    assert len(report.problems) == 1
    assert "T0004.jpg: no glaucoma label in split 'test' although 3 other images have one" in text


def test_duplicated_id(refuge):
    (refuge / "Test400/images/copy").mkdir()
    (refuge / "Test400/images/copy/T0001.jpg").write_bytes((refuge / "Test400/images/T0001.jpg").read_bytes())
    report, text = _check(refuge)
    assert len(report.problems) == 1 and "two files for id 'T0001'" in text


def test_count_and_class_mismatch(refuge):
    (refuge / "Validation400/images/V0003.jpg").unlink()
    (refuge / "Validation400/masks/V0003.png").unlink()
    report, text = verify("REFUGE", refuge, manifest={**SMALL, "class_counts": {"test": {"glaucoma": 2}}}), None
    text = "\n".join(report.lines())
    assert "split 'val' has 2 images, manifest expects 3" in text
    assert "'test' has 1 positives of 'glaucoma', manifest expects 2" in text


def test_unexpected_file_is_a_warning(refuge):
    (refuge / "Test400/images/T0001 (1).jpg").write_bytes(b"x")
    report, text = _check(refuge)
    assert report.ok and any("T0001 (1).jpg: not used by any row" in w for w in report.warnings)


def test_empty_folder(tmp_path):
    (tmp_path / "REFUGE").mkdir()
    report, text = _check(tmp_path / "REFUGE")
    assert report.problems == [f"{(tmp_path / 'REFUGE').resolve()}: no REFUGE images (g0001.jpg, V0001.jpg, "
                               f"T0001.jpg, ...) found"]


def test_patient_in_two_folds(tmp_path):
    root = chase_tree(tmp_path / "CHASE_DB1")
    pd.DataFrame({"image_id": ["01L", "01R", "02L", "02R"], "patient_id": ["01", "01", "02", "02"],
                  "fold": [0, 1, 1, 1]}).to_csv(tmp_path / "folds.csv", index=False)
    report = verify("CHASE_DB1", root, manifest={"counts": {"test": 6}}, folds_csv=tmp_path / "folds.csv")
    assert report.problems == [f"{tmp_path / 'folds.csv'} folds: patient '01' in folds [0, 1]"]


def test_sha256_listing(refuge, tmp_path):
    import hashlib
    good = hashlib.sha256((refuge / "Test400/labels.csv").read_bytes()).hexdigest()
    listing = tmp_path / "MANIFEST.sha256"
    listing.write_text(f"{good}  Test400/labels.csv\n{'0' * 64}  Test400/images/T0001.jpg\n{'0' * 64}  gone.jpg\n")
    report, text = _check(refuge, sha256=listing)
    assert len(report.problems) == 2
    assert "T0001.jpg: sha256 differs" in text and "gone.jpg: listed in" in text


def test_cli_exit_codes(refuge, capsys, monkeypatch):
    import fundus_utils.data.verify as v
    monkeypatch.setattr(v, "load_manifest", lambda name: SMALL)
    assert main(["verify", "REFUGE", str(refuge)]) == 0
    assert "OK: REFUGE" in capsys.readouterr().out
    mask(refuge / "Test400/masks/T0001.png", np.full((32, 32), 5))
    assert main(["verify", "REFUGE", str(refuge)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out and "T0001.png" in out and "FAILED" in out


def test_patient_folds_are_patient_level_stratified_and_deterministic():
    t = pd.DataFrame({"image_id": [f"{p}{e}" for p in range(40) for e in "LR"],
                      "patient_id": [str(p) for p in range(40) for _ in "LR"],
                      "y": [p % 4 == 0 for p in range(40) for _ in "LR"]})
    f1 = splits.patient_folds(t, 5, seed=1, stratify="y")
    assert f1.equals(splits.patient_folds(t, 5, seed=1, stratify="y"))
    t["fold"], t["split"] = f1, "train"
    assert splits.leakage_problems(t) == []
    assert t.groupby("fold")["y"].sum().tolist() == [4] * 5  # 10 positive patients x 2 eyes / 5 folds
    t.loc[0, "fold"] = (t.loc[1, "fold"] + 1) % 5
    with pytest.raises(splits.LeakageError, match="patient '0' in folds"):
        splits.check_leakage(t)
    assert not f1.equals(splits.patient_folds(t, 5, seed=2, stratify="y"))


def test_committed_folds():
    from fundus_utils.data import folds
    for name in ("REFUGE", "DRIVE", "CHASE_DB1", "RFMiD"):
        f = folds.load(name)
        assert set(f["fold"]) == set(range(5)) and f["image_id"].is_unique
        assert (f.groupby("patient_id")["fold"].nunique() == 1).all()
        if name != "RFMiD":  # RFMiD needs the label CSV to rebuild
            assert folds.build(name).astype(str).equals(f.astype(str)), f"{name}: committed folds are stale"
    r = folds.load("REFUGE")
    assert len(r) == 800 and (r.groupby("fold")["image_id"].apply(lambda s: s.str[0].value_counts()["g"]) == 8).all()
