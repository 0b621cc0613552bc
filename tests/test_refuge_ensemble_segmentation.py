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
    f = seg.step_lr(1e-3, epochs=200, every=30, factor=0.1)
    assert f(0.0) == pytest.approx(1e-3) and f(29.9 / 200) == pytest.approx(1e-3)
    assert f(30 / 200) == pytest.approx(1e-4) and f(1.0) == pytest.approx(1e-3 * 0.1 ** 6)
    with pytest.raises(ValueError, match="no rows"):
        seg.load_seg_data(pd.DataFrame(columns=["image_id", "od_mask", "oc_mask"]), 64)
    table = pd.DataFrame({"image_id": ["x1"], "image": ["a.png"], "od_mask": [""], "oc_mask": [""]})
    with pytest.raises(ValueError, match="x1"):
        seg.load_seg_data(table, 64)
    with pytest.raises(ValueError, match="unknown segmenter"):
        seg.build_segmenter("segformer", None)
