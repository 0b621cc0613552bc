"""Classifier two-sample test: can a small CNN tell the twin's pictures from real photographs?

Real pictures (every real set present, at ``size`` px, letterboxed) and as many twin pictures
(in random styles, or - v2 only, v1 has no fitted styles - in the style fitted to each real set,
in the same numbers per set) are labelled real = 0 / twin = 1 and split by patient (a twin
picture is its own patient), seeded, into training and test. A small CNN (four conv-BN-ReLU
blocks and global pooling, fastai ``Learner``) learns the label; its AUC on the test pictures,
with DeLong's 95 % CI, is the answer: 0.5 means indistinguishable, 1.0 trivially told apart
(Lopez-Paz & Oquab, "Revisiting classifier two-sample tests", ICLR 2017).
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from torch import nn

from .. import data
from ..config import Config
from ..data.registry import present
from ..data.splits import patient_holdout
from ..evaluation import delong_ci
from ..seed import seed_everything
from ..train.learner import fitting, make_learner, predict_batches
from ..train.loaders import random_flips, tensor_dls
from .colour_fit import DEVICES, real_pictures
from .realism import twin_pictures


def small_cnn(width: int = 16) -> nn.Module:
    """Four stride-2 conv-BN-ReLU blocks, global average pooling, one logit."""
    layers, c = [], 3
    for k in range(4):
        layers += [nn.Conv2d(c, width * 2 ** k, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width * 2 ** k),
                   nn.ReLU(inplace=True)]
        c = width * 2 ** k
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1))


@functools.lru_cache(maxsize=4)
def _real(name: str, root: str, size: int, per_set: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """A real set's first ``per_set`` pictures (N x size x size x 3) and patients, read once for the three tests."""
    table = data.open_dataset(name, root).head(per_set)
    images = np.stack([p.image for p in real_pictures(name, root, size, limit=per_set)])
    return images, tuple(table["patient_id"].astype(str))


def pictures(simulator: str, root, size: int, seed: int, per_set: int, fitted: bool
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images N x 3 x size x size uint8, labels real 0 / twin 1, patient ids) for one test."""
    images, labels, patients = [], [], []
    for k, name in enumerate(DEVICES):
        if not present(name, root):
            continue
        real, real_patients = _real(name, str(root), size, per_set)
        style = name if fitted else None
        twin = [p.image for p in twin_pictures(simulator, len(real), size, seed + 10_000 * k, style, size)]
        images += [*real, *twin]
        labels += [0] * len(real) + [1] * len(twin)
        patients += [f"{name}:{p}" for p in real_patients] + [f"twin:{name}:{i}" for i in range(len(twin))]
    x = np.stack(images).transpose(0, 3, 1, 2).copy()
    return x, np.asarray(labels, np.float32), np.asarray(patients)


def test(simulator: str, cfg: Config, fitted: bool = False) -> dict:
    """Train the CNN to tell ``simulator``'s twin (random styles, or v2 in each set's ``fitted`` style)
    from the real sets; its held-out AUC and CI."""
    t = cfg.two_sample
    x, y, patients = pictures(simulator, cfg.data_root, t.size, cfg.seed, t.per_set, fitted)
    held_out = patient_holdout(patients, t.test_fraction, cfg.seed)
    train = ~held_out
    seed_everything(cfg.seed)
    dls = tensor_dls(x[train], y[train, None], x[held_out], y[held_out, None], bs=t.batch_size,
                     augment=random_flips, drop_last=True, mean=[127.5] * 3, std=[64.0] * 3)
    learn = make_learner(dls, small_cnn(t.width), nn.BCEWithLogitsLoss(), cfg=cfg, lr=t.lr)
    with fitting(f"two-sample test {simulator}"):
        learn.fit_one_cycle(t.epochs, t.lr)
    # logits, not probabilities: a confident network saturates the sigmoid into ties
    scores = predict_batches(learn.model, x, bs=64, device=cfg.device, activation=None,
                             mean=[127.5] * 3, std=[64.0] * 3)[:, 0]
    auc, lo, hi = delong_ci(y[held_out].astype(int), scores[held_out])
    # an under-trained CNN also says "indistinguishable": its training AUC tells the two apart
    train_auc = delong_ci(y[train].astype(int), scores[train])[0]
    styles = "each set's fitted style" if fitted else "random styles"
    return {"twin": f"{simulator}, {styles}",
            "real pictures": int((y == 0).sum()), "twin pictures": int((y == 1).sum()),
            "test pictures": int(held_out.sum()), "AUC": round(auc, 3), "lo": round(lo, 3), "hi": round(hi, 3),
            "training AUC": round(train_auc, 3)}


def table(cfg: Config) -> pd.DataFrame:
    """v1 and v2 in random styles (the domain-randomised twins), and v2 in each real set's fitted style."""
    return pd.DataFrame([test("v1", cfg), test("v2", cfg), test("v2", cfg, fitted=True)])
