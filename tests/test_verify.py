"""``verify`` on deliberately broken copies: each break gives a precise report line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fundus_utils.data import open_dataset, splits
from fundus_utils.data import verify as verify_module
from fundus_utils.data.__main__ import main
from fundus_utils.data.verify import verify

from data_fakes import chase_tree, mask, refuge_variant

SMALL = {"counts": {"val": 3, "test": 4}, "class_counts": {"test": {"glaucoma": 1}}, "label_columns": ["glaucoma"]}
SIZE, DISC = 64, (40, 30)  # picture side; disc centre (x, y), off centre as in a real fundus picture


def refuge_values(w: int = SIZE, h: int = SIZE, disc: int = 5, cup: int = 2, centre=DISC) -> np.ndarray:
    """A REFUGE-encoded mask: cup (0) in a disc (128) of plausible size (about 2 % of the picture) on 255."""
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot(xx - centre[0], yy - centre[1])
    return np.where(r < cup, 0, np.where(r < disc, 128, 255))


def fundus(path: Path, seed: int = 0, disc: int = 5, centre=DISC) -> Path:
    """A fake fundus photograph: black surround, reddish field of view, a bright disc where the mask has it."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    rgb = np.zeros((SIZE, SIZE, 3))
    rgb[np.hypot(xx - SIZE / 2, yy - SIZE / 2) < SIZE * 0.48] = (150, 60, 30)
    rgb[np.hypot(xx - centre[0], yy - centre[1]) < disc] = (240, 200, 150)
    rgb += np.random.default_rng(seed).normal(0, 5, rgb.shape)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture
def refuge(tmp_path):
    """The 512 px REFUGE variant layout with plausible pictures and masks (disc/cup sanity checks pass)."""
    root = refuge_variant(tmp_path / "REFUGE", size=SIZE)
    for i, p in enumerate(sorted(root.glob("*/images/*.jpg"))):
        fundus(p, seed=i)
    for p in root.glob("*/masks/*.png"):
        mask(p, refuge_values())
    return root


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
    assert any("T0002.jpg: truncated image" in p for p in report.problems), text


def test_mask_with_wrong_values(refuge):
    vals = refuge_values()
    vals[0, :3] = 77
    mask(refuge / "Validation400/masks/V0002.png", vals)
    report, text = _check(refuge)
    assert report.problems == [f"{refuge.resolve()}/Validation400/masks/V0002.png: refuge mask has values [77] "
                               f"outside {{0, 128, 255}}"], text


def test_mask_of_wrong_size(refuge):
    mask(refuge / "Test400/masks/T0003.png", refuge_values(60, 64))
    report, text = _check(refuge)
    image = refuge.resolve() / "Test400/images/T0003.jpg"
    assert len(report.problems) == 1 and f"T0003.png: mask is 60x64 (WxH) but its image {image} is 64x64" in text


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
    mask(refuge / "Test400/masks/T0001.png", np.full((SIZE, SIZE), 5))
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


# ----------------------------------------------------------------- masks: missing, implausible, conversions

def _verify_table(monkeypatch, root: Path, edit, manifest=SMALL):
    """verify() on the REFUGE copy at ``root`` after ``edit(table)`` (a table no importer would build)."""
    table = edit(open_dataset("REFUGE", root).copy())
    monkeypatch.setattr(verify_module, "open_dataset", lambda name, root, **kw: table)
    report = verify("REFUGE", root, manifest=manifest)
    return report, "\n".join(report.lines())


def test_mask_path_that_does_not_exist(refuge, monkeypatch):
    def edit(t):
        t.loc[1, ["od_mask", "oc_mask"]] = str(refuge / "Validation400/masks/gone.png")
        return t
    report, text = _verify_table(monkeypatch, refuge, edit)
    assert report.problems == [f"{refuge / 'Validation400/masks/gone.png'}: od_mask of "
                               f"{refuge.resolve() / 'Validation400/images/V0002.jpg'} not found (missing mask file)"]


def test_mask_file_the_importer_did_not_find(refuge):
    (refuge / "Test400/masks/T0002.png").unlink()
    report, text = _check(refuge)
    assert not report.ok and any("T0002.jpg: no od_mask although 3 other images in split 'test' have one" in p
                                 for p in report.problems), text


def test_mask_gap_allowed_where_the_manifest_says_partial(refuge, monkeypatch):
    def edit(t):
        t.loc[0, ["od_mask", "oc_mask", "mask_encoding"]] = ""
        return t
    report, text = _verify_table(monkeypatch, refuge, edit, {**SMALL, "partial_masks": ["od_mask", "oc_mask"]})
    assert report.ok, text
    assert f"warning {refuge.resolve()}: 1 of 3 images in split 'val' have no od_mask (partial_masks in the manifest)" \
        in text.splitlines()


