"""Ground truth of the synthetic fundus simulator checked against its image model."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from fundus_utils import data
from fundus_utils.data.simulator import FINDINGS, SIMULATORS, STYLES, render, sample_scene
from fundus_utils.data.simulator.rfmid import CONDITIONS, TRAINING_COUNTS, sample_labels
from fundus_utils.evaluation import dice, vertical_cdr

SEEDS = range(12)


@pytest.fixture(scope="module", params=SIMULATORS)
def scenes(request):
    """Both simulator versions: every geometric truth holds for each."""
    styles = [None, "canon", "zeiss", "topcon"]
    return [sample_scene(s, style=styles[s % 4], glaucoma=s % 2, simulator=request.param) for s in SEEDS]


@pytest.mark.parametrize("size", [64, 256, 512])
def test_cup_inside_disc_and_masks_inside_fov(scenes, size):
    for scene in scenes:
        out = render(scene, size)
        assert out.oc.any() and out.od.any()
        assert not (out.oc & ~out.od).any(), f"seed {scene.seed}: cup pixels outside the disc"
        for name in ("od", "oc", "vessels"):
            assert not (getattr(out, name) & ~out.fov).any(), f"seed {scene.seed}: {name} outside the FOV"


@pytest.mark.parametrize("size,tol", [(256, 0.05), (512, 0.025), (1024, 0.015)])
def test_vcdr_from_masks_matches_scene(scenes, size, tol):
    errors = [abs(vertical_cdr(out.od, out.oc) - s.vcdr) for s in scenes for out in [render(s, size)]]
    assert max(errors) < tol, f"vCDR error up to {max(errors):.3f} at {size} px"


def test_glaucoma_drives_vcdr():
    normal = [sample_scene(s, glaucoma=0).vcdr for s in range(200)]
    glaucoma = [sample_scene(s, glaucoma=1).vcdr for s in range(200, 400)]
    assert np.mean(glaucoma) - np.mean(normal) > 0.15
    assert max(normal) > min(glaucoma), "the two groups should overlap, as in real screening data"


def test_fovea_position_consistent_with_disc(scenes):
    size = 512
    for scene in scenes:
        out = render(scene, size)
        dx, dy = np.subtract(out.fovea_xy, out.od_xy)
        distance_dd = np.hypot(dx, dy) / (scene.dd * size)
        assert 2.2 < distance_dd < 2.8, f"seed {scene.seed}: fovea {distance_dd:.2f} DD from the disc"
        assert dy > 0, "the fovea lies slightly below the disc"
        assert (dx > 0) == (scene.eye == "L"), "fovea temporal: right of the disc in left eyes, left in right eyes"
        # The fovea sits in the darkest part of the macula, in the middle of the avascular zone.
        fx, fy = (int(round(v)) for v in out.fovea_xy)
        r = int(0.15 * scene.dd * size)
        assert not out.vessels[fy - r:fy + r, fx - r:fx + r].any()


def test_left_and_right_eyes_are_mirrored():
    left = render(sample_scene(5, style="canon", eye="L"), 128)
    right = render(sample_scene(5, style="canon", eye="R"), 128)
    assert np.array_equal(left.od[:, ::-1], right.od)
    assert np.array_equal(left.vessels[:, ::-1], right.vessels)


@pytest.mark.parametrize("simulator", SIMULATORS)
def test_deterministic_by_seed(simulator):
    a, b, c = (render(sample_scene(s, simulator=simulator), 128) for s in (3, 3, 4))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.vessels, b.vessels)
    assert not np.array_equal(a.image, c.image)


def test_one_scene_at_any_size():
    scene = sample_scene(7, style="canon")
    small, large = render(scene, 128), render(scene, 1024)
    down = cv2.resize(large.od.astype(np.uint8), (128, 128), interpolation=cv2.INTER_AREA) > 0
    assert dice(small.od, down) > 0.9
    grey = [cv2.resize(o.image, (64, 64), interpolation=cv2.INTER_AREA).astype(float) for o in (small, large)]
    assert np.abs(grey[0] - grey[1]).mean() < 12, "the same scene looks the same at every size"


def test_device_styles_differ():
    means = {name: render(sample_scene(1, style=name), 128).image.reshape(-1, 3).mean(0) for name in STYLES}
    names = list(means)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            assert np.abs(means[names[i]] - means[names[j]]).max() > 3


@pytest.mark.parametrize("finding", [f for f in FINDINGS])
def test_every_finding_renders_and_changes_the_image(finding):
    plain = render(sample_scene(11, style="canon"), 256)
    sick = render(sample_scene(11, style="canon", findings=(finding,)), 256)
    assert np.abs(plain.image.astype(int) - sick.image.astype(int)).mean() > 0.05
    if finding in sick.lesions:
        assert sick.lesions[finding].any(), f"{finding} has an empty lesion mask"


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown findings"):
        sample_scene(0, findings=("not-a-lesion",))
    with pytest.raises(ValueError, match="at least 16"):
        render(sample_scene(0), 8)


def test_rfmid_labels_follow_training_frequencies():
    labels = sample_labels(np.random.default_rng(0), 20000)
    assert abs(labels["Disease_Risk"].mean() - 1519 / 1920) < 0.01
    for condition in ("DR", "MH", "ODC", "TSLN"):
        assert abs(labels[condition].mean() - TRAINING_COUNTS[condition] / 1920) < 0.015
    assert labels.loc[labels["Disease_Risk"] == 0, list(CONDITIONS)].to_numpy().sum() == 0


def test_refuge_twin_table_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    table = data.open_dataset("synthetic-refuge", n=40, size=96, seed=1)
    assert len(table) == 40 and set(table["split"]) <= {"train", "val", "test"}
    assert table.groupby("patient_id")["split"].nunique().max() == 1
    assert (table.loc[table["split"] == "test", "fold"] == -1).all()
    row = table.iloc[0]
    od = data.read_mask(row["od_mask"], row["mask_encoding"])
    oc = data.read_mask(row["oc_mask"], row["mask_encoding"])
    assert abs(vertical_cdr(od, oc) - row["vcdr"]) < 0.08
    first = pd.Series({p.name: p.stat().st_mtime_ns for p in tmp_path.rglob("*.png")})
    again = data.open_dataset("synthetic-refuge", n=40, size=96, seed=1)
    pd.testing.assert_frame_equal(table, again)
    assert pd.Series({p.name: p.stat().st_mtime_ns for p in tmp_path.rglob("*.png")}).equals(first), "re-rendered"
    other = data.open_dataset("synthetic-refuge", n=40, size=96, seed=2)
    assert other["image"].iloc[0] != table["image"].iloc[0], "different parameters, different cache entry"


def _open_small_twin(_):
    return data.open_dataset("synthetic-refuge", n=12, size=48, seed=3)


def test_twin_cache_survives_concurrent_runs(tmp_path, monkeypatch):
    import multiprocessing as mp

    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    with mp.get_context("fork").Pool(3) as pool:
        tables = pool.map(_open_small_twin, range(3))
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])
    entries = list((tmp_path / "twins").iterdir())
    assert [p.name for p in entries if not p.name.endswith(".lock")] == [Path(tables[0]["image"].iloc[0]).parent.name]
    assert len(list(entries[0].parent.glob("*/*.png"))) == 12 * 6  # one set: image + five masks per row


@pytest.mark.parametrize("simulator", SIMULATORS)
def test_twin_key_follows_the_simulator_source(monkeypatch, simulator):
    from fundus_utils.data import twins

    before = twins.twin_key("synthetic-refuge", n=1, simulator=simulator)
    assert before != twins.twin_key("synthetic-refuge", n=1, simulator=[v for v in SIMULATORS if v != simulator][0])
    monkeypatch.setattr(twins, "simulator_digest", lambda: "edited simulator")
    assert twins.twin_key("synthetic-refuge", n=1, simulator=simulator) != before


def test_vessel_twin_builds_in_an_empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    table = data.open_dataset("synthetic-vessels", n=6, size=64, seed=0)
    assert len(table) == 6 and table["vessel_mask"].map(lambda p: Path(p).is_file()).all()


def test_rfmid_twin_has_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    table = data.open_dataset("synthetic-rfmid", n=20, size=64, seed=0)
    assert {f"label_{c}" for c in CONDITIONS} <= set(table.columns)
    assert (table["label_Disease_Risk"] == table[[f"label_{c}" for c in CONDITIONS]].max(axis=1)).all()
