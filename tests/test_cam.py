"""Class-activation maps (fundus_utils.evaluation.cam) on hand-built nets whose evidence region is known.

``SquareNet``'s logit k is, by construction, the sum of input channel k inside a fixed square
(minus an offset), read through a 1x1 identity convolution, a ReLU and 4x4 average pooling (an
8 x 8 target layer that the CAMs upsample to 32 x 32). Every CAM method should therefore put its
peak and most of its energy in class k's square. No weights are trained or downloaded.
"""
import numpy as np
import pytest
import torch
from torch import nn

from fundus_utils.evaluation import cam as C
from fundus_utils.evaluation.cam import (CAM_METHODS, cam_dice, cam_maps, cam_maps_per_class, energy_inside,
                                         guided_gradcam, multilabel_cam, pointing_game, road_scores,
                                         vit_reshape_transform)

SIZE = 32
SQUARES = {0: (4, 12, 4, 12), 1: (20, 28, 16, 24)}  # rows r0:r1, cols c0:c1, on 4-px block boundaries
DISTRACTOR = (20, 28, 4, 12)  # bright in channel 0 but outside every class's square
OFFSET = 32.0  # logit = sum - OFFSET: ~ -22 for background noise only, ~ +42 with the bright square


def _mask(box, size=SIZE):
    m = np.zeros((size, size), bool)
    r0, r1, c0, c1 = box
    m[r0:r1, c0:c1] = True
    return m


class SquareNet(nn.Module):
    """logit_k = sum of ReLU(channel k) over SQUARES[k] - OFFSET, for k < n_classes."""

    def __init__(self, n_classes=2, channels=3):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1, bias=False)
        self.relu = nn.ReLU()
        self.pool = nn.AvgPool2d(4)
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(channels)[:, :, None, None])
        masks = np.stack([_mask(SQUARES[k])[::4, ::4] for k in range(n_classes)]).astype(np.float32)
        self.register_buffer("masks", torch.from_numpy(masks))  # (K, 8, 8)
        self.n_classes = n_classes

    def forward(self, x):
        a = self.pool(self.relu(self.conv(x)))  # (N, C, 8, 8); mean of 16 px per cell
        return 16 * (a[:, :self.n_classes] * self.masks).sum((2, 3)) - OFFSET


