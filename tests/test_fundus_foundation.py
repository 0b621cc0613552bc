"""The fundus foundation-model chapter: the screening twin, the upstream pretraining, its cache, the linear probe."""
from __future__ import annotations

import albumentations as A
import numpy as np
import pandas as pd
import pytest
import torch

from fundus_utils import config, data
from fundus_utils.fundus_foundation import downstream, upstream
from fundus_utils.train.loaders import albumentations_batch

# one tiny twin shared by the upstream and downstream tasks, as in smoke (its test patients are downstream)
_TWIN = {"n": 90, "size": 32, "seed": 5, "devices": ["canon"], "split_fractions": [0.5, 0.0, 0.5]}
TINY = {"upstream.twin": _TWIN, "downstream.twin": _TWIN, "downstream.folds": 2, "downstream.lp.epochs": 3,
        "downstream.ft.epochs": 1, "downstream.ft.bs": 8, "downstream.ft.folds": None,
        "upstream.epochs": 1, "upstream.bs": 16, "standin.n": 64, "standin.size": 32, "standin.epochs": 1,
        "standin.bs": 16, "resolutions": [16, 32], "asserted_resolutions": [32], "downstream.ft.resolutions": None}


def test_screening_twin_is_abnormal_exactly_when_an_eye_has_findings():
    table = data.open_dataset("synthetic-screening", n=80, size=32, seed=3)
    has_findings = table["findings"].fillna("").astype(str) != ""
    assert (table["abnormal"] == has_findings.astype(int)).all()
    assert 0.05 < table["abnormal"].mean() < 0.4          # 8:2 on 80 eyes
    assert (table.loc[table["abnormal"] == 0, "glaucoma"] == 0).all()
    assert set(table["split"]) <= {"train", "test"}


def test_screening_twin_draws_findings_from_its_pool_only():
    pool = ["drusen", "laser_scars"]
    table = data.open_dataset("synthetic-screening", n=40, size=32, seed=3, abnormal_rate=0.5, findings=pool)
    drawn = {f for fs in table["findings"].fillna("").astype(str) for f in fs.split("|") if f}
    assert drawn and drawn <= set(pool)
    with pytest.raises(ValueError, match="non-empty subset"):
        data.open_dataset("synthetic-screening", n=40, size=32, seed=3, findings=["drusen", "warts"])


def test_full_profile_names_what_the_upstream_set_must_be():
    cfg = config.load("fundus_foundation", "full", device="cpu")
    with pytest.raises(ValueError, match="'abnormal' column"):
        upstream.upstream_table(cfg)


def test_albumentations_batch_keeps_shape_range_and_labels():
    x, y = torch.rand(4, 3, 16, 16), torch.tensor([0, 1, 0, 1])
    out, labels = albumentations_batch(A.Compose([A.ToGray(num_output_channels=3, p=1.0), A.CLAHE(p=1.0)]))(x, y)
    assert out.shape == x.shape and out.dtype == torch.float32 and 0 <= out.min() and out.max() <= 1
    assert torch.equal(labels, y)
    assert torch.allclose(out[:, 0], out[:, 1]) and torch.allclose(out[:, 1], out[:, 2])  # greyscale


def test_inits_and_the_upstream_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **TINY)
    assert upstream.trunk("Scratch", cfg, 32) is None
    assert upstream.training_sizes(cfg) == [32]          # smoke: one upstream model, at the top rung
    assert upstream.training_size(cfg, 16) == 32
    with pytest.raises(ValueError, match="not a rung"):
        upstream.training_size(cfg, 24)
    assert "stand-in" in upstream.imagenet_label(cfg)
    first = upstream.fundus_trunk(cfg, 32, from_imagenet=True)
    again = upstream.fundus_trunk(cfg, 32, from_imagenet=True)   # read back (weights_only) from the cache
    for k, v in first["state"].items():
        assert torch.equal(v, again["state"][k])
    test = first["test"]
    assert len(test) == (upstream.upstream_table(cfg)["split"] == "test").sum()
    assert np.isfinite(test["score"]).all() and test["score"].between(0, 1).all()
    scratch = upstream.trunk("Fundus", cfg, 32)
    assert any(not torch.equal(scratch[k], first["state"][k]) for k in scratch)
    with pytest.raises(ValueError, match="unknown initialisation"):
        upstream.trunk("CLIP", cfg, 32)


def test_full_profile_names_what_the_downstream_set_must_be():
    cfg = config.load("fundus_foundation", "full", device="cpu")
    with pytest.raises(ValueError, match="downstream set"):
        downstream.downstream_table(cfg)


