"""CE-Net, ellipse fitting and the crop geometry of the REFUGE-ensemble segmentation (Zhao et al.)."""
from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest
import torch

from fundus_utils.evaluation import dice
from fundus_utils.evaluation.ellipse import fit_ellipse, fit_ellipses
from fundus_utils.models import create_model
from fundus_utils.models.cenet import DACBlock, RMPBlock
from fundus_utils.refuge_ensemble import segmentation as seg


def _ellipse(shape=(96, 96), centre=(48, 44), axes=(26, 17), angle=20.0) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.ellipse(m, centre, axes, angle, 0, 360, 1, -1)
    return m.astype(bool)


def test_cenet_output_shape_on_64px() -> None:
    net = create_model("cenet", width=8, out_channels=2).eval()
    with torch.no_grad():
        out = net(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 2, 64, 64)
    blocks = net.block_parameters()
    assert set(blocks) == {"encoder (ResNet-34)", "DAC", "RMP", "decoder"} and all(v > 0 for v in blocks.values())


def test_dac_and_rmp_keep_spatial_size() -> None:
    x = torch.randn(2, 16, 7, 9)
    assert DACBlock(16)(x).shape == x.shape
    rmp = RMPBlock(16)
    y = rmp(x)
    assert y.shape == (2, 20, 7, 9) and rmp.out_channels == 20
    assert torch.equal(y[:, 4:], x)  # the input passes through (residual concatenation)
    assert RMPBlock(4)(torch.randn(1, 4, 2, 2)).shape == (1, 8, 2, 2)  # kernels clipped to tiny maps


def test_cenet_rejects_bad_sizes() -> None:
    net = create_model("cenet", width=8)
    with pytest.raises(ValueError, match="divisible by 32"):
        net(torch.randn(1, 3, 50, 64))
    with pytest.raises(ValueError, match="width=64"):
        create_model("cenet", width=8, pretrained=True)


def test_ellipse_of_clean_ellipse_is_exact_and_empty_stays_empty() -> None:
    m = _ellipse()
    assert dice(fit_ellipse(m), m) > 0.99
    assert not fit_ellipse(np.zeros((20, 20), bool)).any()
    assert fit_ellipses(np.stack([m, np.zeros_like(m)])).shape == (2, 96, 96)
    with pytest.raises(ValueError, match="2-D"):
        fit_ellipse(np.zeros((2, 5, 5)))


def test_ellipse_fitting_repairs_a_noisy_ellipse() -> None:
    clean = _ellipse()
    rng = np.random.default_rng(0)
    # Ragged boundary (radius jitter), a notch, and a detached speck: what a rough prediction looks like.
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    r = 1 + rng.normal(0, 0.12, t.size)
    a, b, th = 26, 17, np.deg2rad(20)
    x = 48 + r * (a * np.cos(t) * np.cos(th) - b * np.sin(t) * np.sin(th))
    y = 44 + r * (a * np.cos(t) * np.sin(th) + b * np.sin(t) * np.cos(th))
    noisy = np.zeros(clean.shape, np.uint8)
    cv2.fillPoly(noisy, [np.round(np.stack([x, y], 1)).astype(np.int32)], 1)
    noisy[40:48, 60:80] = 0
    noisy[5:9, 5:9] = 1
    noisy = noisy.astype(bool)
    assert dice(fit_ellipse(noisy), clean) > dice(noisy, clean) + 0.02


def test_crop_and_paste_round_trip() -> None:
    od = np.stack([_ellipse((128, 128), (40, 70), (12, 12), 0), _ellipse((128, 128), (100, 30), (10, 13), 0)])
    boxes = seg.truth_boxes(od, factor=2.0)
    assert np.allclose(boxes[:, 2], [50, 54], atol=1.5)  # side = 2 x the larger extent
    crops = seg.crop_masks(od, boxes, 64)
    assert crops.shape == (2, 64, 64)
    assert crops[:, 32, 32].all() and not crops[:, 0, 0].any()  # centred disc, background at the corners
    back = seg.paste(crops.astype(np.float32), boxes, (128, 128)) > 0.5
    assert all(dice(b, o) > 0.95 for b, o in zip(back, od))
    jittered = seg.truth_boxes(od, factor=2.0, jitter=0.2, seed=1)
    assert not np.allclose(jittered, boxes)


