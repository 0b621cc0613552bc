"""Bars (paired comparisons with a baseline), DeLong's test and the image-blind baselines."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from fundus_utils.evaluation import (auc_rank, bars_table, check_bars, delong_test, mean_position, paired_auc,
                                     paired_mean, place_prior, prevalence_prior, shape_prior)


def _slow_delong(y, a, b):
    """DeLong's variance from its O(m n) definition (psi kernel), for two scores."""
    pos, neg = y == 1, y == 0
    out = []
    for s in (a, b):
        x, z = s[pos][:, None], s[neg][None, :]
        psi = (x > z) + 0.5 * (x == z)
        out.append((psi.mean(1), psi.mean(0)))
    s10 = np.cov(np.vstack([out[0][0], out[1][0]]))
    s01 = np.cov(np.vstack([out[0][1], out[1][1]]))
    cov = s10 / pos.sum() + s01 / neg.sum()
    return np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])


def test_auc_rank_matches_sklearn_with_ties_and_batches():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    s = np.round(rng.normal(size=(5, 60)) + y, 1)  # rounding makes ties
    batch = auc_rank(y, s)
    assert np.allclose(batch, [roc_auc_score(y, r) for r in s])
    assert auc_rank(y, s[0]) == pytest.approx(roc_auc_score(y, s[0]))
    assert np.isnan(auc_rank(np.ones(5), s[0, :5]))


def test_delong_matches_its_definition_and_detects_a_better_score():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 120).astype(float)
    a = y * 1.5 + rng.normal(size=120)
    b = y * 0.3 + rng.normal(size=120)
    r = delong_test(y, a, b)
    assert r["auc_a"] == pytest.approx(roc_auc_score(y, a))
    assert r["se"] == pytest.approx(_slow_delong(y, a, b), rel=1e-9)
    assert r["p"] < 0.01 and r["lo"] > 0
    assert delong_test(y, a, b, alternative="greater")["p"] == pytest.approx(r["p"] / 2)
    same = delong_test(y, a, a)
    assert same["diff"] == 0 and same["p"] == 1.0
    vs_chance = delong_test(y, b, None)
    assert vs_chance["auc_b"] == 0.5
    with pytest.raises(ValueError, match="NaN"):
        delong_test(y, np.where(y > 0, np.nan, a), b)


def test_paired_mean_passes_only_with_a_clear_margin():
    rng = np.random.default_rng(2)
    base = rng.uniform(0.5, 0.7, 200)
    good = paired_mean("good", base + 0.05 + rng.normal(0, 0.02, 200), base)
    tie = paired_mean("tie", base + rng.normal(0, 0.05, 200), base)
    assert good.passed and good.lo > 0 and good.gain == pytest.approx(0.05, abs=0.01)
    assert not tie.passed
    # lower is better (an error in px): the method must be smaller
    err = paired_mean("error", base * 0.5, base, higher_is_better=False)
    assert err.passed and err.gain > 0
    with pytest.raises(AssertionError, match="tie"):
        check_bars([good, tie])
    check_bars([good, err])


def test_a_nan_never_passes_and_misses_are_counted():
    base = np.full(50, 5.0)
    method = np.full(50, 1.0)
    method[:3] = np.nan
    assert not paired_mean("nan error", method, base, higher_is_better=False).passed
    counted = paired_mean("missed = worst", method, base, higher_is_better=False, worst=20.0)
    assert counted.missing == 3 and counted.method == pytest.approx((47 * 1 + 3 * 20) / 50)
    y = np.r_[np.ones(25), np.zeros(25)]
    scores = y + np.linspace(0, 0.1, 50)
    scores[0] = np.nan
    nan_auc = paired_auc("nan auc", y, scores)
    assert not nan_auc.passed and nan_auc.missing == 1
    with pytest.raises(AssertionError, match="nan auc"):
        check_bars([nan_auc])