def test_downstream_rows_are_the_upstream_test_patients_in_stratified_folds(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **TINY)
    table = downstream.downstream_table(cfg)
    up = upstream.upstream_table(cfg)
    assert set(table["image_id"]) == set(up.loc[up["split"] == "test", "image_id"])
    assert not set(table["patient_id"]) & set(up.loc[up["split"] != "test", "patient_id"])
    assert set(table["cv_fold"]) == {0, 1}
    assert (table.groupby("patient_id")["cv_fold"].nunique() == 1).all()     # a patient stays in one fold
    leaky = config.load("fundus_foundation", "smoke", **{**TINY, "downstream.split": None})
    with pytest.raises(ValueError, match="share .* patients with the upstream"):
        downstream.downstream_table(leaky)


def test_linear_probe_scores_every_picture_out_of_fold_on_batch_independent_features(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **TINY)
    table = downstream.downstream_table(cfg)
    oof = downstream.out_of_fold("LP", "Fundus", cfg, 16, table)
    assert list(oof["image_id"]) == list(table["image_id"])
    assert np.isfinite(oof["score"]).all() and oof["score"].between(0, 1).all()
    # the frozen trunk's BatchNorm uses its running statistics: a picture's features do not depend on its batch
    x = upstream.pictures(table, 16)
    whole, part = downstream.trunk_features("Fundus", cfg, 16, x), downstream.trunk_features("Fundus", cfg, 16, x[:5])
    assert np.allclose(whole[:5], part, atol=1e-5)
    assert oof.equals(downstream.out_of_fold("LP", "Fundus", cfg, 16, table))   # read back from the cache


def test_the_scratch_trunk_is_one_seeded_random_draw_whatever_ran_before(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **TINY)
    x = upstream.pictures(downstream.downstream_table(cfg), 16)
    first = downstream.trunk_features("Scratch", cfg, 16, x)
    state = torch.random.get_rng_state()
    torch.rand(1000)                                            # whatever another section drew in between
    again = downstream.trunk_features("Scratch", cfg, 16, x)
    assert np.array_equal(first, again)
    assert not np.allclose(first, downstream.trunk_features("Scratch", cfg, 16, x, init_seed=cfg.seed + 1))
    torch.random.set_rng_state(state)
    downstream.trunk_features("Scratch", cfg, 16, x)
    assert torch.equal(torch.random.get_rng_state(), state)     # the draw leaves the global generator alone


def test_fine_tuning_scores_every_picture_out_of_fold_and_starts_from_the_init(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **TINY)
    table = downstream.downstream_table(cfg)
    oof = downstream.out_of_fold("FT", "ImageNet", cfg, 16, table)
    assert list(oof["image_id"]) == list(table["image_id"])
    assert np.isfinite(oof["score"]).all() and oof["score"].between(0, 1).all()
    assert not oof["score"].equals(downstream.out_of_fold("LP", "ImageNet", cfg, 16, table)["score"])
    with pytest.raises(ValueError, match="unknown protocol"):
        downstream.out_of_fold("KNN", "ImageNet", cfg, 16, table)


def test_fine_tuning_may_run_in_folds_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "downstream.ft.folds": 3})
    table = downstream.downstream_table(cfg)
    assert set(table["cv_fold"]) == {0, 1} and set(table["ft_fold"]) == {0, 1, 2}
    assert (table.groupby("patient_id")["ft_fold"].nunique() == 1).all()
    assert (table.groupby("ft_fold")["abnormal"].sum() > 0).all()               # stratified: each fold has both labels
    oof = downstream.out_of_fold("FT", "Fundus", cfg, 16, table)
    assert oof["cv_fold"].tolist() == table["ft_fold"].tolist() and np.isfinite(oof["score"]).all()
    same = config.load("fundus_foundation", "smoke", **TINY)                     # None: the probe's folds
    assert downstream.downstream_table(same)["ft_fold"].equals(downstream.downstream_table(same)["cv_fold"])


