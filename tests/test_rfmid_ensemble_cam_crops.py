"""The attention-crop module: Eq. 4's summed Guided Grad-CAM maps, Eq. 5's box, crops, random
boxes of the same sizes and lesion coverage, on maps and pictures where the answer is known."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from fundus_utils.models import create_model
from fundus_utils.rfmid_ensemble import cam_crops as cc


def test_attention_box_is_the_bounding_rectangle_at_theta() -> None:
    a = np.zeros((10, 12), np.float32)
    a[2, 3], a[6, 8], a[4, 5] = 1.0, 0.6, 0.2           # 255, 153, 51 on the paper's scale
    assert cc.attention_box(a, 128) == (2, 7, 3, 9)      # the two pixels >= 128
    assert cc.attention_box(a, 200) == (2, 3, 3, 4)
    assert cc.attention_box(a, 256) is None               # no pixel reaches it


def test_cut_crops_counts_the_pictures_without_a_box() -> None:
    images = np.zeros((3, 20, 20, 3), np.uint8)
    images[0, 5:10, 5:10] = 200
    crops = cc.cut_crops(images, [(5, 10, 5, 10), None, (0, 20, 0, 20)], size=16)
    assert crops.images.shape == (2, 16, 16, 3) and crops.rows.tolist() == [0, 2] and crops.n_without == 1
    assert (crops.images[0] == 200).all()                 # the bright square fills its crop
    assert np.allclose(cc.box_area_fraction(crops.boxes, (20, 20)), [0.0625, 1.0])


def test_random_boxes_keep_sizes_and_stay_inside() -> None:
    rng = np.random.default_rng(0)
    boxes = [(0, 5, 0, 7), (3, 20, 2, 20), (0, 20, 0, 20)]
    out = cc.random_boxes(boxes, (20, 20), rng)
    for (r0, r1, c0, c1), (s0, s1, t0, t1) in zip(boxes, out):
        assert (s1 - s0, t1 - t0) == (r1 - r0, c1 - c0) and s0 >= 0 and t0 >= 0 and s1 <= 20 and t1 <= 20
    assert out[2] == (0, 20, 0, 20)


def test_lesion_coverage() -> None:
    lesion = np.zeros((10, 10), bool)
    lesion[2:4, 2:4] = True
    assert cc.lesion_coverage((0, 3, 0, 10), lesion) == 0.5
    assert np.isnan(cc.lesion_coverage((0, 3, 0, 10), np.zeros((10, 10), bool)))


def test_attention_maps_of_a_gap_classifier() -> None:
    torch.manual_seed(0)
    model = create_model("gap_classifier", backbone="vgg_narrow", num_classes=3)
    images = np.random.default_rng(0).integers(0, 255, (4, 32, 32, 3), dtype=np.uint8)
    maps, predicted = cc.attention_maps(model, images, min_prob=0.5)
    assert maps.shape == (4, 32, 32) and predicted.shape == (4, 3) and maps.dtype == np.float32
    assert float(maps.min()) >= 0 and np.allclose(maps.reshape(4, -1).max(1)[maps.reshape(4, -1).max(1) > 0], 1)
    assert model.training is False and all(p.grad is None or p.grad.abs().sum() == 0 for p in model.parameters())


@pytest.mark.parametrize("theta", [64, 192])
def test_higher_theta_gives_smaller_boxes(theta: int) -> None:
    yy, xx = np.mgrid[0:32, 0:32]
    a = np.exp(-((yy - 16) ** 2 + (xx - 16) ** 2) / 50.0).astype(np.float32)
    r0, r1, c0, c1 = cc.attention_box(a, theta)
    assert (r1 - r0) == (c1 - c0) and ((r1 - r0) < 16) == (theta == 192)


def _perfect_and_random(n: int = 60, seed: int = 0):
    from fundus_utils.rfmid_ensemble.data import LABELS

    rng = np.random.default_rng(seed)
    y = np.zeros((n, len(LABELS)))
    y[:, 0] = rng.random(n) < 0.4          # category 0: scores that rank it perfectly
    y[:, 1] = rng.random(n) < 0.4          # category 1: random scores
    y[:3, 2] = 1                            # category 2: too few positives
    p = np.column_stack([y[:, 0] * 0.8 + 0.1, rng.random(n), rng.random((n, len(LABELS) - 2))])
    return y, p


def test_auc_table_scores_only_what_the_test_split_supports() -> None:
    from fundus_utils.rfmid_ensemble import stage1

    y, p = _perfect_and_random()
    t = stage1.auc_table(y, stage1.stage1_bars(y, p, 5, "demo"), min_positives=5)
    assert t.iloc[0]["AUC"] == 1.0 and t.iloc[0]["status"] == "scored"
    assert t.iloc[2]["status"].startswith("too few") and np.isnan(t.iloc[2]["AUC"])
    assert (t["status"] == "scored").sum() == 2          # the other 25 categories have no positive


def test_stage1_bars_and_the_mean_bar() -> None:
    from fundus_utils.rfmid_ensemble import stage1

    y, p = _perfect_and_random()
    bars = stage1.stage1_bars(y, p, 5, "demo")
    assert [b.name.split(" AUC")[0] for b in bars[:2]] == ["DR", "ARMD"] and bars[0].passed and not bars[1].passed
    mean = bars[-1]
    assert mean.name.startswith("mean AUC over the 2 scorable") and abs(mean.method - (1 + bars[1].method) / 2) < 1e-9
    assert mean.lo <= mean.gain <= mean.hi
    common = int(y[:, 0].sum())            # category 0 is common, category 1 (fewer positives here) is not
    assert stage1.asserted(bars, y, 5, common) == [True, bool(y[:, 1].sum() >= common), True]


def test_theta_sweep_and_coverage_on_known_maps() -> None:
    from fundus_utils.rfmid_ensemble import stage1

    maps = np.zeros((4, 20, 20), np.float32)
    lesion = np.zeros((4, 20, 20), bool)
    for i in range(4):                       # the map peaks exactly on a 4 x 4 lesion
        maps[i, 8:12, 8:12] = 1.0
        lesion[i, 8:12, 8:12] = True
    sweep = stage1.theta_sweep(maps, lesion, (128,), seed=0)
    row = sweep.loc[128]
    assert row["pictures with a crop"] == 4 and row["mean box area share"] == 16 / 400
    assert row["lesion inside CAM box"] == 1.0 and row["lesion inside random box"] < 1.0
    bar = stage1.coverage_bar(maps, lesion, 128, seed=0)
    assert bar.method == 1.0 and bar.gain > 0


def test_split_rows_keeps_test_apart() -> None:
    import pandas as pd
    from fundus_utils.rfmid_ensemble import stage1

    t = pd.DataFrame({"split": ["train", "train", "val", "test"], "fold": [0, 1, 1, -1]})
    rows = stage1.split_rows(t, 0, ("train", "val"))
    assert rows["train"].tolist() == [1, 2] and rows["valid"].tolist() == [0] and rows["test"].tolist() == [3]
    with pytest.raises(ValueError, match="empty part"):
        stage1.split_rows(t, 5, ("train",))