def test_score_perfect_prediction_and_summary() -> None:
    od = np.stack([_ellipse((64, 64), (32, 32), (12, 12), 0)] * 3)
    oc = np.stack([_ellipse((64, 64), (32, 32), (6, 6), 0)] * 3)
    truth = seg.SegData(np.array(["a", "b", "c"]), np.zeros((3, 64, 64, 3), np.uint8), od, oc)
    s = seg.score(od, oc, truth)
    assert np.allclose(s[["dice_od", "dice_oc"]], 1) and np.allclose(s["vcdr_abs_err"], 0)
    assert np.allclose(s["vcdr"], 13 / 25)
    empty = seg.score(np.zeros_like(od), np.zeros_like(oc), truth)
    assert (empty["dice_od"] == 0).all() and (empty["vcdr_abs_err"] == 1).all()  # no disc: worst vCDR error
    table = seg.summarise({("cenet", "none"): s, ("unet", "none"): empty})
    assert table.loc[("cenet", "none"), "mean_dice_od"] == 1.0 and "[" in table.loc[("unet", "none"), "OD Dice"]


def test_step_schedule_and_bad_inputs() -> None:
    from fundus_utils.train.schedules import step_lr

    f = step_lr(1e-3, epochs=200, every=30, factor=0.1)
    assert f(0.0) == pytest.approx(1e-3) and f(29.9 / 200) == pytest.approx(1e-3)
    assert f(30 / 200) == pytest.approx(1e-4) and f(1.0) == pytest.approx(1e-3 * 0.1 ** 6)
    with pytest.raises(ValueError, match="no rows"):
        seg.load_seg_data(pd.DataFrame(columns=["image_id", "od_mask", "oc_mask"]), 64)
    table = pd.DataFrame({"image_id": ["x1"], "image": ["a.png"], "od_mask": [""], "oc_mask": [""]})
    with pytest.raises(ValueError, match="x1"):
        seg.load_seg_data(table, 64)
    with pytest.raises(ValueError, match="unknown segmenter"):
        seg.build_segmenter("segformer", None)


# --------------------------------------------------------------------------- bars, optimiser, records
def _cfg(**kw):
    from fundus_utils import config

    return config.load("refuge_ensemble", "smoke", **kw)


def test_shape_prior_at_the_located_box_scores_in_the_picture_frame() -> None:
    od = np.stack([_ellipse((128, 128), (40, 70), (12, 12), 0), _ellipse((128, 128), (90, 50), (14, 14), 0)])
    oc = np.stack([_ellipse((128, 128), (40, 70), (6, 6), 0), _ellipse((128, 128), (90, 50), (7, 7), 0)])
    train = seg.SegData(np.array(["a", "b"]), np.zeros((2, 128, 128, 3), np.uint8), od, oc)
    cfg = _cfg(**{"seg.crop_size": 64})
    p_od, p_oc = seg.shape_priors(train, cfg)
    assert p_od.shape == (64, 64) and p_od[32, 32] and p_oc.sum() < p_od.sum()
    # the prior at a box around a test disc, in the picture frame: close to that disc
    test_od = _ellipse((128, 128), (60, 60), (13, 13), 0)
    boxes = seg.truth_boxes(test_od[None], factor=2.0)
    placed_od, placed_oc = seg.place_priors((p_od, p_oc), boxes, (128, 128))
    assert placed_od.shape == (1, 128, 128) and dice(placed_od[0], test_od) > 0.9
    assert placed_oc[0].sum() < placed_od[0].sum()


def test_seg_bars_need_the_prior_and_flag_a_model_no_better_than_it() -> None:
    rng = np.random.default_rng(0)
    n = 60
    prior = pd.DataFrame({"dice_od": rng.uniform(0.8, 0.85, n), "dice_oc": rng.uniform(0.5, 0.6, n),
                          "vcdr": np.full(n, 0.5), "vcdr_abs_err": rng.uniform(0.05, 0.15, n)})
    good = prior.assign(dice_od=prior["dice_od"] + 0.08, dice_oc=prior["dice_oc"] + 0.2,
                        vcdr_abs_err=prior["vcdr_abs_err"] / 3)
    y = (rng.uniform(size=n) < 0.4).astype(float)
    good["vcdr"] = 0.4 + 0.3 * y + rng.normal(0, 0.05, n)
    same = prior.copy()
    result = seg.SegResult({("cenet", "ellipse"): good, ("unet", "ellipse"): same}, {}, np.zeros((n, 3)), 0)
    test = seg.SegData(np.arange(n).astype(str), np.zeros((n, 1, 1, 3), np.uint8), np.zeros((n, 1, 1), bool),
                       np.zeros((n, 1, 1), bool), y)
    with pytest.raises(ValueError, match="priors"):
        seg.bars(result, test)
    result.per_image[(seg.PRIOR, "none")] = prior
    bars = seg.bars(result, test, label="toy")
    passed = {b.name: b.passed for b in bars}
    assert passed["OD Dice, CE-Net vs shape prior (toy)"] and passed["vCDR abs. error, CE-Net vs shape prior (toy)"]
    assert passed["glaucoma AUC of the vCDR, CE-Net vs chance (toy)"]
    assert not passed["OC Dice, U-Net vs shape prior (toy)"]  # equal to the prior: no gain
    assert len(bars) == 8
    flags = seg.asserted(bars, ("OC Dice, U-Net", "glaucoma AUC of the vCDR"))
    assert [b.name for b, f in zip(bars, flags) if f] == ["glaucoma AUC of the vCDR, CE-Net vs chance (toy)",
                                                          "OC Dice, U-Net vs shape prior (toy)",
                                                          "glaucoma AUC of the vCDR, U-Net vs chance (toy)"]
    assert all(seg.asserted(bars, None))
    with pytest.raises(ValueError, match="no bar"):
        seg.asserted(bars, ("Rim Dice",))
    assert [b.name for b in seg.od_bars(result, ["cenet"], label="toy")] == ["OD Dice, CE-Net vs shape prior (toy)"]