def test_table1_has_every_init_and_rung_and_a_p_value_against_the_best(monkeypatch, tmp_path):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **TINY)
    table, oofs = downstream.table1(cfg)
    assert len(table) == len(upstream.INITS) * 2 and set(oofs) == {(i, s) for i in upstream.INITS for s in (16, 32)}
    for _, rung in table.groupby("resolution"):
        assert rung["best"].sum() == 1
        assert rung.loc[rung["best"], "DeLong p vs best"].isna().all()
        assert rung.loc[~rung["best"], "DeLong p vs best"].between(0, 1).all()
    assert any("stand-in" in name for name in table["initialisation"])
    bars, asserted = downstream.downstream_bars(oofs, cfg)
    assert len(bars) == len(oofs) and all(b.n == len(next(iter(oofs.values()))) for b in bars)
    assert asserted == [size == 32 and init != "Scratch" for init, size in oofs]   # rungs and inits the settings name
    claims = downstream.claims(table, table)
    assert len(claims) == 4 and claims["consistent"].isin([True, False]).all()


def test_fine_tuning_rungs_are_rungs_of_the_ladder(monkeypatch, tmp_path):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "downstream.ft.resolutions": [32]})
    assert downstream.rungs(cfg, "FT") == [32] and downstream.rungs(cfg, "LP") == [16, 32]
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "downstream.ft.resolutions": [64]})
    with pytest.raises(ValueError, match="must be rungs"):
        downstream.rungs(cfg, "FT")


def test_upstream_training_is_reproducible(tmp_path, monkeypatch):
    """Two cold runs with one seed give the same trunk (albumentations' own generator is seeded too)."""
    states = []
    for run in ("a", "b"):
        monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / run))
        cfg = config.load("fundus_foundation", "smoke", **{**TINY, "upstream.augment.hflip": 0.5,
                                                           "upstream.augment.grey": 0.5})
        states.append(upstream.fundus_trunk(cfg, 32, from_imagenet=False)["state"])
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_fraction_rows_keep_both_classes_and_the_share():
    from fundus_utils.fundus_foundation import stress
    y = np.array([0] * 90 + [1] * 10)
    rows = stress.fraction_rows(y, 0.01, seed=0)
    assert set(y[rows]) == {0, 1} and len(rows) == 2           # at least one of each class
    assert len(stress.fraction_rows(y, 0.5, seed=0)) == 50 and len(stress.fraction_rows(y, 1.0, seed=0)) == 100
    assert not np.array_equal(stress.fraction_rows(y, 0.3, seed=0), stress.fraction_rows(y, 0.3, seed=1))
    with pytest.raises(ValueError, match="data fraction"):
        stress.fraction_rows(y, 0.0, seed=0)


def test_stress_test_scores_every_picture_at_every_fraction(tmp_path, monkeypatch):
    from fundus_utils.fundus_foundation import stress
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "stress.fractions": [0.2, 1.0]})
    out = stress.stress_test(cfg)
    assert len(out) == len(upstream.INITS) * 2 and (out["resolution"] == 32).all()
    assert all(np.isfinite(s).all() for s in out["scores"])
    bars, asserted = stress.stress_bars(out, cfg)
    assert len(bars) == len(out)
    assert asserted == [f >= cfg.stress.asserted_from and i != "Scratch" for i, f in zip(out["init"], out["fraction"])]


def test_external_sets_read_their_abnormal_label_and_score_every_picture(tmp_path, monkeypatch):
    from fundus_utils.fundus_foundation import external
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    twin = {**_TWIN, "seed": 9, "devices": ["topcon"], "split_fractions": [0.0, 0.0, 1.0], "n": 30}
    sets = [{"name": "other camera", "dataset": "synthetic-screening", "twin": twin, "split": None, "abnormal": None}]
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "external.sets": sets})
    scores = external.external_scores(cfg)
    assert len(scores) == len(upstream.INITS) and (scores["pictures"] == 30).all()
    assert scores["DeLong p vs best"].isna().sum() == 1        # the best has no p against itself
    assert len(external.external_bars(scores)) == len(scores)
    assert sum(external.asserted(scores, cfg)) == 0            # smoke asserts no external bar (too near chance)
    chosen = config.load("fundus_foundation", "smoke", **{**TINY, "external.sets": sets,
                                                          "external.asserted_inits": ["Fundus", "ImageNet + Fundus"]})
    assert sum(external.asserted(scores, chosen)) == 2         # the two named trunks at the top rung
    frame = pd.DataFrame({"label_Normal": [1, 0, 0], "label_DR": [0, 1, 1]})
    assert external.abnormal_column(frame, "not label_Normal", "x").tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match="no column 'label_Disease_Risk'"):
        external.abnormal_column(frame, "label_Disease_Risk", "RFMiD")


