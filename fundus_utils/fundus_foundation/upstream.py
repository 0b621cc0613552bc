"""Upstream pretraining: the four initialisations of the paper's trunks.

``Scratch``            random initialisation (timm's);
``ImageNet``           ImageNet weights (``full``: timm's ``cfg.imagenet``), or in ``smoke``/``real`` the
                       clearly labelled stand-in: the same trunk trained on synthetic non-fundus textures
                       (:mod:`fundus_utils.data.textures`), because nothing may download there;
``Fundus``             the trunk trained from scratch to tell normal from abnormal fundus pictures;
``ImageNet + Fundus``  the same, starting from the ImageNet (or stand-in) trunk: the paper's two-step model.

Upstream training follows the paper (Methods): ResNet trunk with the authors' head, two classes,
cross-entropy, Adam (beta1 0.9) with L2 weight decay ``wd``, batch 32, horizontal flip, greyscale,
blur and CLAHE augmentations (albumentations), up to ``epochs`` with early stopping on the loss of
held-out patients (``valid_fraction``), keeping the best epoch's weights. The learning rate is
constant (the paper states no schedule); the CPU profiles use a one-cycle schedule instead. One
upstream model per resolution of the ladder, as the paper releases one per resolution (smoke:
one at the top rung, reused by every rung; ``per_resolution``). Trunks are cached as
tensors-only state dicts in the result cache (keyed by the upstream table's rows, every
setting, the device and the library), so the downstream notebooks reuse what the upstream
notebook - or the batch job :mod:`.pretrain`, on several GPUs - trained. ``upstream.loader`` holds
the pictures in memory (smoke/real) or streams them from the resized-image cache (``full``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import albumentations as A
import numpy as np
import pandas as pd
import torch
from fastai.callback.tracker import EarlyStoppingCallback
from fastai.data.core import DataLoaders
from torch import nn

from .. import data
from ..config import Config
from ..data.splits import patient_holdout
from ..data.textures import ORIENTATIONS, synthetic_textures
from ..evaluation import delong_ci
from ..evaluation.bars import Bar, paired_auc
from ..models import create_model
from ..models.foundation_resnet import FoundationResNet
from ..seed import seed_everything
from ..train import make_learner, predict_batches, result_cache, tensor_dls
from ..train.checkpoint import BestCheckpoint
from ..train.distributed import distributed, per_process_batch
from ..train.learner import fitting, inference_options, predict_loader
from ..train.loaders import albumentations_batch
from ..train.streaming import CachedPictures, cached_picture_dls

INITS = ("Scratch", "ImageNet", "Fundus", "ImageNet + Fundus")


def imagenet_label(cfg: Config) -> str:
    """How tables name the "ImageNet" initialisation in this profile (the stand-in says so)."""
    return "ImageNet" if cfg.imagenet != "standin" else "ImageNet (stand-in: synthetic textures)"


def init_label(init: str, cfg: Config) -> str:
    """How tables name initialisation ``init`` in this profile: "ImageNet" becomes "ImageNet stand-in" there."""
    return init.replace("ImageNet", "ImageNet stand-in") if cfg.imagenet == "standin" else init


def _name(from_imagenet: bool, cfg: Config) -> str:
    return init_label("ImageNet + Fundus" if from_imagenet else "Fundus", cfg)


def source(cfg: Config) -> str:
    """The upstream set for provenance lines: its dataset name and, for a twin, its parameters."""
    up = cfg.upstream
    return f"{up.dataset} {dict(up.twin)}" if up.twin else str(up.dataset)


def training_size(cfg: Config, size: int) -> int:
    """The resolution the upstream model used at rung ``size`` was trained at (``size``, or the top rung)."""
    if size not in cfg.resolutions:
        raise ValueError(f"{size} px is not a rung of the ladder {tuple(cfg.resolutions)}")
    return size if cfg.upstream.per_resolution else max(cfg.resolutions)


def training_sizes(cfg: Config) -> list[int]:
    """The resolutions at which upstream models are trained, ascending."""
    return sorted({training_size(cfg, s) for s in cfg.resolutions})


def upstream_table(cfg: Config) -> pd.DataFrame:
    """The upstream normal-vs-abnormal table (column ``abnormal``): the screening twin, or the user's set in ``full``."""
    up = cfg.upstream
    if up.dataset is None:
        raise ValueError("the full profile pretrains on your own upstream set: register it as a dataset whose table "
                         "has an 'abnormal' column (1 = abnormal, 0 = normal) and pass "
                         "overrides={'upstream.dataset': '<name>'} (the paper: 113,645 pictures, 8:2 normal:abnormal)")
    table = data.open_dataset(up.dataset, cfg.data_root, **(up.twin or {}))
    if "abnormal" not in table:
        raise ValueError(f"upstream dataset {up.dataset!r} has no 'abnormal' column (1 = abnormal, 0 = normal)")
    if not table["abnormal"].isin([0, 1]).all():
        bad = table.loc[~table["abnormal"].isin([0, 1]), "image_id"].head(3).tolist()
        raise ValueError(f"upstream dataset {up.dataset!r}: 'abnormal' must be 0 or 1 (rows {bad})")
    return table