def test_one_radam_for_the_book() -> None:
    from fastai.optimizer import RAdam

    from fundus_utils.train import schedules as ts

    assert ts.radam() is RAdam and ts.optimizer("radam") is RAdam and ts.optimizer("adam") == "adam"
    assert seg.optimizer is ts.optimizer and seg.fit_with_schedule is ts.fit_with_schedule
    # the classifiers use it too (no torch.optim.RAdam anywhere in the chapter)
    import inspect

    from fundus_utils.refuge_ensemble import classification, fovea, lodo

    for module in (classification, fovea, lodo, seg):
        assert "torch.optim.RAdam" not in inspect.getsource(module)
    from fundus_utils import config

    for profile in ("smoke", "real", "full"):
        c = config.load("refuge_ensemble", profile)
        assert c.seg.opt in ("adam", "radam") and c.fovea.opt in ("adam", "radam")


def test_record_name_is_the_profiles_own() -> None:
    from fundus_utils import config
    from fundus_utils.refuge_ensemble import record_name

    assert record_name(config.load("refuge_ensemble", "smoke"), "segmentation") == "refuge_ensemble_real_segmentation"
    assert record_name(config.load("refuge_ensemble", "real"), "fovea") == "refuge_ensemble_real_fovea"
    assert record_name(config.load("refuge_ensemble", "full"), "lodo") == "refuge_ensemble_full_lodo"


def test_full_profile_uses_torchvision_weights_and_no_stretch_and_no_fixed_bars() -> None:
    from fundus_utils import config

    full = config.load("refuge_ensemble", "full")
    assert full.cls.backbone == "resnet50.tv_in1k" and full.seg.encoder == "resnet34.tv_in1k"
    assert full.cls.crop_stretch is False and full.seg.opt == full.fovea.opt == "radam"
    for profile in ("smoke", "real", "full"):
        c = config.load("refuge_ensemble", profile)
        for gone in ("seg_min_dice", "fovea_max_error_dd", "cls_min_auc"):
            assert not hasattr(c, gone), (profile, gone)
    # an untrained CE-Net with the tagged encoder builds without a download
    net = create_model("cenet", width=8, out_channels=2, encoder="resnet34.tv_in1k")
    assert net(torch.zeros(1, 3, 64, 64)).shape == (1, 2, 64, 64)


def test_training_randomness_follows_cfg_seed() -> None:
    rng = np.random.default_rng(0)
    n = 24
    od = np.stack([_ellipse((64, 64), (32 + int(d), 30), (8, 8), 0) for d in rng.integers(-6, 6, n)])
    oc = np.stack([_ellipse((64, 64), (32 + 0, 30), (3, 3), 0)] * n)
    img = (rng.uniform(0, 255, (n, 64, 64, 3))).astype(np.uint8)
    data = seg.SegData(np.arange(n).astype(str), img, od, oc)
    kw = dict(seg=dict(crop_size=32, epochs=1, locator=dict(size=32, width=4, depth=2, epochs=1, lr=1e-2, bs=8)))
    w = {}
    for seed in (0, 0, 1):
        learners, _ = seg.train_all(data, _cfg(seed=seed, **kw), models=("unet",), progress=False)
        w.setdefault(seed, []).append(next(learners["unet"].model.parameters()).detach().clone())
    assert torch.equal(w[0][0], w[0][1]) and not torch.equal(w[0][0], w[1][0])
