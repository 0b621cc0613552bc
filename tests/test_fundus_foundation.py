"""The fundus foundation-model chapter: the screening twin, the upstream pretraining and its cache."""
from __future__ import annotations

import albumentations as A
import numpy as np
import pytest
import torch

from fundus_utils import config, data
from fundus_utils.fundus_foundation import upstream
from fundus_utils.train.loaders import albumentations_batch

TINY = {"upstream.twin.n": 60, "upstream.twin.size": 32, "upstream.epochs": 1, "upstream.bs": 16,
        "standin.n": 64, "standin.size": 32, "standin.epochs": 1, "standin.bs": 16, "resolutions": [32]}


def test_screening_twin_is_abnormal_exactly_when_an_eye_has_findings():
    table = data.open_dataset("synthetic-screening", n=80, size=32, seed=3)
    has_findings = table["findings"].fillna("").astype(str) != ""
    assert (table["abnormal"] == has_findings.astype(int)).all()
    assert 0.05 < table["abnormal"].mean() < 0.4          # 8:2 on 80 eyes
    assert (table.loc[table["abnormal"] == 0, "glaucoma"] == 0).all()
    assert set(table["split"]) <= {"train", "test"}


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