def pictures(table: pd.DataFrame, size: int) -> np.ndarray:
    """The table's pictures resized to ``size`` px, uint8 ``N x 3 x size x size`` (through the resized-image cache)."""
    return data.load_resized(table, size, ["image"])["image"].transpose(0, 3, 1, 2)


def augmentation(cfg: Config, seed: int) -> A.Compose:
    """The paper's upstream augmentations with their probabilities (``cfg.upstream.augment``).

    Seeded: albumentations 2 draws from its own generator, which the global seeds do not reach.
    """
    p = cfg.upstream.augment
    return A.Compose([A.HorizontalFlip(p=p.hflip), A.ToGray(num_output_channels=3, p=p.grey),
                      A.GaussianBlur(blur_limit=(3, 5), p=p.blur), A.CLAHE(p=p.clahe)], seed=seed)


def _key(cfg: Config, **more) -> dict:
    return {"backbone": cfg.backbone, "device": str(cfg.device), "amp": bool(cfg.amp), "seed": cfg.seed, **more}


def standin_trunk(cfg: Config) -> dict:
    """The ImageNet stand-in: the trunk after the synthetic-texture orientation task (cached). Returns
    ``{"state": trunk state dict, "accuracy": held-out accuracy (chance 0.25)}``."""
    s = cfg.standin
    path = result_cache.entry(Path(cfg.cache_dir) / "fundus_foundation" / "standin", _key(cfg, standin=dict(s)))

    def compute() -> dict:
        seed_everything(cfg.seed + 7)
        x, y = synthetic_textures(s.n, (s.size, s.size), seed=cfg.seed + 7)
        xv, yv = synthetic_textures(max(s.n // 8, 16), (s.size, s.size), seed=cfg.seed + 8)
        model = create_model("foundation_resnet", backbone=cfg.backbone, num_classes=len(ORIENTATIONS))
        dls = tensor_dls(x, y, xv, yv, bs=s.bs, device=cfg.device, drop_last=True)
        learn = make_learner(dls, model, nn.CrossEntropyLoss(), cfg, lr=s.lr,
                             metrics=[lambda p, t: (p.argmax(1) == t).float().mean()])
        with fitting("ImageNet stand-in (synthetic textures)"):
            learn.fit_one_cycle(s.epochs, s.lr)
        return {"state": model.trunk_state(), "accuracy": float(learn.recorder.values[-1][-1])}

    return result_cache.cached(path, compute)


def imagenet_trunk(cfg: Config) -> dict[str, torch.Tensor]:
    """ImageNet weights of the trunk (timm, ``full``) or the stand-in's (``cfg.imagenet == "standin"``)."""
    if cfg.imagenet == "standin":
        return standin_trunk(cfg)["state"]
    return create_model("foundation_resnet", backbone=cfg.imagenet, pretrained=True).trunk_state()


def new_model(cfg: Config, trunk: dict[str, torch.Tensor] | None, num_classes: int = 2,
              seed: int | None = None) -> FoundationResNet:
    """A fresh network of the chapter's backbone, its trunk loaded from ``trunk`` (``None``: Scratch).

    ``seed``: draw the fresh weights under this torch seed, leaving the global generator as it was
    (a frozen Scratch trunk's features must not depend on what ran before); None: the global generator.
    """
    with torch.random.fork_rng(devices=[], enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        model = create_model("foundation_resnet", backbone=cfg.backbone, num_classes=num_classes)
    if trunk is not None:
        model.trunk.load_state_dict(trunk)
    return model


def _upstream_loaders(cfg: Config, table: pd.DataFrame, size: int, fit: np.ndarray, valid: np.ndarray,
                      test: np.ndarray, seed: int) -> tuple[DataLoaders, Callable[[nn.Module], np.ndarray]]:
    """The upstream training loaders and a function scoring the test rows with a model.

    ``upstream.loader``: ``"memory"`` holds the pictures as one uint8 array (smoke/real: fastest);
    ``"files"`` streams them from the resized-image cache, augmented in DataLoader workers (``full``:
    the paper's 113,645 pictures are 89 GB at 512 px). The global batch is ``upstream.bs`` in
    either case: with several processes each draws ``bs / processes`` of it.
    """
    up = cfg.upstream
    bs = per_process_batch(up.bs)
    softmax = lambda t: t.softmax(1)[:, 1]  # noqa: E731
    y = table["abnormal"].to_numpy(int)
    if up.loader == "memory":
        x = pictures(table, size)
        dls = tensor_dls(x[fit], y[fit], x[valid], y[valid], bs=bs, device=cfg.device, drop_last=True,
                         augment=albumentations_batch(augmentation(cfg, seed)))
        return dls, lambda model: predict_batches(model, x[test], bs=64, activation=softmax, **inference_options(cfg))
    if up.loader != "files":
        raise ValueError(f"upstream.loader must be 'memory' or 'files', got {up.loader!r}")
    paths = table["image"].to_numpy()
    sets = [CachedPictures(paths[rows], y[rows], size, augmentation(cfg, seed) if rows is fit else None)
            for rows in (fit, valid, test)]
    common = dict(device=cfg.device, num_workers=cfg.num_workers, channels_last=bool(cfg.channels_last))
    dls = cached_picture_dls(sets[0], sets[1], bs=bs, drop_last=True, valid_bs=2 * bs, **common)
    test_dl = dls.valid.new(sets[2])  # the validation loader's settings, on the test pictures

    def scores(model: nn.Module) -> np.ndarray:
        return predict_loader(model, test_dl, activation=softmax, amp=bool(cfg.amp))

    return dls, scores


def fundus_trunk(cfg: Config, size: int, from_imagenet: bool) -> dict:
    """The upstream normal-vs-abnormal model at ``size`` px, from scratch (Fundus) or ImageNet (ImageNet + Fundus).

    ``size`` is a rung of the ladder; the model is trained at :func:`training_size`. Cached. Returns
    ``{"state": trunk state dict, "epochs": trained, "best_epoch", "test": DataFrame of the upstream
    test split's labels and scores}`` (the test split is the upstream table's ``test`` patients, never trained on).
    """
    table = upstream_table(cfg)
    up = cfg.upstream
    size = training_size(cfg, size)
    key = _key(cfg, size=size, start="imagenet" if from_imagenet else "scratch", imagenet=cfg.imagenet,
               upstream=dict(up), rows=result_cache.row_digests(table),
               standin=dict(cfg.standin) if from_imagenet and cfg.imagenet == "standin" else None)
    path = result_cache.entry(Path(cfg.cache_dir) / "fundus_foundation" / "upstream", key)

    def compute() -> dict:
        y = table["abnormal"].to_numpy(int)
        test = (table["split"] == "test").to_numpy()
        train = np.flatnonzero(~test)
        valid = train[patient_holdout(table["patient_id"].to_numpy()[train], up.valid_fraction, cfg.seed)]
        fit = np.setdiff1d(train, valid)
        seed = cfg.seed + (17 if from_imagenet else 13)
        # the starting trunk first: on a cold cache the stand-in trains (and reseeds) here, and the
        # model must not depend on whether it had been cached
        start = imagenet_trunk(cfg) if from_imagenet else None
        seed_everything(seed)
        model = new_model(cfg, start)
        dls, test_scores = _upstream_loaders(cfg, table, size, fit, valid, np.flatnonzero(test), seed)
        best = BestCheckpoint(every=1)
        stop = [] if up.patience is None else [EarlyStoppingCallback(monitor="valid_loss", patience=up.patience)]
        learn = make_learner(dls, model, nn.CrossEntropyLoss(), cfg, lr=up.lr, wd=up.wd, cbs=[best, *stop])
        name = "ImageNet + Fundus" if from_imagenet else "Fundus"
        # Several processes (accelerate launch, see .pretrain): DistributedDataParallel with
        # synchronised batch norm; each process draws its share of every global batch of up.bs.
        with fitting(f"upstream {name} at {size} px"), distributed(learn):
            if up.schedule == "one_cycle":
                learn.fit_one_cycle(up.epochs, up.lr)
            elif up.schedule == "constant":
                learn.fit(up.epochs, up.lr)
            else:
                raise ValueError(f"upstream.schedule must be 'constant' or 'one_cycle', got {up.schedule!r}")
        frame = pd.DataFrame({"image_id": table["image_id"].to_numpy()[test], "abnormal": y[test],
                              "score": test_scores(model)})
        return {"state": model.trunk_state(), "epochs": len(learn.recorder.values), "best_epoch": best.best_epoch,
                "test": frame}

    return result_cache.cached(path, compute)


def trunk(init: str, cfg: Config, size: int) -> dict[str, torch.Tensor] | None:
    """The trunk state of initialisation ``init`` (one of :data:`INITS`) for pictures of ``size`` px."""
    if init not in INITS:
        raise ValueError(f"unknown initialisation {init!r}; choose one of {INITS}")
    if init == "Scratch":
        return None
    if init == "ImageNet":
        return imagenet_trunk(cfg)
    return fundus_trunk(cfg, size, from_imagenet=init == "ImageNet + Fundus")["state"]


def upstream_summary(cfg: Config) -> pd.DataFrame:
    """Per resolution and upstream model: epochs, best epoch, and the AUC [DeLong 95 % CI] on the upstream test split."""
    rows = []
    for size in training_sizes(cfg):
        for from_imagenet in (False, True):
            r = fundus_trunk(cfg, size, from_imagenet)
            auc, lo, hi = delong_ci(r["test"]["abnormal"].to_numpy(), r["test"]["score"].to_numpy())
            rows.append({"resolution": size, "model": _name(from_imagenet, cfg),
                         "epochs": r["epochs"], "best epoch": r["best_epoch"], "test pictures": len(r["test"]),
                         "abnormal": int(r["test"]["abnormal"].sum()), "AUC [95% CI]": f"{auc:.3f} [{lo:.3f}, {hi:.3f}]",
                         "auc": auc})
    return pd.DataFrame(rows)


def per_finding(cfg: Config) -> pd.DataFrame:
    """Upstream test AUC of each upstream model (top training size) per finding: the normal pictures vs the
    abnormal ones showing that finding (an eye with two findings counts for both), with the count of
    each finding's pictures; what the trunks learned to see and what they miss."""
    table = upstream_table(cfg).set_index("image_id")
    size = max(training_sizes(cfg))
    out = {}
    for from_imagenet in (False, True):
        test = fundus_trunk(cfg, size, from_imagenet)["test"]
        found = table.loc[test["image_id"], "findings"].fillna("").astype(str).str.split("|").to_numpy()
        normal = test["abnormal"].to_numpy() == 0
        for finding in sorted({f for fs in found for f in fs if f}):
            has = np.array([finding in fs for fs in found])
            pick = normal | has
            auc = delong_ci(has[pick].astype(int), test["score"].to_numpy()[pick])[0]
            out.setdefault(finding, {"pictures": int(has.sum())})[
                f"{_name(from_imagenet, cfg)} AUC"] = auc
    return pd.DataFrame.from_dict(out, orient="index").rename_axis("finding").reset_index()


def upstream_bars(cfg: Config) -> list[Bar]:
    """Per resolution and upstream model: its AUC on the upstream test split vs chance (a constant score, the
    prevalence baseline: AUC 0.5), stratified paired bootstrap on the same pictures."""
    out = []
    for size in training_sizes(cfg):
        for from_imagenet in (False, True):
            test = fundus_trunk(cfg, size, from_imagenet)["test"]
            out.append(paired_auc(f"upstream {_name(from_imagenet, cfg)} at {size} px: abnormal AUC vs chance", test["abnormal"].to_numpy(),
                                  test["score"].to_numpy()))
    return out
