"""Bi-distance map, LoG peak finding and landmark assignment (Zhao et al. / Meyer et al. 2018)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from fundus_utils.refuge_ensemble import fovea as fv


def test_bidistance_map_values() -> None:
    od, fov = (10.0, 20.0), (40.0, 24.0)
    m = fv.bi_distance_map(od, fov, (48, 64), gamma=7)
    assert m.shape == (48, 64) and m.dtype == np.float32
    assert m[20, 10] == pytest.approx(1.0) and m[24, 40] == pytest.approx(1.0)  # 1 at both landmarks
    assert m.min() == pytest.approx(0.0, abs=1e-12) and 0 <= m.min() <= m.max() <= 1
    yy, xx = np.indices(m.shape)
    far = np.minimum(np.hypot(xx - od[0], yy - od[1]), np.hypot(xx - fov[0], yy - fov[1]))
    assert m[np.unravel_index(far.argmax(), m.shape)] == pytest.approx(0.0, abs=1e-12)  # 0 at the farthest pixel
    ray = m[24, 40:]  # moving away from the fovea along a row: strictly decreasing
    assert np.all(np.diff(ray) < 0)
    # gamma governs the spread: a larger gamma is smaller everywhere off the landmarks
    assert np.all(fv.bi_distance_map(od, fov, (48, 64), gamma=15) <= m + 1e-7)


def test_bidistance_map_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="fovea_xy"):
        fv.bi_distance_map((1, 2), (np.nan, 3), 16)
    with pytest.raises(ValueError, match="gamma"):
        fv.bi_distance_map((1, 2), (3, 4), 16, gamma=0)
    with pytest.raises(ValueError, match="od_xy"):
        fv.bi_distance_map((1, 2, 3), (3, 4), 16)


def test_log_peaks_recover_two_blobs() -> None:
    yy, xx = np.indices((64, 80))
    blob = lambda x, y, s, a: a * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * s ** 2))  # noqa: E731
    noise = np.random.default_rng(0).normal(0, 0.01, xx.shape)
    m = blob(15, 30, 3, 1.0) + blob(55, 36, 3, 0.7) + noise
    peaks = fv.log_peaks(m, sigma=3)
    assert peaks.shape == (2, 3)
    assert np.allclose(peaks[0, :2], (15, 30), atol=1) and np.allclose(peaks[1, :2], (55, 36), atol=1)
    assert peaks[0, 2] > peaks[1, 2] > 0
    assert len(fv.log_peaks(np.zeros((16, 16)), sigma=2)) == 0  # flat map: no peak
    with pytest.raises(ValueError, match="2-D"):
        fv.log_peaks(np.zeros((2, 8, 8)), sigma=2)
    with pytest.raises(ValueError, match="NaN"):
        fv.log_peaks(np.full((8, 8), np.nan), sigma=2)


def test_perfect_map_gives_both_landmarks_with_the_brightness_rule() -> None:
    size, od, fov = 64, np.array([16.0, 30.0]), np.array([44.0, 34.0])
    img = np.full((size, size, 3), 120, np.uint8)
    yy, xx = np.indices((size, size))
    img[np.hypot(xx - od[0], yy - od[1]) < 5] = 230   # bright disc
    img[np.hypot(xx - fov[0], yy - fov[1]) < 5] = 40   # dark fovea
    m = fv.bi_distance_map(od, fov, size)
    pred_od, pred_fov = fv.locate_bidistance(m[None], img[None].transpose(0, 3, 1, 2), sigma=2.5)
    assert np.hypot(*(pred_od[0] - od)) <= 1 and np.hypot(*(pred_fov[0] - fov)) <= 1
    # swap the picture's bright and dark spots: the assignment follows the image
    swapped = img.copy()
    swapped[np.hypot(xx - od[0], yy - od[1]) < 5], swapped[np.hypot(xx - fov[0], yy - fov[1]) < 5] = 40, 230
    pred_od, pred_fov = fv.locate_bidistance(m[None], swapped[None], sigma=2.5)
    assert np.hypot(*(pred_od[0] - fov)) <= 1
    # no peak at all: both missing
    o, f = fv.assign_landmarks(np.zeros((0, 3)), img, 3)
    assert np.isnan(o).all() and np.isnan(f).all()


def test_heatmap_baseline_errors_and_summary() -> None:
    maps = np.zeros((2, 32, 32), np.float32)
    maps[0, 10, 20] = maps[1, 5, 6] = 1
    fov = fv.locate_heatmap(maps)
    assert np.allclose(fov, [[20, 10], [6, 5]])
    e = fv.errors(fov, np.array([[23, 14], [6, 5]]), np.array([10.0, 5.0]))
    assert np.allclose(e["error_px"], [5, 0]) and np.allclose(e["error_dd"], [0.5, 0])
    table = fv.summarise({("m", "fovea"): e, ("chance", "fovea"): fv.errors(fv.random_points(2, 32), fov, [10, 5])})
    assert table.loc[("m", "fovea"), "mean_px"] == pytest.approx(2.5) and table.loc[("m", "fovea"), "within 1 DD"] == 1
    pts = fv.random_points(100, 32, seed=1)
    assert pts.shape == (100, 2) and pts.min() >= 0 and pts.max() <= 32


def test_map_loss_and_targets() -> None:
    loss = fv.MapLoss("l2")
    assert loss(torch.zeros(1, 1, 4, 4), torch.ones(1, 1, 4, 4)).item() == pytest.approx(1.0)
    assert fv.MapLoss("l1", "sigmoid")(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="loss"):
        fv.MapLoss("huber")
    d = fv.LandmarkData(np.array(["a", "b"]), np.zeros((2, 3, 16, 16), np.uint8), np.array([[3.0, 4], [5, 6]]),
                        np.array([[10.0, 8], [np.nan, np.nan]]), np.array([4.0, 4.0]), 16)
    with pytest.raises(ValueError, match="b"):
        fv.target_maps(d, "bidistance")
    assert fv.target_maps(d.subset([0]), "bidistance").shape == (1, 16, 16)
    heat = fv.target_maps(d, "heatmap")
    assert heat[0].max() == pytest.approx(1.0, abs=0.05) and heat[1].max() == 0
    with pytest.raises(ValueError, match="kind"):
        fv.target_maps(d, "distance")


def _landmark_case(seed: int, n: int = 40, size: int = 64):
    """Test/train landmarks (disc diameter 8 px) and fovea predictions 1 px off the truth."""
    rng = np.random.default_rng(seed)
    truth_fov = rng.uniform(20, 44, (n, 2))
    truth_od = rng.uniform(10, 54, (n, 2))
    diam = np.full(n, 8.0)
    test = fv.LandmarkData(np.arange(n).astype(str), np.zeros((n, 3, size, size), np.uint8), truth_od, truth_fov,
                           diam, size)
    train = fv.LandmarkData(np.arange(n).astype(str), np.zeros((n, 3, size, size), np.uint8),
                            rng.uniform(10, 54, (n, 2)), rng.uniform(20, 44, (n, 2)), diam, size)
    return n, size, truth_fov, truth_od, diam, test, train, truth_fov + rng.normal(0, 1, (n, 2))


def test_fovea_bars_count_misses_at_the_image_diagonal() -> None:
    n, size, truth_fov, truth_od, diam, test, train, pred_fov = _landmark_case(0)
    pred_fov[:2] = np.nan  # two misses
    preds = {"bidistance": {"od": truth_od + 0.5, "fovea": pred_fov}}
    bars = fv.bars(preds, test, train, label="toy", summary="mean")
    fov, od = bars
    assert fov.name.startswith("fovea") and od.name.startswith("OD centre") and fov.name.endswith("(toy)")
    assert fov.missing == 2 and od.missing == 0 and od.passed
    assert not fov.passed  # two misses at ~11 DD each outweigh 38 good answers' gain at n = 40
    found = fv.bars({"bidistance": {"od": truth_od, "fovea": np.where(np.isnan(pred_fov), truth_fov, pred_fov)}},
                    test, train, summary="mean")[0]
    assert found.missing == 0 and found.passed
    errs = np.hypot(*(pred_fov[2:] - truth_fov[2:]).T) / 8
    assert fov.method == pytest.approx((errs.sum() + 2 * np.hypot(size, size) / 8) / n)
    # a landmark without ground truth gets no bar
    no_fov = fv.LandmarkData(test.image_id, test.x, truth_od, np.full((n, 2), np.nan), diam, size)
    assert [b.name.split(" error")[0] for b in fv.bars(preds, no_fov, train)] == ["OD centre"]


def test_fovea_median_bars_resist_a_few_large_errors_but_count_misses() -> None:
    n, size, truth_fov, truth_od, diam, test, train, pred_fov = _landmark_case(1)
    pred_fov[:2] = np.nan  # two misses: fail the mean bar, not the median one
    preds = {"bidistance": {"od": truth_od + 0.5, "fovea": pred_fov}}
    fov_med, od_med = fv.bars(preds, test, train, label="toy")
    assert "median" in fov_med.name and fov_med.name.startswith("fovea") and fov_med.name.endswith("(toy)")
    assert fov_med.missing == 2 and fov_med.passed and od_med.passed
    assert not fv.bars(preds, test, train, summary="mean")[0].passed
    # misses are scored at the worst value, not dropped: with most landmarks missed the median bar fails
    pred_fov[: n // 2 + 1] = np.nan
    worst = fv.bars({"bidistance": {"od": truth_od, "fovea": pred_fov}}, test, train)[0]
    assert worst.missing == n // 2 + 1 and not worst.passed
    assert worst.method == pytest.approx(np.hypot(size, size) / 8)
    with pytest.raises(ValueError, match="summary"):
        fv.bars(preds, test, train, summary="mode")