def test_knn_auc_reads_separable_features_and_not_noise():
    from fundus_utils.fundus_foundation import embeddings
    rng = np.random.default_rng(0)
    y, folds = np.repeat([0, 1], 50), np.tile(np.arange(5), 20)
    assert embeddings.knn_auc(rng.normal(size=(100, 4)) + 3 * y[:, None], y, folds) > 0.95
    assert abs(embeddings.knn_auc(rng.normal(size=(100, 4)), y, folds) - 0.5) < 0.2


def test_multidisease_twin_labels_one_or_two_classes_as_drawn():
    from fundus_utils.data.simulator.multidisease import CLASSES, SUSPECT_VCDR
    table = data.open_dataset("synthetic-multidisease", n=40, size=32, seed=3)
    y = table[[f"label_{c}" for c in CLASSES]]
    assert y.isin([0, 1]).all().all() and y.sum(axis=1).between(1, 2).all()
    assert not (table["label_glaucoma"] & table["label_glaucoma_suspect"]).any()
    assert (table["label_glaucoma"] == table["glaucoma"]).all()
    suspect = table[table["label_glaucoma_suspect"] == 1]
    assert len(suspect) and suspect["vcdr"].between(*SUSPECT_VCDR).all()
    assert (table.loc[table["label_glaucoma"] == 1, "vcdr"] >= 0.7).all()
    with pytest.raises(ValueError, match="choose the findings"):
        data.open_dataset("synthetic-multidisease", n=10, size=32, findings=["drusen"])


def test_macro_auc_bar_reads_signal_not_noise_and_fails_on_nan():
    from fundus_utils.evaluation.bars import paired_macro_auc
    rng = np.random.default_rng(0)
    y = (rng.uniform(size=(200, 3)) < 0.3).astype(int)
    good = paired_macro_auc("good", y, y + rng.normal(0, 0.5, y.shape), n_boot=300)
    noise = paired_macro_auc("noise", y, rng.uniform(size=y.shape), n_boot=300)
    assert good.passed and good.lo > 0.2 and not noise.passed and noise.lo < 0 < noise.hi
    holed = y + rng.normal(0, 0.5, y.shape)
    holed[5, 1] = np.nan
    assert not paired_macro_auc("nan", y, holed).passed and paired_macro_auc("nan", y, holed).missing == 1
    single = y.copy()
    single[:, 2] = 0                                            # a class without positives has no AUC
    assert not paired_macro_auc("one class", single, rng.uniform(size=y.shape)).passed
    with pytest.raises(ValueError, match="N x C"):
        paired_macro_auc("shape", y, rng.uniform(size=(200, 2)))


def test_multi_label_scores_every_class_per_protocol_and_init(tmp_path, monkeypatch):
    from fundus_utils.fundus_foundation import multi_label
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    twin = {"n": 40, "size": 32, "seed": 3, "devices": ["canon"], "split_fractions": [0.0, 0.0, 1.0]}
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "multi_label.twin": twin})
    result, scores = multi_label.multi_label_scores(cfg)
    per_class = result[~result["class"].str.startswith("macro")]
    assert len(per_class) == 2 * len(upstream.INITS) * len(multi_label.CLASSES)
    assert per_class["auc"].between(0, 1).all()
    for protocol in cfg.multi_label.protocols:
        for init in upstream.INITS:
            assert scores[protocol, init].shape == (40, 7) and np.isfinite(scores[protocol, init]).all()
    bars, asserted = multi_label.multi_label_bars(scores, cfg)
    assert len(bars) == 2 * len(upstream.INITS) and sum(asserted) == 4      # smoke: the fundus-pretrained trunks
    assert multi_label.macro_table(result).shape == (2, len(upstream.INITS))
    assert multi_label.claim(result).count("consistent") == 2


def test_fine_tuning_bars_assert_the_initialisations_the_settings_name():
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "downstream.ft.asserted_inits": ["Fundus"]})
    oof = pd.DataFrame({"abnormal": [0, 1] * 10, "score": np.linspace(0, 1, 20)})
    oofs = {(init, 32): oof for init in upstream.INITS}
    _, ft = downstream.downstream_bars(oofs, cfg, "FT")
    _, lp = downstream.downstream_bars(oofs, cfg, "LP")
    assert ft == [init == "Fundus" for init in upstream.INITS]
    assert lp == [init != "Scratch" for init in upstream.INITS]          # smoke: downstream.lp.asserted_inits