def _images(*bright, n=2, seed=0, distractor=False):
    """Background noise in [0, 0.3); channel k of each image + 1 inside SQUARES[k] for k in ``bright``."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.rand(n, 3, SIZE, SIZE, generator=g)
    for k in bright:
        r0, r1, c0, c1 = SQUARES[k]
        x[:, k, r0:r1, c0:c1] += 1.0
    if distractor:
        r0, r1, c0, c1 = DISTRACTOR
        x[:, 0, r0:r1, c0:c1] += 1.0
    return x


AREA = _mask(SQUARES[0]).mean()  # 1/16


def _check_maps(maps, n=2):
    assert maps.shape == (n, SIZE, SIZE) and maps.dtype == np.float32
    assert np.isfinite(maps).all() and maps.min() >= 0 and maps.max() <= 1 and maps.max() > 0.5


@pytest.mark.parametrize("method", sorted(CAM_METHODS))
def test_every_method_points_at_the_evidence_square(method):
    model = SquareNet()
    x = _images(0)
    maps = cam_maps(model, x, model.pool, method=method, targets=0)
    _check_maps(maps)
    inside = _mask(SQUARES[0])
    assert pointing_game(maps, inside).all()
    assert (energy_inside(maps, inside) > 4 * AREA).all()  # uniform would be AREA; the square is ~70 % here
    assert model.training  # the library sets eval(); cam_maps gives the model back as it came


def test_targets_none_int_list_and_callables_agree_and_batches_split():
    model = SquareNet()
    x = _images(0, n=3)
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    ref = cam_maps(model, x, model.pool, targets=0)
    assert np.allclose(cam_maps(model, x, model.pool), ref)  # top class is class 0 on these images
    assert np.allclose(cam_maps(model, x, [model.pool], targets=[0, 0, 0], batch_size=2), ref)
    assert np.allclose(cam_maps(model, x.numpy(), model.pool, targets=[ClassifierOutputTarget(0)] * 3), ref)
    with torch.no_grad():  # gradients are switched on inside
        assert np.allclose(cam_maps(model, x, model.pool, targets=0), ref)
    with pytest.raises(ValueError, match="method"):
        cam_maps(model, x, model.pool, method="gradcam-xx")
    with pytest.raises(ValueError, match="3 images"):
        cam_maps(model, x, model.pool, targets=[0, 1])
    with pytest.raises(RuntimeError, match="IndexError"):  # the library swallows it; we do not
        cam_maps(model, x, model.pool, targets=5)


def test_binary_single_logit_head():
    model = SquareNet(n_classes=1)
    x = _images(0)
    pos = cam_maps(model, x, model.pool, binary=True)  # default: evidence for the positive class
    _check_maps(pos)
    assert pointing_game(pos, _mask(SQUARES[0])).all()
    assert np.allclose(cam_maps(model, x, model.pool, targets=1, binary=True), pos)
    # nothing in this net argues for the negative class: Grad-CAM's ReLU leaves an empty map
    neg = cam_maps(model, x, model.pool, targets=0, binary=True)
    assert np.isfinite(neg).all() and neg.max() == 0


def test_elementwise_methods_ignore_a_distractor_that_global_weights_cannot():
    model = SquareNet()
    x = _images(0, distractor=True)  # channel 0 is bright in class 0's square and in a square it ignores
    inside, distractor = _mask(SQUARES[0]), _mask(DISTRACTOR)
    for method in ("hirescam", "layercam"):  # gradient x activation: zero where the logit does not look
        maps = cam_maps(model, x, model.pool, method=method, targets=0)
        # all of the 8 x 8 map is in the square; bilinear upsampling spreads ~1/4 of it just around it
        assert (energy_inside(maps, inside) > 0.7).all() and (energy_inside(maps, distractor) < 1e-6).all()
    grad = cam_maps(model, x, model.pool, method="gradcam", targets=0)  # one weight per channel: both squares
    assert (energy_inside(grad, distractor) > 0.25).all()
    assert (energy_inside(grad, distractor) > 0.8 * energy_inside(grad, inside)).all()


def test_multilabel_maps_follow_each_class_and_sum_the_predicted_ones():
    model = SquareNet()
    x = torch.cat([_images(0, n=1, seed=1), _images(0, 1, n=1, seed=2), _images(n=1, seed=3)])
    per = cam_maps_per_class(model, x, model.pool, classes=[0, 1])
    assert per.shape == (3, 2, SIZE, SIZE) and np.isfinite(per).all()
    both = per[1]  # the image with both squares: each class's map sits in its own square
    assert pointing_game(both[0], _mask(SQUARES[0])) and pointing_game(both[1], _mask(SQUARES[1]))
    assert energy_inside(both[0], _mask(SQUARES[1])) < 0.05 and energy_inside(both[1], _mask(SQUARES[0])) < 0.05
    assert np.abs(both[0] - both[1]).max() > 0.5

    maps, predicted = multilabel_cam(model, x, model.pool, method="hirescam")  # crisp maps: exact shares
    assert predicted.tolist() == [[True, False], [True, True], [False, False]]
    assert maps.shape == (3, SIZE, SIZE) and maps.min() >= 0 and maps.max() <= 1
    union = _mask(SQUARES[0]) | _mask(SQUARES[1])
    assert energy_inside(maps[1], union) > 0.7  # the rest is bilinear spread around the squares
    shares = energy_inside(np.stack([maps[1]] * 2), np.stack([_mask(SQUARES[0]), _mask(SQUARES[1])]))
    assert shares[0] == pytest.approx(shares[1], rel=0.05)  # both findings weigh alike
    one = cam_maps(model, x[:1], model.pool, method="hirescam", targets=0)[0]
    assert np.allclose(maps[0], one, atol=1e-5)  # one predicted class: its own map
    assert maps[2].max() > 0  # nothing predicted: the top class's map ...
    zeros, _ = multilabel_cam(model, x, model.pool, method="hirescam", empty="zeros")
    assert zeros[2].max() == 0 and np.allclose(zeros[:2], maps[:2])  # ... or an empty one


def test_guided_gradcam_stays_in_the_square_and_leaves_the_model_alone():
    model = SquareNet()
    relu = model.relu
    x = _images(0)
    g = guided_gradcam(model, x, model.pool, targets=0)
    _check_maps(g)
    inside = _mask(SQUARES[0])
    assert pointing_game(g, inside).all() and (energy_inside(g, inside) > 0.99).all()
    assert model.relu is relu  # the library swaps ReLUs in place: we ran it on a copy
    g1 = guided_gradcam(model, _images(1), model.pool, targets=[1, 1])
    assert (energy_inside(g1, _mask(SQUARES[1])) > 0.99).all()


def test_batched_guided_backprop_equals_the_librarys_one_image_calls():
    import copy

    from pytorch_grad_cam import GuidedBackpropReLUModel

    from fundus_utils.evaluation.cam import guided_backprop

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)).eval()
    x = torch.rand(5, 3, 12, 12)
    targets = [0, 2, 1, 1, 0]
    ours = guided_backprop(model, x, targets, batch_size=2)
    lib = GuidedBackpropReLUModel(model=copy.deepcopy(model), device=None)
    theirs = np.stack([lib(x[i:i + 1].clone(), target_category=t) for i, t in enumerate(targets)])
    assert ours.shape == (5, 12, 12, 3) and np.allclose(ours, theirs, atol=1e-6)
    assert isinstance(model[1], nn.ReLU)                  # the caller's model keeps its ReLUs


class TokenNet(nn.Module):
    """A ViT-shaped net: 4x4 patches -> tokens (class token first) -> a linear block -> logits.

    Token feature 0 is the sum of channel 0 over the patch; logit 0 sums it over SQUARES[0]'s patches.
    """

    def __init__(self, dim=4):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 4, stride=4, bias=False)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.block = nn.Linear(dim, dim)
        with torch.no_grad():
            self.patch.weight.zero_()
            self.patch.weight[0, 0] = 1.0
            self.patch.weight[1, 1] = 1.0
            self.block.weight.copy_(torch.eye(dim))
            self.block.bias.zero_()
        self.register_buffer("tokens_in", torch.from_numpy(_mask(SQUARES[0])[::4, ::4].reshape(-1).astype(np.float32)))

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)  # (N, 64, dim), row-major patches
        t = self.block(torch.cat([self.cls.expand(len(x), -1, -1), t], dim=1))  # (N, 65, dim)
        return torch.stack([(t[:, 1:, 0] * self.tokens_in).sum(1), t[:, 1:, 1].mean(1)], dim=1)


def test_vit_reshape_transform_shapes_and_cam_through_tokens():
    from pytorch_grad_cam.utils.reshape_transforms import vit_reshape_transform as library_transform

    tokens = torch.randn(2, 1 + 4 * 5, 6)
    out = vit_reshape_transform(4, 5)(tokens)
    assert out.shape == (2, 6, 4, 5)
    assert torch.equal(out, library_transform(tokens, 4, 5))
    assert torch.equal(out[:, :, 2, 3], tokens[:, 1 + 2 * 5 + 3])  # row-major patch grid, channels first
    two = vit_reshape_transform(4, 5, num_prefix_tokens=2)(torch.cat([tokens[:, :1], tokens], dim=1))
    assert torch.equal(two, out)
    with pytest.raises(ValueError, match="grid"):
        vit_reshape_transform(4, 4)(tokens)

    model = TokenNet()
    maps = cam_maps(model, _images(0), model.block, targets=0, reshape_transform=vit_reshape_transform(8, 8))
    _check_maps(maps)
    assert pointing_game(maps, _mask(SQUARES[0])).all()
    assert (energy_inside(maps, _mask(SQUARES[0])) > 4 * AREA).all()


def test_mask_scores_on_hand_made_maps():
    cam = np.zeros((4, 4))
    cam[0, 0], cam[3, 3] = 1.0, 3.0
    mask = np.zeros((4, 4), bool)
    mask[:2, :2] = True
    assert energy_inside(cam, mask) == pytest.approx(0.25)
    assert pointing_game(cam, mask) is False
    assert pointing_game(cam, mask, tolerance=3) is True  # the max at (3, 3) is sqrt(8) ~ 2.83 px from (1, 1)
    assert pointing_game(cam, mask, tolerance=2.5) is False
    assert pointing_game(np.arange(16.0).reshape(4, 4) == 5, mask) is True  # the max at (1, 1)

    flat = np.full((4, 4), 0.3)
    assert energy_inside(flat, mask) == pytest.approx(0.25)  # a uniform map scores the mask's area
    assert pointing_game(flat, mask) is False  # no maximum to point with
    assert np.isnan(energy_inside(np.zeros((4, 4)), mask))
    with pytest.raises(ValueError, match="non-negative"):
        energy_inside(-cam, mask)

    d = np.array([[0.9, 0.6], [0.2, 0.0]])
    m = np.array([[1, 0], [1, 0]], bool)
    assert cam_dice(d, m, threshold=0.5) == pytest.approx(0.5)  # {(0,0),(0,1)} vs {(0,0),(1,0)}
    assert cam_dice(d, m, threshold=0.1) == pytest.approx(2 * 2 / (3 + 2))
    assert cam_dice(d, m, threshold=0.95) == 0.0
    assert cam_dice(d, np.zeros((2, 2), bool), threshold=0.95) == 1.0  # both empty

    batch = np.stack([cam, flat, cam.T])  # one mask for every map
    assert np.allclose(energy_inside(batch, mask), [0.25, 0.25, 0.25])
    assert pointing_game(batch, mask).tolist() == [False, False, False]
    assert np.allclose(cam_dice(batch, np.stack([mask] * 3), threshold=2.0), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="does not fit"):
        energy_inside(batch, np.zeros((3, 3), bool))


def test_road_runs_per_image_and_prefers_the_true_map():
    model = SquareNet()
    x = _images(0)
    good = cam_maps(model, x, model.pool, targets=0)
    kw = dict(targets=0, percentiles=(20, 50, 80))
    s_good = road_scores(model, x, good, **kw)
    s_bad = road_scores(model, x, 1 - good, **kw)
    assert s_good.shape == (2,) and np.isfinite(s_good).all() and np.isfinite(s_bad).all()
    assert (s_good > s_bad).all() and (s_good > 0).all()  # removing the square first hurts the logit most
    assert np.array_equal(road_scores(model, x, good, **kw), s_good)  # seeded imputation noise
    morf = road_scores(model, x, good, kind="morf", **kw)
    assert morf.shape == (2,) and (morf < 0).all()
    assert np.allclose(road_scores(model, x, good, percentiles=(20, 50, 80)), s_good)  # top class = 0
    bin_model = SquareNet(n_classes=1)
    assert road_scores(bin_model, x, good, binary=True, percentiles=(50,)).shape == (2,)
    with pytest.raises(ValueError, match="kind"):
        road_scores(model, x, good, kind="both")


def test_package_import_does_not_load_pytorch_grad_cam():
    import subprocess
    import sys

    code = ("import sys, fundus_utils.evaluation as e; print([m in sys.modules for m in "
            "('fundus_utils.evaluation.cam', 'pytorch_grad_cam', 'torch')], e.cam_maps.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("] ")
    assert out == ["[False, False, False", "fundus_utils.evaluation.cam\n"]  # loaded on first use only
    assert "pytorch_grad_cam" not in C.__dict__ and "torch" not in C.__dict__
