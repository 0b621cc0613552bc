"""Any registered dataset by name: folds drawn where a release has none, and the framing
(whole fundus vs disc-centred) deciding whether a disc locator runs."""
from __future__ import annotations

import numpy as np
import pandas as pd

from fundus_utils import config
from fundus_utils.data import folds


def _table(splits: list[str], dataset: str = "Drishti-GS1") -> pd.DataFrame:
    n = len(splits)
    return pd.DataFrame({"image_id": [f"i{k}" for k in range(n)], "patient_id": [f"p{k // 2}" for k in range(n)],
                         "dataset": dataset, "split": splits, "fold": -1})


def test_folds_are_drawn_over_non_test_patients_when_none_are_committed() -> None:
    out = folds.ensure(_table(["train"] * 40 + ["test"] * 20), k=5, seed=1)
    assert (out.loc[out["split"] == "test", "fold"] == -1).all()
    assert sorted(out.loc[out["split"] != "test", "fold"].unique()) == [0, 1, 2, 3, 4]
    assert out.groupby("patient_id")["fold"].nunique().max() == 1
    assert "drawn" in out.attrs["folds"]
    pd.testing.assert_frame_equal(out, folds.ensure(_table(["train"] * 40 + ["test"] * 20), k=5, seed=1))


def test_a_release_without_split_gets_a_patient_level_test_split() -> None:
    out = folds.ensure(_table(["test"] * 60), k=3, seed=2, test_fraction=0.3)
    test = out["split"] == "test"
    assert 18 <= test.sum() <= 19 and out.groupby("patient_id")["split"].nunique().max() == 1
    assert (out.loc[~test, "fold"] >= 0).all() and "test split" in out.attrs["folds"]


def test_refuge_keeps_its_committed_folds() -> None:
    t = _table(["val"] * 4 + ["test"] * 2, dataset="REFUGE")
    t["image_id"] = t["patient_id"] = ["V0001", "V0002", "V0003", "V0004", "T0001", "T0002"]
    out = folds.ensure(t)
    committed = folds.load("REFUGE").set_index("image_id")["fold"]
    assert out["fold"].tolist()[:4] == committed.loc[["V0001", "V0002", "V0003", "V0004"]].tolist()
    assert "committed" in out.attrs["folds"]


def test_framing_decides_the_locator_and_the_band() -> None:
    from fundus_utils import mtl_glaucoma as mtl
    from fundus_utils.refuge_ensemble import segmentation as seg

    real = config.load("mtl_glaucoma", "real", dataset="Drishti-GS1")
    assert mtl.framing(real) == "disc" and mtl.rows_band(real) is None            # manifest: disc-centred
    assert mtl.rows_band(config.load("mtl_glaucoma", "real")) == (0.25, 0.75)      # REFUGE: whole fundus
    cfg = config.load("refuge_ensemble", "smoke", **{"seg.framing": "disc", "seg.epochs": 1, "seg.crop_size": 32,
                                                      "seg.cenet_width": 4, "seg.unet_width": 4})
    rng = np.random.default_rng(0)
    od = np.zeros((6, 32, 32), bool)
    od[:, 8:24, 8:24] = True
    oc = np.zeros_like(od)
    oc[:, 12:20, 12:20] = True
    data = seg.SegData(np.arange(6).astype(str), rng.integers(0, 255, (6, 32, 32, 3), dtype=np.uint8), od, oc,
                       patient_id=np.array(["a", "a", "b", "c", "d", "e"]))
    learners, _ = seg.train_all(data, cfg, models=("unet",))
    assert list(learners) == ["unet"]                                              # no locator
    result = seg.evaluate(learners, data, cfg)
    assert (result.boxes == [0, 0, 32]).all() and result.n_fallback == 0           # the picture is the crop