def test_encoder_unet_keeps_the_picture_size_and_loads_a_classifier_trunk_by_name():
    import timm
    from fundus_utils.models import create_model
    net = create_model("encoder_unet", backbone="resnet_narrow")
    assert net(torch.rand(2, 3, 48, 48)).shape == (2, 1, 48, 48)
    trunk = timm.create_model("resnet_narrow", num_classes=0).state_dict()
    net.load_trunk(trunk)
    assert all(torch.equal(net.encoder.state_dict()[k], v) for k, v in trunk.items())
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_trunk({k: v for k, v in trunk.items() if not k.startswith("layer4")})


def test_training_volumes_are_nested_and_fill_their_steps():
    from fundus_utils.fundus_foundation import vessels
    quarter, half = vessels.volume_rows(40, 0.25, seed=3), vessels.volume_rows(40, 0.5, seed=3)
    assert len(quarter) == 10 and len(half) == 20 and set(quarter) <= set(half)
    assert len(vessels.volume_rows(40, 1.0, seed=3)) == 40
    spec = config.Settings(steps=40, bs=8)
    assert vessels.epochs_for(47, spec) == 8 and vessels.epochs_for(6, spec) == 40      # 5 batches; 1 (ragged)
    with pytest.raises(ValueError, match="at least 2"):
        vessels.epochs_for(1, spec)
    with pytest.raises(ValueError, match="fraction"):
        vessels.volume_rows(40, 0.0, seed=3)


def test_vessel_study_scores_every_init_and_volume_against_image_blind_maps(tmp_path, monkeypatch):
    from fundus_utils.fundus_foundation import vessels
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    twin = {"n": 16, "size": 32, "seed": 2, "devices": ["canon"], "split_fractions": [0.5, 0.0, 0.5]}
    study = {"vessels.train.twin": twin, "vessels.tests": [{"name": "twin, test", "dataset": "synthetic-vessels",
                                                            "twin": twin, "split": "test"}],
             "vessels.size": 32, "vessels.fractions": [0.5, 1.0], "vessels.steps": 2, "vessels.patch": 16,
             "vessels.bs": 2}
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, **study})
    scores, coverage = vessels.vessel_study(cfg)
    assert coverage["status"].tolist() == ["scored"]
    method = scores[scores["init"].notna()]
    assert len(method) == len(upstream.INITS) * 2 * 8 and method["dice"].between(0, 1).all()
    assert set(scores.loc[scores["init"].isna(), "initialisation"]) == {"baseline: all FOV", "baseline: prevalence map"}
    bars, asserted = vessels.vessel_bars(scores, cfg)
    assert len(bars) == len(upstream.INITS) * 2 and asserted == [f >= 1.0 for _ in upstream.INITS for f in (0.5, 1.0)]
    assert len(vessels.claim(scores)) == 2 and vessels.dice_table(scores).shape == (6, 3)
    cfg.data_root = tmp_path                                    # no DRIVE here: the real study is skipped, saying so
    real, real_coverage = vessels.vessel_study(cfg, "real_vessels")
    assert real.empty and (real_coverage["status"] == "skipped").all() and len(real_coverage) == 2


def test_thumbnail_baseline_scores_every_picture_out_of_fold(tmp_path, monkeypatch):
    from fundus_utils.fundus_foundation import real_images
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    table = data.open_dataset("synthetic-screening", n=40, size=32, seed=3, abnormal_rate=0.5)
    table["cv_fold"] = np.arange(len(table)) % 4
    scores = real_images.thumbnail_scores(table, grid=4, size=32)
    assert scores.shape == (40,) and np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all()


def test_streamed_upstream_training_is_reproducible_and_scores_every_test_picture(tmp_path, monkeypatch):
    """upstream.loader="files" (full: sets too large for memory) trains from the resized-image cache."""
    states = []
    for run in ("a", "b"):
        monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / run))
        cfg = config.load("fundus_foundation", "smoke", **{**TINY, "upstream.loader": "files",
                                                           "upstream.augment.hflip": 0.5})
        r = upstream.fundus_trunk(cfg, 32, from_imagenet=False)
        states.append(r["state"])
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    assert len(r["test"]) == (upstream.upstream_table(cfg)["split"] == "test").sum()
    assert r["test"]["score"].between(0, 1).all()
    with pytest.raises(ValueError, match="'memory' or 'files'"):
        upstream.fundus_trunk(config.load("fundus_foundation", "smoke", **{**TINY, "upstream.loader": "disk"}),
                              32, from_imagenet=False)