def test_paired_auc_against_chance_and_against_a_baseline():
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(40), np.zeros(60)]
    strong = y + rng.normal(0, 0.6, 100)
    noise = rng.normal(size=100)
    bar = paired_auc("strong vs chance", y, strong)
    assert bar.passed and bar.baseline == 0.5 and bar.p_delong < 1e-6
    assert not paired_auc("noise vs chance", y, noise).passed
    vs = paired_auc("strong vs noise", y, strong, noise)
    assert vs.passed and vs.baseline == pytest.approx(roc_auc_score(y, noise))
    table = bars_table([bar, vs])
    assert list(table.index) == ["strong vs chance", "strong vs noise"] and table["passed"].all()


def test_bars_are_deterministic():
    rng = np.random.default_rng(4)
    y = np.r_[np.ones(30), np.zeros(30)]
    s = y + rng.normal(size=60)
    assert paired_auc("a", y, s) == paired_auc("a", y, s)


def test_shape_prior_recentres_and_places():
    masks = np.zeros((3, 21, 21), bool)
    masks[0, 2:7, 2:7] = True     # a 5x5 square, top left
    masks[1, 12:17, 10:15] = True  # the same square elsewhere
    masks[2, 0:3, 0:3] = True     # a small one (outvoted)
    prior = shape_prior(masks)
    assert prior.sum() == 25 and prior[8:13, 8:13].all()
    placed = place_prior(prior, 2, np.array([[4.0, 4.0], [np.nan, np.nan]]))
    assert placed[0, 2:7, 2:7].all() and placed[0].sum() == 25
    assert (placed[1] == prior).all()
    assert (place_prior(prior, 4) == prior).all()
    with pytest.raises(ValueError, match="empty"):
        shape_prior(np.zeros((2, 5, 5), bool))


def test_mean_position_ignores_missing_training_positions():
    xy = np.array([[1.0, 2.0], [3.0, 4.0], [np.nan, np.nan]])
    assert (mean_position(xy, 2) == [[2.0, 3.0], [2.0, 3.0]]).all()
    with pytest.raises(ValueError):
        mean_position(np.full((2, 2), np.nan), 1)


def test_prevalence_prior_picks_a_training_threshold():
    rng = np.random.default_rng(0)
    masks = np.zeros((10, 16, 16), bool)
    masks[:, 4:6] = True                        # a structure every image shares
    masks[rng.integers(0, 10, 5), 10] = True    # and one some images have
    fovs = np.ones_like(masks)
    pred, t, train_dice = prevalence_prior(masks, where=fovs)
    assert pred[4:6].all() and not pred[12:].any()
    assert 0.02 <= t <= 0.6 and train_dice > 0.8
    assert (prevalence_prior(masks)[0] == pred).all()


def test_vessel_maps_are_the_whole_fov_and_the_prevalence_map():
    from fundus_utils.evaluation import dice, vessel_maps

    masks = np.zeros((4, 16, 16), bool)
    masks[:, 4:6] = True
    fovs = np.ones_like(masks)
    maps, t, train_dice = vessel_maps(masks, fovs)
    assert set(maps) == {"all FOV", "prevalence map"} and maps["all FOV"].all()
    assert (maps["prevalence map"] == prevalence_prior(masks, where=fovs)[0]).all() and train_dice == 1.0
    p = masks[0].mean()                                  # the all-FOV map's Dice is 2p / (1 + p)
    assert np.isclose(dice(maps["all FOV"], masks[0]), 2 * p / (1 + p))


def test_named_bars_by_prefix_and_typos_refused() -> None:
    from fundus_utils.evaluation.bars import named

    bars = [paired_mean(n, [1.0, 2.0], [0.0, 1.0]) for n in ("PCGrad: OC Dice", "PCGrad: OD Dice", "STL: OC Dice")]
    assert named(bars, ("PCGrad: OC",), "reported_bars") == [True, False, False]
    with pytest.raises(ValueError, match="reported_bars: no bar is named"):
        named(bars, ("PCgrad",), "reported_bars")


def test_verdict_reads_the_interval() -> None:
    from fundus_utils.evaluation import verdict

    assert verdict(0.01, 0.2).startswith("better") and verdict(-0.2, -0.01).startswith("worse")
    assert verdict(-0.1, 0.1).startswith("no difference") and verdict(float("nan"), 0.1).startswith("not computed")
