"""Training infrastructure: U-Net, in-memory loaders, losses, metrics, learner."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from fundus_utils import config
from fundus_utils.models import UNet, create_model, list_models, register_model
from fundus_utils.seed import seed_everything
from fundus_utils.train import (DiceBCELoss, DiceMetric, FocalLoss, dice_loss, dice_per_sample, make_learner,
                                predict_batches, random_flips, tensor_dls)


def disc_data(n: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright discs on noise: uint8 images (n, 3, s, s) and float masks (n, 1, s, s)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    x = rng.normal(0.3, 0.1, (n, 3, size, size))
    y = np.zeros((n, 1, size, size), np.float32)
    for i in range(n):
        cy, cx, r = rng.uniform(size / 4, 3 * size / 4, 2).tolist() + [rng.uniform(size / 8, size / 4)]
        m = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        y[i, 0] = m
        x[i][:, m] += 0.5
    return (np.clip(x, 0, 1) * 255).astype(np.uint8), y


@pytest.mark.parametrize("size", [64, 96, 128])
@pytest.mark.parametrize("depth", [2, 4])
def test_unet_shapes(size: int, depth: int) -> None:
    if size % 2**depth:
        pytest.skip("size not divisible")
    net = UNet(in_channels=3, out_channels=2, width=4, depth=depth)
    assert net(torch.randn(2, 3, size, size)).shape == (2, 2, size, size)


def test_unet_variants_and_registry() -> None:
    assert "unet" in list_models()
    for norm in ("batch", "group", "instance", "none"):
        net = create_model("unet", in_channels=1, out_channels=3, width=8, depth=3, norm=norm, up="transpose")
        assert net(torch.randn(1, 1, 40, 40)).shape == (1, 3, 40, 40)
    with pytest.raises(ValueError, match="unknown model"):
        create_model("nope")

    @register_model("tiny_test_net")
    def tiny(**kw):
        return torch.nn.Conv2d(3, 1, 1)

    assert isinstance(create_model("tiny_test_net"), torch.nn.Conv2d)


def test_loaders_batches_shuffle_and_coverage() -> None:
    n = 37
    x = np.arange(n, dtype=np.uint8).reshape(n, 1, 1, 1).repeat(3, 1).repeat(8, 2).repeat(8, 3)
    y = np.arange(n)
    dls = tensor_dls(x, y, x[:10], y[:10], bs=8, device="cpu")
    assert dls.train.fake_l.num_workers == 0  # CPU default: no worker processes
    assert len(dls.train) == 5 and len(dls.valid) == 2
    orders = []
    for _ in range(2):
        batches = list(dls.train)
        assert [len(b[0]) for b in batches] == [8, 8, 8, 8, 5]
        xb, yb = batches[0]
        assert xb.shape == (8, 3, 8, 8) and xb.dtype == torch.float32
        assert torch.allclose(xb[:, 0, 0, 0] * 255, yb.float())  # images and labels stay aligned
        order = torch.cat([b[1] for b in batches]).tolist()
        assert sorted(order) == list(range(n))  # every sample once per epoch
        orders.append(order)
    assert orders[0] != orders[1] and orders[0] != list(range(n))  # shuffled, differently each epoch
    assert torch.cat([b[1] for b in dls.valid]).tolist() == list(range(10))  # validation in order


def test_loader_normalise_augment_channels_last() -> None:
    x, y = disc_data(8, 16)
    dls = tensor_dls(x, y, x, y, bs=4, augment=random_flips, mean=[0.5] * 3, std=[0.25] * 3, channels_last=True)
    xb, yb = dls.valid.one_batch()
    ref = (torch.from_numpy(x[:4]).float() / 255 - 0.5) / 0.25
    assert torch.allclose(xb, ref, atol=1e-6)
    assert xb.is_contiguous(memory_format=torch.channels_last)
    torch.manual_seed(0)
    xb, yb = dls.train.one_batch()
    # flips keep image and mask aligned: mask pixels are the bright ones
    bright = xb.mean(1, keepdim=True) > 0.5
    assert (bright == (yb > 0.5)).float().mean() > 0.95


def test_focal_loss() -> None:
    logits = torch.tensor([0.0, 2.0, -1.0, 3.0])
    target = torch.tensor([1.0, 0.0, 0.0, 1.0])
    assert torch.allclose(FocalLoss(gamma=0)(logits, target), F.binary_cross_entropy_with_logits(logits, target))
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    expected = []
    for v, t in zip(logits.tolist(), target.tolist()):
        p_t = sig(v) if t else 1 - sig(v)
        expected.append((1 - p_t) ** 2 * -math.log(p_t))
    assert FocalLoss(gamma=2)(logits, target).item() == pytest.approx(sum(expected) / 4, rel=1e-5)
    alpha = FocalLoss(gamma=2, alpha=0.25, reduction="sum")(logits, target).item()
    w = [0.25 if t else 0.75 for t in target.tolist()]
    assert alpha == pytest.approx(sum(a * e for a, e in zip(w, expected)), rel=1e-5)


def test_dice_loss_and_metrics() -> None:
    logits = torch.zeros(1, 1, 2, 2)  # p = 0.5 everywhere
    target = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    # intersection 0.5, sum p 2, sum t 1: smooth=1 -> 1 - 2/4; smooth=0 -> 1 - 1/3
    assert dice_loss(logits, target).item() == pytest.approx(0.5)
    assert dice_loss(logits, target, smooth=0).item() == pytest.approx(2 / 3)
    bce = F.binary_cross_entropy_with_logits(logits, target).item()
    assert DiceBCELoss()(logits, target[:, 0]).item() == pytest.approx(bce + 0.5)
    hard = torch.tensor([[[[5.0, 5.0], [-5.0, -5.0]]]])  # predicts the top row
    assert dice_per_sample(hard, target).item() == pytest.approx(2 / 3, rel=1e-5)
    assert dice_per_sample(-hard.abs(), torch.zeros_like(target)).item() == 1.0  # both empty


def test_learner_overfits_discs() -> None:
    seed_everything(0)
    x, y = disc_data(96, 32)
    dls = tensor_dls(x[:64], y[:64], x[64:], y[64:], bs=16)
    cfg = dataclasses.replace(config.load("synthetic", "smoke"), amp=False, channels_last=False)
    learn = make_learner(dls, UNet(width=8, depth=2), DiceBCELoss(), cfg=cfg,
                         metrics=[DiceMetric(), dice_per_sample], progress=False)
    learn.fit_one_cycle(8, 1e-2)
    names = list(learn.recorder.metric_names)
    dice = learn.recorder.values[-1][names.index("dice") - 1]
    assert dice > 0.9, learn.recorder.values
    prob = predict_batches(learn.model, x[64:], bs=16)
    assert prob.shape == (32, 1, 32, 32) and prob.dtype == np.float32 and 0 <= prob.min() <= prob.max() <= 1
    assert ((prob > 0.5) == (y[64:] > 0.5)).mean() > 0.97
    preds, targs = learn.get_preds()  # fastai inference path works on our loaders
    assert preds.shape == (32, 1, 32, 32)


def test_learner_channels_last_and_quiet(capfd) -> None:
    x, y = disc_data(8, 16)
    dls = tensor_dls(x, y, x, y, bs=4)
    cfg = dataclasses.replace(config.load("synthetic", "smoke"), amp=True, channels_last=True)  # amp: no-op on CPU
    learn = make_learner(dls, UNet(width=4, depth=2), DiceBCELoss(), cfg=cfg, progress=False)
    assert learn.model.stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert dls.train.channels_last
    assert not any(type(cb).__name__ == "ProgressCallback" for cb in learn.cbs)
    assert not any(type(cb).__name__ == "MixedPrecision" for cb in learn.cbs)
    learn.fit(2)
    out, err = capfd.readouterr()
    assert out == ""  # no bars, no epoch table in the notebook's output
    lines = [l for l in err.splitlines() if l.startswith("epoch ")]  # one line per epoch on stderr
    assert len(lines) == 2 and "train_loss" in lines[0] and "time" in lines[0], err
    assert len(learn.recorder.values) == 2
    noisy = make_learner(dls, UNet(width=4, depth=2), DiceBCELoss(), progress=True)
    assert any(type(cb).__name__ == "ProgressCallback" for cb in noisy.cbs)


def test_progress_env(monkeypatch) -> None:
    x, y = disc_data(4, 16)
    monkeypatch.setenv("FUNDUS_PROGRESS", "0")
    learn = make_learner(tensor_dls(x, y, x, y, bs=4), UNet(width=4, depth=1), DiceBCELoss())
    assert not any(type(cb).__name__ == "ProgressCallback" for cb in learn.cbs)


def test_loader_workers_path() -> None:
    """The GPU-profile path (persistent worker processes) yields every sample once per epoch."""
    n = 20
    x = np.zeros((n, 1, 4, 4), np.uint8)
    y = np.arange(n)
    dls = tensor_dls(x, y, x, y, bs=6, num_workers=2)
    assert dls.train.fake_l.num_workers == 2 and dls.train.fake_l.persistent_workers
    for _ in range(2):
        assert sorted(torch.cat([b[1] for b in dls.train]).tolist()) == list(range(n))
    with pytest.raises(ValueError, match="worker"):
        tensor_dls(x, y, x, y, bs=6, num_workers=2, on_device=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_path() -> None:
    x, y = disc_data(32, 32)
    dls = tensor_dls(x, y, x, y, bs=8, device="cuda")
    assert dls.train.dataset.tensors[0].is_cuda and dls.train.fake_l.num_workers == 0
    cfg = dataclasses.replace(config.load("synthetic", "smoke", device="cuda"), amp=True, channels_last=True)
    learn = make_learner(dls, UNet(width=8, depth=2), DiceBCELoss(), cfg=cfg, metrics=[DiceMetric()], progress=False)
    assert any(type(cb).__name__ == "MixedPrecision" for cb in learn.cbs)
    learn.fit(1)
    assert predict_batches(learn.model, x, bs=8, device="cuda", amp=True, channels_last=True).shape == y.shape


def test_epoch_lines_go_to_the_runners_log(monkeypatch, tmp_path, capfd) -> None:
    x, y = disc_data(8, 16)
    log = tmp_path / "nb.log"
    monkeypatch.setenv("FUNDUS_LOG", str(log))
    learn = make_learner(tensor_dls(x, y, x, y, bs=4), UNet(width=4, depth=1), DiceBCELoss(), progress=False)
    learn.fit(3)
    out, err = capfd.readouterr()
    assert "epoch" not in out + err                      # nothing in the notebook's output
    lines = log.read_text().splitlines()
    assert [l.split()[:2] for l in lines] == [["epoch", "0"], ["epoch", "1"], ["epoch", "2"]]


def test_epoch_line_names_runs_and_epochs_without_validation() -> None:
    from fundus_utils.train.learner import epoch_line, fitting

    names = ["epoch", "train_loss", "valid_loss", "dice", "time"]
    assert epoch_line(names, [0, 0.5, 0.4, 0.8, "00:01"]) == "epoch 0  train_loss 0.5  valid_loss 0.4  dice 0.8  time 00:01"
    with fitting("MTL-IO fold0"):
        assert epoch_line(names, [1, 0.3, "00:02"]) == "[MTL-IO fold0] epoch 1  train_loss 0.3  time 00:02"
    assert not epoch_line(names, [1, 0.3, "00:02"]).startswith("[")


def test_holdout_is_a_seeded_draw_of_whole_patients() -> None:
    from fundus_utils.data import patient_holdout
    from fundus_utils.train import holdout_dls

    patients = np.repeat([f"p{i}" for i in range(20)], 2)                 # two eyes each, in table order
    held = patient_holdout(patients, 0.1, seed=0)
    assert held.sum() == 4 and len(set(patients[held])) == 2               # 10 % of the rows, whole patients
    assert not set(patients[held]) & set(patients[~held])
    assert (held == patient_holdout(patients, 0.1, seed=0)).all()          # seeded
    draws = {tuple(patient_holdout(patients, 0.1, seed=s)) for s in range(10)}
    assert len(draws) > 5 and tuple(np.arange(40) >= 36) not in draws      # random, not "the last 10 %"
    assert patient_holdout(np.arange(5), 0.01).sum() == 1                  # at least one row
    assert (~patient_holdout(["a", "a", "b"], 0.9)).any()                  # never every patient
    with pytest.raises(ValueError, match="two patients"):
        patient_holdout(["a", "a"], 0.5)
    x, y = np.arange(40, dtype=np.uint8).reshape(40, 1, 1, 1), np.zeros((40, 1, 1, 1), np.uint8)
    dls = holdout_dls(x, y, patients, 0.1, seed=0, bs=4)
    valid_ids = {int(v) for v in dls.valid.dataset.tensors[0].flatten()}
    assert valid_ids == set(np.flatnonzero(held)) and len(dls.train.dataset) == 36


def test_a_training_loader_is_never_empty() -> None:
    from fundus_utils.train import holdout_dls, tensor_dls

    x, y = np.zeros((5, 1, 2, 2), np.uint8), np.zeros((5, 1, 2, 2), np.uint8)
    dls = holdout_dls(x, y, None, 0.2, seed=0, bs=8, drop_last=True)       # 4 training rows < bs: one batch kept
    assert len(list(dls.train)) == 1
    assert len(list(holdout_dls(np.zeros((21, 1, 2, 2)), np.zeros((21, 1)), None, 0.05, bs=8).train)) == 2  # ragged 4th
    with pytest.raises(ValueError, match="fewer than the batch size 8"):
        tensor_dls(x, y, x, y, bs=8, drop_last=True)


def _picture_files(tmp_path, n: int = 10) -> list[str]:
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def test_streamed_pictures_are_the_in_memory_batches(tmp_path, monkeypatch) -> None:
    """The cache-streaming loader hands the model the tensors tensor_dls would, with or without workers."""
    import pandas as pd

    from fundus_utils.data.cache import load_resized
    from fundus_utils.train.streaming import CachedPictures, cached_picture_dls

    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    paths, y = _picture_files(tmp_path), np.arange(10) % 2
    table = pd.DataFrame({"image": paths, "image_id": [str(i) for i in range(10)]})
    x = load_resized(table, 32)["image"].transpose(0, 3, 1, 2)
    memory = tensor_dls(x, y, x, y, bs=4, mean=[0.5] * 3, std=[0.25] * 3, channels_last=True)
    for workers in (0, 2):
        ds = CachedPictures(paths, y, 32)
        streamed = cached_picture_dls(ds, ds, bs=4, num_workers=workers, mean=[0.5] * 3, std=[0.25] * 3,
                                      channels_last=True)
        for (xs, ys), (xm, ym) in zip(streamed.valid, memory.valid):
            assert torch.equal(xs, xm) and torch.equal(ys, ym)
            assert xs.is_contiguous(memory_format=torch.channels_last)
        seen = torch.cat([b[1] for b in streamed.train])
        assert sorted(seen.tolist()) == sorted(y.tolist())        # every picture once per epoch
    with pytest.raises(ValueError, match="fewer than the batch size"):
        cached_picture_dls(ds, ds, bs=16, drop_last=True)
    with pytest.raises(ValueError, match="10 pictures but 3 labels"):
        CachedPictures(paths, y[:3], 32)


def test_streaming_workers_augment_with_streams_of_their_own(tmp_path, monkeypatch) -> None:
    """Each DataLoader worker reseeds its copy of the albumentations transform: no two workers flip alike."""
    import albumentations as A

    from fundus_utils.train.streaming import CachedPictures, cached_picture_dls

    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    paths = [_picture_files(tmp_path, 1)[0]] * 64            # one picture: any difference is the augmentation
    plain = CachedPictures(paths, np.zeros(64), 32)[0][0]
    seed_everything(0)
    ds = CachedPictures(paths, np.zeros(64), 32, A.Compose([A.HorizontalFlip(p=0.5)], seed=1))
    batches = [b[0] for b in cached_picture_dls(ds, ds, bs=8, num_workers=2).train]
    flipped = [torch.equal((x * 255).round().to(torch.uint8), plain.flip(-1)) for b in batches for x in b]
    per_batch = [tuple(flipped[i:i + 8]) for i in range(0, 64, 8)]
    assert 10 < sum(flipped) < 54
    assert per_batch[0::2] != per_batch[1::2]    # workers 0 and 1 build alternate batches: same seed, same flips