def test_disc_too_large_for_a_fundus_picture_but_fine_for_a_disc_crop(refuge):
    for p in refuge.glob("Test400/images/T0004.jpg"):
        fundus(p, disc=20)
    mask(refuge / "Test400/masks/T0004.png", refuge_values(disc=20, cup=8))  # 30 % of the picture
    report, text = _check(refuge)
    assert report.problems == [f"{refuge.resolve()}/Test400/masks/T0004.png: disc covers 30.4% of the picture; "
                               f"expected 0.2%-10% for framing 'fundus' (opposite mask convention, or another "
                               f"framing?)"], text
    report = verify("REFUGE", refuge, manifest={**SMALL, "framing": "disc"})
    assert report.ok, report.lines()
    report = verify("REFUGE", refuge, manifest={**SMALL, "framing": "crop"})
    assert report.problems[0] == "REFUGE manifest: framing 'crop' is not one of ['disc', 'fundus']"


def test_mask_with_the_opposite_convention_fails(refuge):
    """255 = cup, 0 = background: values a REFUGE mask may hold, but the 'disc' is then the dark retina."""
    v = refuge_values()
    mask(refuge / "Validation400/masks/V0001.png", np.where(v == 0, 255, np.where(v == 255, 0, 128)))
    report, text = _check(refuge)
    path = f"{refuge.resolve()}/Validation400/masks/V0001.png"
    assert len(report.problems) == 2, text
    assert report.problems[0].startswith(f"{path}: disc covers 99.")
    assert report.problems[1].startswith(f"{path}: disc mask is not where "
                                         f"{refuge.resolve()}/Validation400/images/V0001.jpg is bright")
    assert "opposite mask convention?" in report.problems[1]


def test_disc_mask_on_a_dark_spot(refuge):
    mask(refuge / "Test400/masks/T0001.png", refuge_values(centre=(20, 40)))  # plausible size, wrong place
    report, text = _check(refuge)
    assert len(report.problems) == 1 and "T0001.png: disc mask is not where" in text and "< 1.05): opposite" in text, text


def test_cup_outside_the_disc(refuge, monkeypatch):
    """Separate binary disc and cup files (RIM-ONE style): cup pixels outside the disc are counted."""
    od = mask(refuge / "od.png", (refuge_values() <= 128) * 255)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    oc = mask(refuge / "oc.png", ((np.hypot(xx - DISC[0], yy - DISC[1]) < 2) | ((xx == 0) & (yy < 3))) * 255)

    def edit(t):
        t.loc[0, ["od_mask", "oc_mask", "mask_encoding"]] = [str(od), str(oc), "binary"]
        return t
    report, text = _verify_table(monkeypatch, refuge, edit)
    assert report.problems == [f"{oc}: 3 cup pixels outside the disc of {od}"], text


def test_conversions_are_counted(refuge, monkeypatch):
    def edit(t):
        t["conversions"] = ["cup clipped to disc", "", "cup clipped to disc|mask resized to image", np.nan,
                            "", "", "mask resized to image"]
        return t
    report, text = _verify_table(monkeypatch, refuge, edit)
    assert report.ok and report.conversions == {"cup clipped to disc": 2, "mask resized to image": 2}
    assert "conversion 'cup clipped to disc': 2 rows" in text.splitlines()
    monkeypatch.undo()
    assert _check(refuge)[0].conversions == {}  # no column: no conversions


def test_cli_unknown_dataset_is_one_line(capsys):
    assert main(["verify", "REFUGEE", "/nowhere"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown dataset 'REFUGEE'" in err and "'REFUGE'" in err
    done = subprocess.run([sys.executable, "-m", "fundus_utils.data", "verify", "REFUGEE"], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.strip() == err


def test_reader_conversions_are_counted(tmp_path):
    """Lossless conversions of the readers (1-bit mask -> grey, palette image -> RGB) are reported per file."""
    root = chase_tree(tmp_path / "CHASE_DB1")
    image = root / "Image_01L.jpg"
    Image.open(image).convert("P").save(image, format="PNG")  # a palette picture under a .jpg name
    report = verify("CHASE_DB1", root, manifest={"counts": {"test": 6}}, folds_csv=None)
    assert report.decoded == {"mask 1-bit -> grey": 6, "image palette -> RGB": 1}, report.lines()
    assert "decoded mask 1-bit -> grey: 6 files" in report.lines()
