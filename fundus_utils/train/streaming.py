"""fastai DataLoaders that read each picture from the resized-image cache when a batch needs it.

For sets too large to hold in memory as :func:`~.loaders.tensor_dls` does: the paper's upstream
set of 113,645 pictures is 89 GB as uint8 at 512 px and 357 GB at 1024 px. An item is one read
of its cached ``.npy`` (decoded and resized once, on first use, by
:func:`fundus_utils.data.cache.load_one`), augmented picture by picture by an albumentations
transform in the DataLoader's worker processes (where the CPU work overlaps the GPU's), and
collated as uint8. On the device the batch goes through the same ``after_batch`` as
:class:`~.loaders.TensorDataLoader` (float in [0, 1], ``mean``/``std``, channels_last), so a
model sees the same tensors from either loader. fastai's distributed training
(``Learner.distrib_ctx``, launched with ``accelerate launch``) shards these loaders like any other.
"""
from __future__ import annotations

import os
from typing import Callable, Sequence

import numpy as np
import torch
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from torch.utils.data import get_worker_info

from ..config import default_num_workers
from ..data.cache import load_one
from .loaders import TensorDataLoader

Transform = Callable[..., dict]


class CachedPictures:
    """Pictures ``paths`` resized to ``size`` px (through the resized-image cache) with their ``labels``.

    ``ds[i]`` is ``(uint8 3 x size x size tensor, label tensor)``; ``transform`` (an albumentations
    transform, applied to the HWC uint8 picture) augments it.
    """

    def __init__(self, paths: Sequence[str], labels: np.ndarray, size: int, transform: Transform | None = None) -> None:
        if len(paths) != len(labels):
            raise ValueError(f"{len(paths)} pictures but {len(labels)} labels")
        self.paths, self.labels, self.size, self.transform = list(paths), np.asarray(labels), int(size), transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = load_one(self.paths[i], self.size)
        if self.transform is not None:
            x = self.transform(image=x)["image"]
            if x.ndim == 2:  # a greyscale transform that dropped the channel axis
                x = np.repeat(x[..., None], 3, axis=-1)
        return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))), torch.as_tensor(self.labels[i])


class CachedPicturesLoader(TensorDataLoader):
    """A fastai ``DataLoader`` over :class:`CachedPictures`: items built one by one (in workers),
    batches finished on the device by :meth:`TensorDataLoader.after_batch`."""

    # fastai's default per-item path instead of TensorDataLoader's one-gather batches
    create_batches = DataLoader.create_batches
    create_batch = DataLoader.create_batch

    def wif(self) -> None:
        # Each worker process holds a copy of the transform with the same seed: give each its
        # own stream, from the worker's torch seed (drawn from the seeded parent) and the
        # distributed rank (the processes of a multi-GPU run share the parent's seed).
        transform = self.dataset.transform
        info = get_worker_info()
        if transform is not None and info is not None and hasattr(transform, "set_random_seed"):
            transform.set_random_seed((info.seed + 7919 * int(os.environ.get("RANK", 0))) % 2**32)


def cached_picture_dls(train: CachedPictures, valid: CachedPictures, bs: int = 32, device: str | torch.device = "cpu",
                       num_workers: int | None = None, *, mean: Sequence[float] | None = None,
                       std: Sequence[float] | None = None, channels_last: bool = False,
                       valid_bs: int | None = None, drop_last: bool = False) -> DataLoaders:
    """fastai ``DataLoaders`` streaming ``train`` (shuffled every epoch) and ``valid`` from the cache.

    ``num_workers`` defaults to :func:`~fundus_utils.config.default_num_workers` (0 on CPU; on a GPU
    persistent workers decode and augment while it computes, into pinned memory).
    """
    device = torch.device(device)
    if drop_last and len(train) < bs:
        raise ValueError(f"train: {len(train)} pictures, fewer than the batch size {bs}, with drop_last: the "
                         "training loader would yield no batch (drop_last=False, or a smaller bs)")
    num_workers = default_num_workers(device.type) if num_workers is None else num_workers
    common = dict(device=device, num_workers=num_workers, pin_memory=device.type == "cuda" and num_workers > 0,
                  persistent_workers=num_workers > 0, mean=mean, std=std, channels_last=channels_last)
    train_dl = CachedPicturesLoader(train, bs=bs, shuffle=True, drop_last=drop_last, **common)
    valid_dl = CachedPicturesLoader(valid, bs=valid_bs or bs, shuffle=False, **common)
    return DataLoaders(train_dl, valid_dl, device=device)
