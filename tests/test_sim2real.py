"""Sim-to-real: partial data roots are scored where present and skipped (with a reason) elsewhere;
image-blind baselines and bars; the scoring grid; seeds."""
from __future__ import annotations

import numpy as np
import pytest

from fundus_utils import config, evaluation
from fundus_utils.synthetic import sim2real, sim2real_cup
from fundus_utils.data.preprocess import letterbox
from fundus_utils.evaluation import dice

from data_fakes import chase_tree, refuge_variant

TINY = dict(batch_size=4, s2r=dict(od_train=8, od_size=32, od_epochs=1, width=4, vessel_train=4, vessel_size=64,
                                   vessel_epochs=1, vessel_patch=32, patches_per_image=1, vessel_bs=2, vessel_width=4,
                                   cup_train=8, cup_source=64, cup_size=32, cup_epochs=1))


@pytest.fixture
def cfg_for(tmp_path, monkeypatch):
    """A smoke config on tiny settings whose data root is ``root`` (cache in tmp)."""
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("FUNDUS_PROGRESS", "0")

    def make(root, **extra):
        cfg = config.load("synthetic", "smoke", **TINY, **extra)
        cfg.data_root = root
        return cfg
    return make


def test_partial_root_scores_present_and_skips_absent(tmp_path, cfg_for):
    root = tmp_path / "data"
    refuge_variant(root / "REFUGE", n_val=2, n_test=4, size=32)
    chase_tree(root / "CHASE_DB1", children=2)
    cfg = cfg_for(root)
    assert sim2real.real_data_available(cfg)
    od, vessels = sim2real.run("od", cfg), sim2real.run("vessels", cfg)
    cov = sim2real.coverage_table([od, vessels])
    assert cov.loc[("od", "REFUGE"), "status"] == "scored" and cov.loc[("od", "REFUGE"), "images"] == 4
    assert cov.loc[("od", "Drishti-GS1"), "status"] == "skipped"
    assert "Drishti" in cov.loc[("od", "Drishti-GS1"), "reason"]
    assert cov.loc[("vessels", "DRIVE"), "status"] == "skipped" and "DRIVE" in cov.loc[("vessels", "DRIVE"), "reason"]
    assert cov.loc[("vessels", "CHASE_DB1"), "status"] == "scored" and cov.loc[("vessels", "CHASE_DB1"), "images"] == 4
    assert set(od.scores["dataset"]) == {"REFUGE"} and set(vessels.scores["dataset"]) == {"CHASE_DB1"}
    assert {"shape prior", "prevalence map"} <= set(od.scores) and {"all FOV", "prevalence map"} <= set(vessels.scores)
    bars = sim2real.bars([od, vessels])
    assert [b.n for b in bars] == [4, 4]
    assert "REFUGE" in bars[0].name and "CHASE_DB1" in bars[1].name
    assert len(evaluation.bars_table(bars)) == 2
    # the summaries carry issue 13's goal per (task, set)
    assert sim2real.summarise(od)["goal"].tolist() == [0.88]
    assert sim2real.summarise(vessels)["goal"].tolist() == [0.60]
    # the disc-crop stage scores the same REFUGE pictures' cups, none dropped
    cups = sim2real_cup.run(cfg)
    assert len(cups) == 4 and cups.scores["cup dice"].notna().all() and cups.scores["vcdr"].notna().all()
    assert set(sim2real_cup.summarise(cups.scores)["dataset"]) == {"REFUGE"}
    assert od.facts["twin"] in cups.twins


def test_no_data_root_trains_nothing(cfg_for):
    cfg = cfg_for(None)
    assert not sim2real.real_data_available(cfg)
    runs = [sim2real.run(task, cfg) for task in sim2real.TASKS]
    assert all(not r.scored and r.facts["model"] is None for r in runs)
    assert (sim2real.coverage_table(runs)["status"] == "skipped").all()
    bars = sim2real.bars(runs)
    assert bars == [] and evaluation.bars_table(bars).empty
    evaluation.check_bars(bars)  # nothing to check


def test_seed_changes_training(tmp_path, cfg_for):
    root = tmp_path / "data"
    refuge_variant(root / "REFUGE", n_val=1, n_test=3, size=32)
    runs = [sim2real.run("od", cfg_for(root, seed=seed)) for seed in (0, 5)]
    wa, wc = (next(r.facts["model"].parameters()).detach().numpy().copy() for r in runs)
    assert not np.allclose(wa, wc), "another seed must change the training"
    assert runs[0].facts["twin"] != runs[1].facts["twin"], "the twin is drawn from cfg.seed too"
    # the cup notebook's stage 1 is this very network, read back from the result cache
    again = next(sim2real.twin_model("od", cfg_for(root, seed=5))[0].parameters()).detach().numpy()
    assert np.array_equal(again, wc)
    # a cache hit reports what the training cost when it ran, not the time to read it back
    hit = sim2real.run("od", cfg_for(root, seed=5))
    assert hit.facts["train_s"] == runs[1].facts["train_s"] > 0


@pytest.mark.parametrize("hw,score_size", [((584, 565), 256), ((960, 999), 300), ((512, 512), None)])
def test_scoring_grid_round_trip(hw, score_size):
    """A prediction that is the reference itself (letterboxed) maps back onto the scoring grid."""
    yy, xx = np.mgrid[:hw[0], :hw[1]]
    mask = np.hypot(yy - hw[0] * 0.4, xx - hw[1] * 0.3) < min(hw) * 0.1
    small, box = letterbox(mask.astype(np.float32), 128)
    ref = sim2real._to_score_grid(mask, box, score_size)
    expected = hw if score_size is None else (round(hw[0] * score_size / max(hw)), round(hw[1] * score_size / max(hw)))
    assert ref.shape == expected
    assert dice(sim2real.to_score_grid(small, box, score_size) >= 0.5, ref) > 0.95


def test_asserted_sets_select_bars_by_dataset():
    from fundus_utils.evaluation import Bar

    bars = [Bar(f"{d} OD Dice: twin U-Net vs shape prior", 0.6, 0.5, 0.1, 0.05, 0.15, 10, 0, 0.0)
            for d in ("REFUGE", "Drishti-GS1")]
    assert sim2real.asserted(bars, ("REFUGE", "DRIVE")) == [True, False]
    assert sim2real.asserted(bars, None) == [True, True]


def test_crop_round_trip_and_cup_prior():
    yy, xx = np.mgrid[:200, :300]
    disc = np.hypot(yy - 80, xx - 120) < 20
    crop, box = sim2real_cup._crop(disc.astype(np.float32), (120, 80), 100, 64)
    assert crop[32, 32] > 0.5 and crop[2, 2] < 0.5
    back = sim2real_cup._uncrop(crop, box, disc.shape) > 0.5
    assert dice(back, disc) > 0.95
    cup = sim2real_cup._prior_cup(disc, 0.5)
    assert cup.sum() / disc.sum() == pytest.approx(0.25, rel=0.15) and not (cup & ~disc).any()
