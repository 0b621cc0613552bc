"""Glaucoma ensemble of Zhao et al.: GAP-ResNet members, ensemble rule, metrics, LODO folds, disc crops, Table 1."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from fundus_utils import config
from fundus_utils.models import create_model, list_models
from fundus_utils.refuge_ensemble import classification as cls
from fundus_utils.refuge_ensemble import datasets_table as dt
from fundus_utils.refuge_ensemble import disc_crop, lodo


# ------------------------------------------------------------------------------- members

@pytest.mark.parametrize("variant", cls.MEMBERS)
def test_member_logits_shape_with_tiny_backbone(variant):
    net = create_model("gap_resnet", variant=variant, backbone="resnet_narrow", cc_reduction=2).eval()
    with torch.no_grad():
        out = net(torch.randn(3, 3, 32, 32))
    assert out.shape == (3, 2)
    assert net.features(torch.randn(2, 3, 32, 32)).shape == (2, net.feature_dim)


def test_feature_dims_of_the_multi_scale_heads():
    dims = {v: create_model("gap_resnet", variant=v, backbone="resnet_narrow", cc_reduction=2).feature_dim
            for v in cls.MEMBERS}
    # resnet_narrow stages: layer2 32, layer3 64, layer4 128 channels
    assert dims == {"full": 128, "disc": 128, "2gap": 64 + 128, "3gap": 32 + 64 + 128, "cc": 64}
    r50 = create_model("gap_resnet", variant="3gap", backbone="resnet50")   # the paper's backbone
    assert r50.feature_dim == 512 + 1024 + 2048 and r50.trunk.feature_info.channels()[-2:] == [1024, 2048]


def test_registry_and_bad_variant():
    assert "gap_resnet" in list_models()
    with pytest.raises(ValueError, match="unknown GAP-ResNet variant"):
        create_model("gap_resnet", variant="4gap", backbone="resnet_narrow")
    with pytest.raises(ValueError, match="no pretrained weights"):
        create_model("gap_resnet", backbone="resnet_narrow", pretrained=True)


# ------------------------------------------------------------------------ ensemble, metrics

def test_ensemble_is_the_unweighted_mean_of_member_probabilities():
    probs = {"full": np.array([0.1, 0.9]), "disc": np.array([0.3, 0.5]), "cc": np.array([0.2, 0.4])}
    np.testing.assert_allclose(cls.ensemble_probability(probs), [0.2, 0.6])
    np.testing.assert_allclose(cls.ensemble_probability(probs, ["full", "disc"]), [0.2, 0.7])
    with pytest.raises(KeyError, match="2gap"):
        cls.ensemble_probability(probs, ["full", "2gap"])


def test_sensitivity_at_85_specificity_hand_computed():
    neg = np.arange(20) / 20                    # 0.00 ... 0.95
    pos = np.array([0.99, 0.97, 0.93, 0.91, 0.86, 0.5, 0.4, 0.3, 0.2, 0.1])
    y = np.r_[np.zeros(20), np.ones(10)]
    p = np.r_[neg, pos]
    # threshold 0.85: 3 of 20 negatives above (specificity 0.85), 5 of 10 positives -> 0.5;
    # threshold 0.80 would cost a 4th false positive (specificity 0.80).
    assert cls.sensitivity_at_specificity(y, p, 0.85) == pytest.approx(0.5)
    assert cls.sensitivity_at_specificity(y, p, 0.80) == pytest.approx(0.5)
    assert cls.sensitivity_at_specificity(y, p, 0.50) == pytest.approx(0.6)   # 10 negatives, 6 positives >= 0.5
    assert cls.sensitivity_at_specificity(y, p, 0.0) == pytest.approx(1.0)
    assert np.isnan(cls.sensitivity_at_specificity(np.zeros(4), np.arange(4.0)))


def test_auc_ci_matches_sklearn_and_brackets_it():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    p = y * 0.8 + rng.normal(0, 0.6, 80)
    auc, lo, hi = cls.auc_ci(y, p, n_boot=300)
    assert auc == pytest.approx(roc_auc_score(y, p))
    assert lo < auc < hi and 0 <= lo and hi <= 1
    assert cls.auc_ci([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], n_boot=200) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="labels must be 0/1"):
        cls.auc_ci([0, 2], [0.1, 0.2])


def test_step_schedule_decays_every_step_epochs():
    from fundus_utils.train.schedules import step_lr

    sched = step_lr(1e-3, epochs=200, every=30, factor=0.1)  # the chapter's one step schedule
    assert sched(0.0) == pytest.approx(1e-3)
    assert sched(29.9 / 200) == pytest.approx(1e-3)
    assert sched(30 / 200) == pytest.approx(1e-4)
    assert sched(0.999) == pytest.approx(1e-3 * 0.1 ** 6)


@pytest.mark.parametrize("schedule", ["one_cycle", "step"])
def test_fit_member_runs_and_predicts_probabilities(schedule):
    cfg = config.load("refuge_ensemble", "smoke", cls=dict(epochs=2, bs=8, schedule=schedule, lr_step=1))
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (24, 32, 32, 3), dtype=np.uint8)
    y = np.r_[np.zeros(12), np.ones(12)].astype(int)
    learn = cls.fit_member("2gap", x[:16], y[:16], x[16:], y[16:], cfg, progress=False)
    p = cls.predict_member(learn, x, cfg)
    assert p.shape == (24,) and ((p >= 0) & (p <= 1)).all()
    if schedule == "step":  # lr x0.1 after every epoch (cls.lr_step=1): ParamScheduler's record
        lrs = learn.recorder.hps["lr"]
        assert lrs[0] == pytest.approx(cfg.cls.lr) and lrs[-1] == pytest.approx(cfg.cls.lr * 0.1)
    with pytest.raises(ValueError, match="single class"):
        cls.fit_member("full", x[:8], np.zeros(8), x[8:], y[8:], cfg, progress=False)


# ------------------------------------------------------------------------------------ LODO

def _table() -> pd.DataFrame:
    rows = []
    for i in range(36):
        dev = ("a", "b", "c")[i % 3]
        rows.append(dict(image_id=f"im{i}", image=f"/x/im{i}.png", patient_id=f"p{i // 2}", eye="L", dataset="toy",
                         device=dev if i // 2 * 2 == i else ("a", "b", "c")[(i - 1) % 3],
                         split=("train", "val", "test")[(i // 2) % 3], fold=-1, glaucoma=float(i % 4 == 0),
                         od_mask=f"/x/m{i}.png"))
    t = pd.DataFrame(rows)
    t.loc[5, "glaucoma"] = np.nan      # an unlabelled image
    return t


def test_lodo_never_trains_on_the_held_out_domain():
    t = _table()
    folds = lodo.domain_folds(t, "device", monitor_fraction=0.2)
    assert [f.name for f in folds] == ["a", "b", "c"]
    for f in folds:
        lodo.check_fold(t, f, "device")
        fit = np.concatenate([f.train, f.valid, f.locator])
        assert not (t["device"].to_numpy()[fit] == f.name).any()
        expected = np.flatnonzero((t["device"] == f.name).to_numpy() & t["glaucoma"].notna().to_numpy())
        np.testing.assert_array_equal(np.sort(f.test), expected)
        assert len(f.valid) > 0 and not np.intersect1d(f.train, f.valid).size
        assert t["glaucoma"].iloc[np.concatenate([f.train, f.valid])].notna().all()


def test_check_fold_catches_leaks():
    t = _table()
    f = lodo.domain_folds(t, "device")[0]
    bad = lodo.Fold(f.name, f.scenario, np.r_[f.train, f.test[:1]], f.valid, f.test, f.locator, f.held_out)
    with pytest.raises(AssertionError, match="test rows also train"):
        lodo.check_fold(t, bad, "device")
    other = np.flatnonzero(t["device"].to_numpy() == f.name)
    bad = lodo.Fold(f.name, f.scenario, f.train, f.valid, f.test[1:], np.r_[f.locator, f.test[:1]], f.held_out)
    with pytest.raises(AssertionError, match="held-out domain"):
        lodo.check_fold(t, bad, "device")
    assert len(other)
    with pytest.raises(ValueError, match="at least 2 domains"):
        lodo.domain_folds(t, "device", ["a"])


def test_in_domain_fold_is_a_patient_level_split():
    t = _table()
    f = lodo.in_domain_fold(t, "device", monitor_fraction=0.2)
    lodo.check_fold(t, f, "device")
    assert (t["split"].iloc[f.test] == "test").all()
    assert not (t["split"].iloc[np.concatenate([f.train, f.valid, f.locator])] == "test").any()


# ------------------------------------------------------------------------------- disc crop

def _disc_map(size=64, cx=40, cy=24, r=6):
    yy, xx = np.mgrid[:size, :size]
    return ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r).astype(float)


def test_disc_box_around_a_known_disc():
    b = disc_crop.disc_boxes(_disc_map()[None], image_size=64, factor=2.0)
    x0, y0, side = b.boxes[0]
    assert side == pytest.approx(2 * 13)                        # diameter 13 px (radius 6)
    assert x0 + side / 2 - 0.5 == pytest.approx(40, abs=0.01) and y0 + side / 2 - 0.5 == pytest.approx(24, abs=0.01)
    b2 = disc_crop.disc_boxes(_disc_map()[None], image_size=128, factor=2.0)  # maps scale to the image
    assert b2.boxes[0, 2] == pytest.approx(52) and b2.n_fallback == 0
    img = np.zeros((1, 64, 64, 3), np.uint8)
    img[0][_disc_map() > 0] = 255
    crop = disc_crop.crop_discs(img, b, 26)[0]
    assert crop[13, 13].min() == 255 and crop[0, 0].max() == 0   # disc in the middle, background at the corner


def test_disc_component_prefers_a_round_blob_over_a_larger_arc():
    m = _disc_map(r=4) > 0
    yy, xx = np.mgrid[:64, :64]
    rr = np.hypot(xx - 32, yy - 32)
    m |= (rr > 29) & (rr < 31.5) & (xx < 20)                     # a thin arc of the field-of-view rim
    comp = disc_crop.disc_component(m)
    assert comp.sum() == (_disc_map(r=4) > 0).sum()


def test_empty_prediction_errors_or_falls_back_with_a_count():
    probs = np.stack([_disc_map(), np.zeros((64, 64))])
    with pytest.raises(ValueError, match=r"no optic disc predicted.*'img1'"):
        disc_crop.disc_boxes(probs, 64, fallback=None, ids=["img0", "img1"])
    with pytest.warns(RuntimeWarning, match="no disc predicted in 1 of 2"):
        b = disc_crop.disc_boxes(probs, 64, fallback="centre", fallback_diameter=0.25)
    assert b.n_fallback == 1 and b.fallback.tolist() == [False, True]
    assert b.boxes[1, 2] == pytest.approx(2 * 16)                # 0.25 x 64 px disc at the centre
    with pytest.raises(ValueError, match="empty batch"):
        disc_crop.disc_boxes(np.zeros((0, 64, 64)), 64)


def test_stretch_contrast_spans_the_range():
    x = np.full((2, 8, 8, 3), 100, np.uint8)
    x[:, :4] = 120
    s = disc_crop.stretch_contrast(x)
    assert s.min() == 0 and s.max() == 255


# -------------------------------------------------------------------------------- Table 1

def test_table1_from_manifests_matches_the_paper_where_documented():
    paper, man = dt.paper_table(), dt.from_manifests()
    for name in ("REFUGE", "ORIGA", "RIM-ONE-r3", "ACRIMA"):
        assert (int(man.loc[name, "glaucoma"]), int(man.loc[name, "non_glaucoma"])) == \
               (int(paper.loc[name, "glaucoma"]), int(paper.loc[name, "non_glaucoma"]))
        assert man.loc[name, "od_oc_gt"] == paper.loc[name, "od_oc_gt"]
        assert man.loc[name, "fovea_gt"] == paper.loc[name, "fovea_gt"]
    fake = {"counts": {"train": 10, "test": 10}, "class_counts": {"train": {"glaucoma": 4}}, "masks": {"od_mask": "x"}}
    got = dt.manifest_counts(fake)
    assert (got["glaucoma"], got["non_glaucoma"], got["od_oc_gt"]) == (4, 6, "No")
    assert "train only" in got["note"]


def test_lodo_on_real_data_stops_clearly_when_datasets_are_missing(tmp_path, monkeypatch):
    from fundus_utils.data.errors import MissingDatasetError

    monkeypatch.setenv("FUNDUS_DATA", str(tmp_path))        # an empty data root
    cfg = config.load("refuge_ensemble", "full", device="cpu")
    with pytest.raises(MissingDatasetError, match=r"(?s)at least 2 datasets.*ORIGA.*data_manifests/ACRIMA.yaml"):
        lodo.open_domains(cfg)


# ------------------------------------------------------------------------------------ bars

def _predictions(rng, signal=1.5):
    """Long predictions of three LODO folds (one domain each) and an in-domain fold, members + ensemble."""
    frames = []
    for scenario, folds, n in (("LODO", ("a", "b", "c"), 120), (lodo.IN_DOMAIN, (lodo.IN_DOMAIN,), 90)):
        for fold in folds:
            y = (rng.uniform(size=n) < 0.4).astype(int)
            ids = [f"{fold}{i}" for i in range(n)]
            probs = {m: 1 / (1 + np.exp(-(signal * y + rng.normal(0, 1, n)))) for m in ("full", "disc")}
            probs["ensemble"] = cls.ensemble_probability(probs)
            if scenario == lodo.IN_DOMAIN:
                probs["disc" + lodo.NO_STRETCH] = rng.uniform(size=n)
            for m, p in probs.items():
                frames.append(pd.DataFrame({"scenario": scenario, "fold": fold, "image_id": ids, "domain": fold,
                                            "split": "test", "y": y, "model": m, "prob": p}))
    return pd.concat(frames, ignore_index=True)


def test_pooled_lodo_bar_uses_every_held_out_image_once():
    rng = np.random.default_rng(0)
    pred = _predictions(rng)
    y, p = lodo.pooled(pred)
    assert len(y) == 360 and len(p) == 360
    bars = lodo.bars(pred)
    assert [b.n for b in bars] == [90, 360]
    assert all(b.passed for b in bars) and bars[1].baseline == 0.5
    assert (bars[1].hi - bars[1].lo) < (bars[0].hi - bars[0].lo)  # pooling tightens the interval
    # a fold that held out an image twice is not a partition
    dup = pd.concat([pred, pred[(pred["fold"] == "a")].assign(fold="b")], ignore_index=True)
    with pytest.raises(ValueError, match="more than one"):
        lodo.pooled(dup)
    # no signal: the bars fail (check_bars names them)
    from fundus_utils.evaluation import check_bars

    chance = _predictions(np.random.default_rng(1), signal=0.0)
    with pytest.raises(AssertionError, match="pooled held-out"):
        check_bars(lodo.bars(chance))


def test_comparisons_report_the_best_member_and_the_stretch_ablation():
    pred = _predictions(np.random.default_rng(2))
    rows = lodo.comparisons(pred, ["full", "disc"])
    names = [b.name for b in rows]
    assert any("best member" in n and "in-domain" in n for n in names)
    assert any("best member" in n and "pooled LODO" in n for n in names)
    abl = [b for b in rows if "ablation" in b.name]
    assert len(abl) == 1 and abl[0].baseline == pytest.approx(
        roc_auc_score(*[pred[(pred["model"] == "disc" + lodo.NO_STRETCH)][c] for c in ("y", "prob")]))


def test_member_training_follows_the_seed():
    cfg = config.load("refuge_ensemble", "smoke", **{"cls.epochs": 1, "cls.bs": 8})
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (24, 32, 32, 3), dtype=np.uint8)
    y = np.r_[np.zeros(12), np.ones(12)].astype(int)
    p = [cls.predict_member(cls.fit_member("full", x[:16], y[:16], x[16:], y[16:], cfg, seed=s, progress=False),
                            x, cfg) for s in (0, 0, 1)]
    assert np.array_equal(p[0], p[1]) and not np.allclose(p[0], p[2])


def test_asserted_bars_follow_the_configured_scopes():
    pred = _predictions(np.random.default_rng(3))
    bars = lodo.bars(pred)
    assert lodo.asserted(bars, ("pooled",)) == [False, True]
    assert lodo.asserted(bars, ("in-domain", "pooled")) == [True, True]
    assert lodo.asserted(bars, ()) == [False, False]
    with pytest.raises(ValueError, match="unknown scopes"):
        lodo.asserted(bars, ("lodo",))
    for profile in ("smoke", "real", "full"):  # every profile names known scopes
        lodo.asserted(bars, config.load("refuge_ensemble", profile).cls.asserted_bars)


def test_at_a_glance_reads_the_chapter_results(tmp_path) -> None:
    import pandas as pd
    from types import SimpleNamespace

    from fundus_utils.refuge_ensemble import glance

    cfg = SimpleNamespace(results_dir=tmp_path, profile="smoke")
    pd.DataFrame({"name": ["OC Dice, CE-Net vs shape prior (twin)", "OD Dice, CE-Net vs shape prior (twin)"],
                  "method": [0.8, 0.9], "baseline": [0.7, 0.9], "gain": [0.1, 0.0], "lo": [0.05, -0.01],
                  "hi": [0.15, 0.01], "n": [75, 75]}).to_csv(tmp_path / "re_seg_bars.csv", index=False)
    table = glance.at_a_glance(cfg)
    assert len(table) == len(glance.CLAIMS) and (table["paper"] == glance.NOT_GIVEN).all()
    cup = table.loc["CE-Net segments the optic cup"]
    assert "0.800 vs 0.700, gain +0.100 [+0.050, +0.150] (n = 75)" in cup.iloc[1] and cup.iloc[3].startswith("better")
    assert table.loc["CE-Net segments the optic disc"].iloc[3].startswith("no difference")
    assert table.loc["bi-distance regression locates the fovea"].iloc[1].startswith("not run (notebook 03")
