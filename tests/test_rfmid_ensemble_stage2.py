"""Stage 2 and Table 2: crops joining the training set, bagging and fusion, the micro-averaged
metrics, average precision, the joint bootstrap and the paper's implied readings - on inputs
where the answer is known."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundus_utils.report import paper_values
from fundus_utils.rfmid_ensemble import cam_crops as cc
from fundus_utils.rfmid_ensemble import fit as rfit
from fundus_utils.rfmid_ensemble import stage2, table2
from fundus_utils.rfmid_ensemble.data import Arrays
from fundus_utils.rfmid_ensemble.fit import Fitted


def test_average_precision_equals_sklearn_without_ties() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    y, s = (rng.random(200) < 0.2).astype(float), rng.random(200)
    assert table2.average_precision(y, s) == pytest.approx(average_precision_score(y, s))
    both = table2.average_precision(np.stack([y, y]), np.stack([s, -s]))      # leading axes: replicates
    assert both[0] == pytest.approx(average_precision_score(y, s)) and both[1] == pytest.approx(
        average_precision_score(y, -s))
    assert np.isnan(table2.average_precision(np.zeros(5), rng.random(5)))


def test_micro_metrics_from_counts() -> None:
    y = np.array([[1, 0, 0], [1, 1, 0]])
    p = np.array([[0.9, 0.6, 0.1], [0.2, 0.7, 0.0]])
    counts = table2.cell_counts(y, p).sum(0)
    assert counts.tolist() == [2, 1, 1, 2]                   # TP, FP, FN, TN over the six cells
    m = table2.micro_metrics(counts)
    assert (m["accuracy"], m["precision"], m["recall"]) == pytest.approx((4 / 6, 2 / 3, 2 / 3))
    assert m["F1"] == pytest.approx(2 / 3)


def test_bootstrap_intervals_hold_the_point_values_and_every_resample_has_both_classes() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random((120, 3)) < [0.3, 0.1, 0.5]).astype(float)
    p = np.clip(0.5 * y + 0.6 * rng.random(y.shape), 0, 1)
    idx = table2.resamples(y, 200, seed=0)
    pos = np.stack([y[:, k][idx].sum(1) for k in range(3)], 1)
    assert ((pos > 0) & (pos < 120)).all()
    value, ci = table2.point(y, p), table2.bootstrap(y, p, n_boot=300)
    for m in table2.METRICS:
        assert ci[m][0] <= value[m] <= ci[m][1], m


def test_mean_auc_bar_against_chance_and_against_itself() -> None:
    rng = np.random.default_rng(2)
    y = (rng.random((150, 2)) < 0.3).astype(float)
    p = y + rng.normal(0, 0.5, y.shape)
    bar = table2.mean_auc_bar("vs chance", y, p)
    assert bar.baseline == 0.5 and bar.passed and bar.gain == pytest.approx(bar.method - 0.5)
    same = table2.mean_auc_bar("vs itself", y, p, p)
    assert same.gain == 0 and not same.passed                # a zero gain never passes
    assert not table2.mean_auc_bar("one class", np.zeros((20, 1)), rng.random((20, 1))).passed   # NaN CI fails


def test_paper_readings_f1_is_the_harmonic_mean_and_rows_imply_different_prevalences() -> None:
    paper = paper_values.frame("rfmid_ensemble", "table2", index="model")
    readings = table2.paper_readings(paper)
    assert np.allclose(readings["F1 (paper)"], readings["2PR / (P + R)"], atol=2e-4)
    implied = readings["implied share of positive cells"]
    assert implied.max() - implied.min() > 0.1               # not one confusion matrix on one test set


def test_scale_box_grows_to_whole_pixels() -> None:
    assert cc.scale_box((1, 3, 2, 5), 2.0) == (2, 6, 4, 10)
    assert cc.scale_box((1, 3, 2, 5), 1.5) == (1, 5, 3, 8)


def test_training_arrays_append_the_crops_of_the_training_pictures_only() -> None:
    x = np.arange(4 * 2 * 2 * 3, dtype=np.uint8).reshape(4, 2, 2, 3)
    y = np.eye(4, 28, dtype=np.float32)
    arrays = Arrays(x, y, np.array(["a", "b", "c", "d"]))
    crops = stage2.CropSet("cam_crops", np.full((2, 2, 2, 3), 7, np.uint8), np.array([1, 3]), [(0, 1, 0, 1)] * 2)
    train = stage2.training_arrays(arrays, np.array([0, 1, 2]), crops)
    assert len(train) == 4 and train.ids.tolist() == ["a", "b", "c", "b#crop"]
    assert (train.y[3] == y[1]).all() and (train.x[3] == 7).all()   # the crop keeps its picture's labels
    assert len(stage2.training_arrays(arrays, np.array([0, 2]), crops)) == 2   # no crop of a validation picture


def test_fusion_bagging_and_the_best_single_network() -> None:
    jobs = [stage2.Member(m, f, "originals") for m in ("vgg", "resnet") for f in range(2)]
    p = np.stack([np.full((3, 28), v) for v in (0.1, 0.3, 0.5, 0.9)])
    assert np.allclose(stage2.bag(jobs, p, "vgg"), 0.2) and np.allclose(stage2.bag(jobs, p, "resnet"), 0.7)
    assert np.allclose(stage2.fuse(np.full(2, 0.2), np.full(2, 0.7)), 0.6 * 0.2 + 0.4 * 0.7)
    with pytest.raises(ValueError, match="sum to 1"):
        stage2.fuse(p[0], p[1], (0.6, 0.6))
    history = lambda v: [{"phase": "finetune", "epoch": 1, "train_loss": 1.0, "valid_loss": v}]
    fitted = [Fitted(None, "x", history(v)) for v in (0.5, 0.4, 0.2, 0.3)]
    assert stage2.best_single(jobs, fitted) == 2
    cfg = type("Cfg", (), {"fusion": (0.6, 0.4)})()
    scores = stage2.ensemble_scores(jobs, fitted, p, cfg)
    assert tuple(scores) == stage2.SCORES and np.allclose(scores["best single network"], 0.5)


def test_crop_sets_cut_the_source_pictures_and_random_boxes_keep_the_cam_sizes(tmp_path) -> None:
    from types import SimpleNamespace

    import cv2

    from fundus_utils.rfmid_ensemble.data import LABELS

    paths = []
    for i in range(3):   # 32 px pictures, a bright square at a known place
        img = np.zeros((32, 32, 3), np.uint8)
        img[8 * i:8 * i + 8, 4:12] = 255
        paths.append(str(tmp_path / f"p{i}.png"))
        cv2.imwrite(paths[-1], img)
    table = pd.DataFrame({"image_id": [f"p{i}" for i in range(3)], "image": paths, **{c: 0.0 for c in LABELS}})
    maps = np.zeros((3, 16, 16), np.float32)       # maps at the 16 px input size
    for i in range(3):
        maps[i, 4 * i:4 * i + 4, 2:6] = 1.0
    maps[1] = 0.0                                  # picture 1: no pixel at theta, no crop
    cfg = SimpleNamespace(cam={"theta": 128}, crop_source=32, image_size=16)
    cam = stage2.crop_set("cam_crops", table, maps, np.array([0, 1, 2]), cfg)
    assert cam.rows.tolist() == [0, 2] and cam.boxes == [(0, 4, 2, 6), (8, 12, 2, 6)]
    assert cam.images.shape == (2, 16, 16, 3) and (cam.images > 200).all()   # the square, cut at 32 px
    rnd = stage2.crop_set("random_crops", table, maps, np.array([0, 1, 2]), cfg, seed=3)
    assert rnd.rows.tolist() == [0, 2]
    assert [(b[1] - b[0], b[3] - b[2]) for b in rnd.boxes] == [(4, 4), (4, 4)]
    assert cam.key(table["image_id"].to_numpy()) != rnd.key(table["image_id"].to_numpy())
    with pytest.raises(ValueError, match="no crops"):
        stage2.crop_set("originals", table, maps, np.array([0, 1, 2]), cfg)


def test_epoch_scale_keeps_at_least_one_epoch() -> None:
    assert rfit._scaled(20, 0.5) == 10 and rfit._scaled(3, 0.1) == 1
    with pytest.raises(ValueError):
        rfit._scaled(20, 1.5)


def test_cam_method_scores_against_masks_and_the_prior() -> None:
    from fundus_utils.rfmid_ensemble import cam_methods

    lesion = np.zeros((4, 8, 8), bool)
    lesion[:, 2:4, 2:4] = True
    on = np.zeros((4, 8, 8), np.float32)
    on[:, 2:4, 2:4] = 1.0                      # all energy on the lesion
    flat = np.zeros((4, 8, 8), np.float32)     # no energy: no value, scored 0 by the bars
    prior = np.broadcast_to(cam_methods.lesion_prior(np.ones((3, 8, 8), bool)), lesion.shape)
    scores = cam_methods.mask_scores({"gradcam": on, "eigencam": flat, "prior": prior}, lesion)
    assert scores["gradcam"]["energy inside"].tolist() == [1.0] * 4 and scores["gradcam"]["pointing game"].all()
    assert np.isnan(scores["eigencam"]["energy inside"]).all()
    table = cam_methods.table(scores)
    assert table.loc["EigenCAM", "energy inside: no value"] == 4
    bars = {b.name.split(", ")[1].split(" vs")[0]: b for b in cam_methods.prior_bars(scores)}
    assert bars["Grad-CAM"].gain == pytest.approx(1 - 4 / 64) and bars["EigenCAM"].missing == 4
    with pytest.raises(ValueError, match="no training"):
        cam_methods.lesion_prior(np.zeros((0, 8, 8), bool))


def test_the_real_profile_says_which_notebooks_need_the_images(tmp_path, monkeypatch) -> None:
    from fundus_utils import config
    from fundus_utils.data import DataError
    from fundus_utils.rfmid_ensemble import data

    monkeypatch.setenv("FUNDUS_DATA", str(tmp_path))    # an empty data folder: no RFMiD at all
    with pytest.raises(DataError, match="notebooks 02-07"):
        data.open_samples(config.load("rfmid_ensemble", "real"))
