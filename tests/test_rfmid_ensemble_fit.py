"""RFMiD ensemble building blocks: GAP classifiers on timm trunks, per-class alphas, the class-weighted
focal loss, the paper's augmentations and the two-phase fit, on tiny generated data."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from fundus_utils.models import create_model
from fundus_utils.rfmid_ensemble import data as rdata
from fundus_utils.rfmid_ensemble import fit as rfit
from fundus_utils.train import FocalLoss, class_alpha


@pytest.mark.parametrize("backbone", ["vgg_narrow", "resnet_narrow"])
def test_gap_classifier_shapes_and_cam_layer(backbone: str) -> None:
    m = create_model("gap_classifier", backbone=backbone, num_classes=5)
    out = m(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 5) and m.features(torch.rand(2, 3, 64, 64)).shape == (2, m.feature_dim)
    assert m.head_parameters() == list(m.fc.parameters())
    assert isinstance(m.cam_layer(), torch.nn.Module)
    if backbone == "vgg_narrow":                     # VGG's FC6/FC7 are gone: the head is GAP + one linear layer
        assert isinstance(m.trunk.pre_logits, torch.nn.Identity) and isinstance(m.cam_layer(), torch.nn.ReLU)
    assert torch.allclose(m.mean.flatten(), torch.tensor([0.485, 0.456, 0.406]), atol=1e-3)


def test_class_alpha_and_the_per_class_focal_loss() -> None:
    y = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 0, 0]])
    alpha = class_alpha(y)                             # 1 - share of positives
    assert np.allclose(alpha, [0.25, 0.75, 1.0])
    logits, target = torch.randn(4, 3), torch.from_numpy(y).float()
    plain = FocalLoss(gamma=2.0, reduction="none")(logits, target)
    balanced = FocalLoss(gamma=2.0, reduction="none", alpha=torch.from_numpy(alpha))(logits, target)
    a = torch.from_numpy(alpha)
    assert torch.allclose(balanced, plain * (a * target + (1 - a) * (1 - target)))
    assert torch.allclose(FocalLoss(alpha=0.25, reduction="none")(logits, target),
                          FocalLoss(alpha=torch.full((3,), 0.25), reduction="none")(logits, target))
    with pytest.raises(ValueError, match="2 class alphas for 3 classes"):
        FocalLoss(alpha=torch.ones(2))(logits, target)


def test_paper_augment_keeps_shape_range_and_labels() -> None:
    aug = rfit.paper_augment(dict(brightness=0.2, contrast=0.2, gamma=(0.8, 1.25), saturation=0.2, crop=(0.8, 1.0),
                                  rotation=15.0, hflip=True), 32)
    x, y = torch.rand(6, 3, 32, 32), torch.randint(0, 2, (6, 4)).float()
    xa, ya = aug(x, y)
    assert xa.shape == x.shape and type(xa) is torch.Tensor and torch.equal(ya, y)
    assert float(xa.min()) >= 0 and float(xa.max()) <= 1 and not torch.allclose(xa, x)


def _squares(n: int, rng: np.random.Generator) -> rdata.Arrays:
    """Images whose label 0 is a bright square, label 1 a dark one (anywhere), 32 px."""
    x = np.full((n, 32, 32, 3), 120, np.uint8)
    y = np.zeros((n, 2), np.float32)
    for i in range(n):
        for k, value in enumerate((250, 10)):
            if rng.random() < 0.5:
                r, c = rng.integers(0, 24, 2)
                x[i, r:r + 8, c:c + 8] = value
                y[i, k] = 1
    return rdata.Arrays(x, y, np.arange(n).astype(str))


def test_fit_learns_squares_and_keeps_the_best_state() -> None:
    from fundus_utils.evaluation import auc_rank

    rng = np.random.default_rng(0)
    train, valid, test = _squares(96, rng), _squares(32, rng), _squares(64, rng)
    cfg = SimpleNamespace(bs=16, device="cpu", num_workers=0, image_size=32, pretrained=False, focal_gamma=2.0,
                          channels_last=False, amp=False, frozen=dict(epochs=0),
                          finetune=dict(epochs=6, lr=1e-2, patience=6, schedule="one_cycle"),
                          augment=dict(brightness=0.1, contrast=0.1, gamma=(0.9, 1.1), saturation=0.1,
                                       crop=(0.9, 1.0), rotation=5.0, hflip=True))
    fitted = rfit.fit("resnet_narrow", train, valid, cfg, seed=0, progress=False)
    assert [h["phase"] for h in fitted.history] == ["finetune"] * 6 and 1 <= fitted.best_epoch <= 6
    p = rfit.predict(fitted.model, test.x, cfg)
    assert p.shape == (64, 2) and np.isfinite(p).all()
    assert min(auc_rank(test.y[:, k], p[:, k]) for k in range(2)) > 0.75   # both squares are found
    with pytest.raises(ValueError, match="validation rows"):
        rfit.fit("resnet_narrow", train, valid.subset(np.array([], int)), cfg)


def test_usable_labels_needs_positives_and_a_negative() -> None:
    y = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0]])
    assert rdata.usable_labels(y, 2).tolist() == [False, True, False]