def test_pretraining_command_fills_the_entries_the_notebooks_read(tmp_path, monkeypatch, capsys):
    import json

    from fundus_utils.fundus_foundation import pretrain

    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    pretrain.main(["--profile", "smoke", "--overrides", json.dumps(TINY), "--inits", "Fundus"])
    assert "Fundus at 32 px: 1 epochs" in capsys.readouterr().out
    entries = sorted((tmp_path / "fundus_foundation" / "upstream").glob("*.pt"))
    assert len(entries) == 1
    stamp = entries[0].stat().st_mtime_ns
    upstream.fundus_trunk(config.load("fundus_foundation", "smoke", **TINY), 32, from_imagenet=False)
    assert entries[0].stat().st_mtime_ns == stamp                # read, not trained again


def test_pretraining_on_two_processes_stores_one_trunk_the_notebooks_read(tmp_path, monkeypatch):
    """Distributed data-parallel upstream training (fastai + Accelerate) on two CPU processes: both train
    their shards of every batch, rank 0 stores the entry, and a single process reads that entry."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "FUNDUS_CACHE": str(tmp_path), "FUNDUS_PROGRESS": "0", "ACCELERATE_USE_CPU": "1",
           "OMP_NUM_THREADS": "1"}
    overrides = json.dumps({**TINY, "upstream.loader": "files"})
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          str(Path(__file__).with_name("ddp_pretrain.py")), "--profile", "smoke",
                          "--overrides", overrides, "--inits", "Fundus"],
                         env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Fundus at 32 px: 1 epochs" in run.stdout and "on 2 process(es)" in run.stdout
    assert run.stdout.count("upstream test AUC") == 1                    # rank 0 reports
    entries = list((tmp_path / "fundus_foundation" / "upstream").glob("*.pt"))
    assert len(entries) == 1
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    cfg = config.load("fundus_foundation", "smoke", **{**TINY, "upstream.loader": "files"})
    stamp = entries[0].stat().st_mtime_ns
    r = upstream.fundus_trunk(cfg, 32, from_imagenet=False)
    assert entries[0].stat().st_mtime_ns == stamp and r["epochs"] == 1

def test_an_upstream_trunk_does_not_depend_on_what_was_cached_before(tmp_path, monkeypatch):
    """ImageNet + Fundus trained on a cold cache (the stand-in trains first, inside) equals the one
    trained after the stand-in was cached, as notebook 01 does."""
    states = []
    for run, standin_first in (("a", True), ("b", False)):
        monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / run))
        cfg = config.load("fundus_foundation", "smoke", **TINY)
        if standin_first:
            upstream.standin_trunk(cfg)
        states.append(upstream.fundus_trunk(cfg, 32, from_imagenet=True)["state"])
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_reading_counts_comparisons_ahead_and_behind_each_reference():
    from fundus_utils.fundus_foundation.real_images import reading

    idx = pd.MultiIndex.from_tuples([("LP", 32, i) for i in ("Scratch", "Fundus", "I+F")]
                                    + [("FT", 32, i) for i in ("Scratch", "Fundus", "I+F")],
                                    names=["protocol", "resolution", "initialisation"])
    scratch = pd.DataFrame({"pooled AUC [95% CI]": ["0.600 [0.5, 0.7]", "0.700 [0.6, 0.8]", "0.500 [0.4, 0.6]",
                                                    "0.600 [0.5, 0.7]", "0.610 [0.5, 0.7]", "0.620 [0.5, 0.7]"],
                            "DeLong p vs Scratch": [np.nan, 0.01, 0.04, np.nan, 0.5, 0.9]}, index=idx)
    base_idx = pd.MultiIndex.from_tuples([("baseline", 64, "thumbnails"), *idx], names=idx.names)
    baseline = pd.DataFrame({"pooled AUC [95% CI]": ["0.900 [0.8, 1.0]", *scratch["pooled AUC [95% CI]"]],
                             "DeLong p vs thumbnail baseline": [np.nan, 0.01, 0.01, 0.01, 0.01, 0.2, 0.01]},
                            index=base_idx)
    r = reading(scratch, baseline)
    assert r.loc["ahead of Scratch at p < 0.05"].tolist() == ["1 of 4", "LP 32 px: Fundus"]
    assert r.loc["behind Scratch at p < 0.05"].tolist() == ["1 of 4", "LP 32 px: I+F"]
    assert r.loc["behind thumbnail baseline at p < 0.05"].tolist() == ["5 of 6", "all but FT 32 px: Fundus"]
    assert r.loc["ahead of thumbnail baseline at p < 0.05", "which"] == "none"
    scratch.iloc[1, 1] = np.nan
    with pytest.raises(ValueError, match="no p-value"):
        reading(scratch, baseline)
