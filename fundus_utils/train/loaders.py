"""Fast in-memory fastai DataLoaders for arrays and tensors.

Every dataset of the book's smoke profile (and most of ``real``) fits in memory as a
uint8 array. The fastai default path (``Datasets`` + ``TfmdDL``) builds each item in
Python, collates items one by one, and starts ``defaults.cpus`` worker processes; on a
2-core CPU those workers compete with the compute threads (measured 1.2-1.5x slower
epochs, see ``bench/bench_fastai_overhead.py``). :class:`TensorDataLoader` instead
gathers a whole batch by index in one tensor operation, moves it to the device as
uint8 (4x fewer bytes than float), converts and normalises it there, and applies an
optional batch-level augmentation callable.

Defaults, CPU: no worker processes (the gather costs microseconds; workers only steal
the compute cores). CUDA: when the arrays fit comfortably in free GPU memory they are
moved there once and batches are gathered on the GPU (no workers, no host copies);
otherwise :func:`fundus_utils.config.default_num_workers` persistent workers gather
batches into pinned memory while the GPU computes.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader

from ..config import default_num_workers

Batch = tuple[torch.Tensor, ...]
Augment = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def as_tensor(a: np.ndarray | torch.Tensor, name: str = "array") -> torch.Tensor:
    """A CPU tensor sharing memory with ``a`` where possible; images stay uint8."""
    t = a if isinstance(a, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(a))
    if t.dtype == torch.float64:
        t = t.float()
    if t.ndim == 0:
        raise ValueError(f"{name}: expected at least one dimension (samples), got a scalar")
    return t.cpu()


class TensorDataset:
    """Aligned tensors indexed together; ``ds[i]`` is a tuple of the i-th rows."""

    def __init__(self, *tensors: torch.Tensor) -> None:
        n = {len(t) for t in tensors}
        if len(n) != 1:
            raise ValueError(f"tensors have different lengths: {[len(t) for t in tensors]}")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, i: int) -> Batch:
        return tuple(t[i] for t in self.tensors)


class TensorDataLoader(DataLoader):
    """A fastai ``DataLoader`` over a :class:`TensorDataset` that builds each batch with one gather.

    ``after_batch`` runs on the target device: uint8 images become float in [0, 1]
    (then ``(x - mean) / std`` when given), ``augment(x, y)`` runs on training
    batches, and images are converted to channels_last when asked.
    """

    def __init__(self, dataset: TensorDataset, bs: int = 16, *, augment: Augment | None = None,
                 mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                 channels_last: bool = False, **kwargs) -> None:
        super().__init__(dataset, bs=bs, **kwargs)
        self.augment, self.channels_last = augment, channels_last
        self.mean = None if mean is None else torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        self.std = None if std is None else torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)

    def create_batches(self, samps):  # type: ignore[override]
        # No per-item work at all: chunk the sampled indices, gather each chunk in one go.
        return map(self.create_batch, self.chunkify(samps))

    def create_batch(self, b: Sequence[int]) -> Batch:  # type: ignore[override]
        idx = torch.as_tensor(list(b), dtype=torch.long)
        tensors = self.dataset.tensors
        if tensors[0].is_cuda:  # data kept on the GPU: gather there
            idx = idx.to(tensors[0].device, non_blocking=True)
        return tuple(t[idx] for t in tensors)

    def after_batch(self, b: Batch) -> Batch:  # type: ignore[override]
        x, *ys = b
        if not x.is_floating_point():
            x = x.float().div_(255)
        if self.mean is not None:
            x = (x - self.mean.to(x.device)) / self.std.to(x.device)
        ys = [y.float() if y.dtype == torch.uint8 else y for y in ys]
        if self.augment is not None and self.shuffle and ys:  # training loader only
            x, ys[0] = self.augment(x, ys[0])
        if self.channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return (x, *ys)

    def new(self, dataset=None, cls=None, **kwargs):  # keep our attributes on fastai's copies
        kw = dict(augment=self.augment, channels_last=self.channels_last,
                  mean=None if self.mean is None else self.mean.flatten().tolist(),
                  std=None if self.std is None else self.std.flatten().tolist())
        kw.update(kwargs)
        return super().new(dataset, cls, **kw)


def random_flips(x: torch.Tensor, y: torch.Tensor, vertical: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch augmentation: flip each sample (image and mask alike) horizontally, and vertically if asked.

    Masks ``y`` are flipped only when they have the image's spatial size (segmentation);
    labels are left alone.
    """
    seg = y.ndim >= 3 and y.shape[-2:] == x.shape[-2:]
    dims = [-1, -2] if vertical else [-1]
    for d in dims:
        m = torch.rand(x.shape[0], device=x.device) < 0.5
        if m.any():
            x = x.clone()
            x[m] = x[m].flip(d)
            if seg:
                y = y.clone()
                y[m] = y[m].flip(d)
    return x, y


def albumentations_batch(transform: Callable[..., dict]) -> Augment:
    """Batch augmentation by an albumentations ``transform`` (image-only: labels pass unchanged), sample by sample.

    The batch must hold pictures in [0, 1] (loaders without ``mean``/``std``: the model normalises);
    they are quantised to uint8 for the transform (CLAHE needs it) and returned as float in [0, 1].
    albumentations 2 draws from its own generator, which ``seed_everything`` does not reach: build
    the transform as ``A.Compose([...], seed=...)`` for a reproducible run.
    """
    def augment(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pictures = (x.detach().clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        out = np.stack([transform(image=p)["image"] for p in pictures])
        if out.ndim == 3:  # a greyscale transform that dropped the channel axis
            out = np.repeat(out[..., None], x.shape[1], axis=-1)
        return torch.from_numpy(out).to(x.device).permute(0, 3, 1, 2).float().div_(255).contiguous(), y
    return augment


def fits_on_gpu(datasets: Sequence[TensorDataset], device: torch.device, fraction: float = 0.25) -> bool:
    """Whether the datasets' tensors take less than ``fraction`` of the GPU's free memory."""
    if device.type != "cuda" or not torch.cuda.is_available():
        return False
    free, _ = torch.cuda.mem_get_info(device)
    need = sum(t.numel() * t.element_size() for ds in datasets for t in ds.tensors)
    return need < fraction * free


def holdout_dls(x: np.ndarray, y: np.ndarray, patients: Sequence | None = None, valid_fraction: float = 0.1,
                seed: int = 0, bs: int = 16, **kwargs) -> DataLoaders:
    """:func:`tensor_dls` with ``valid_fraction`` of the rows held out to monitor training:
    whole patients drawn at random by ``seed`` (:func:`fundus_utils.data.splits.patient_holdout`;
    ``patients=None``: every row its own patient). A ragged last training batch is dropped
    when there is more than one batch (default), never the only one."""
    from ..data.splits import patient_holdout

    valid = patient_holdout(np.arange(len(x)) if patients is None else patients, valid_fraction, seed)
    kwargs["drop_last"] = kwargs.get("drop_last", True) and int((~valid).sum()) > bs
    return tensor_dls(x[~valid], y[~valid], x[valid], y[valid], bs=bs, **kwargs)


def tensor_dls(x_train: np.ndarray | torch.Tensor, y_train: np.ndarray | torch.Tensor,
               x_valid: np.ndarray | torch.Tensor, y_valid: np.ndarray | torch.Tensor,
               bs: int = 16, device: str | torch.device = "cpu", augment: Augment | None = None,
               num_workers: int | None = None, *, mean: Sequence[float] | None = None,
               std: Sequence[float] | None = None, channels_last: bool = False,
               valid_bs: int | None = None, drop_last: bool = False, on_device: bool | None = None) -> DataLoaders:
    """fastai ``DataLoaders`` over in-memory arrays (images ``(N, C, H, W)``, uint8 or float).

    The training loader shuffles every epoch and sees every sample once (set
    ``drop_last`` to skip a ragged last batch, e.g. for BatchNorm with batch size 1).
    Masks/labels pass through unchanged except uint8 masks, which become float.
    ``y_train``/``y_valid`` may be tuples of arrays (several targets per sample).
    ``on_device`` (default: on CUDA when the data fit, see :func:`fits_on_gpu`) keeps
    the arrays on the GPU and gathers there. Otherwise ``num_workers`` defaults to
    :func:`~fundus_utils.config.default_num_workers` (0 on CPU); with workers the
    loader keeps them alive across epochs, and pins memory on CUDA.
    """
    device = torch.device(device)
    # Several targets (multi-task): pass a tuple of arrays; batches are then (x, y0, y1, ...)
    # and ``augment`` transforms y0 together with x.
    ys_train = y_train if isinstance(y_train, (tuple, list)) else (y_train,)
    ys_valid = y_valid if isinstance(y_valid, (tuple, list)) else (y_valid,)
    train_ds = TensorDataset(as_tensor(x_train, "x_train"), *(as_tensor(y, "y_train") for y in ys_train))
    valid_ds = TensorDataset(as_tensor(x_valid, "x_valid"), *(as_tensor(y, "y_valid") for y in ys_valid))
    for name, ds in (("train", train_ds), ("valid", valid_ds)):
        if ds.tensors[0].ndim != 4:
            raise ValueError(f"x_{name}: expected images (N, C, H, W), got shape {tuple(ds.tensors[0].shape)}")
    if drop_last and len(train_ds) < bs:
        raise ValueError(f"x_train: {len(train_ds)} samples, fewer than the batch size {bs}, with drop_last: the "
                         "training loader would yield no batch (drop_last=False, or a smaller bs)")
    on_cuda = device.type == "cuda"
    if on_device is None:
        on_device = on_cuda and num_workers in (None, 0) and fits_on_gpu([train_ds, valid_ds], device)
    if on_device:
        if num_workers:
            raise ValueError("on_device=True gathers batches on the GPU and cannot use worker processes")
        num_workers = 0
        train_ds, valid_ds = (TensorDataset(*(t.to(device) for t in ds.tensors)) for ds in (train_ds, valid_ds))
    elif num_workers is None:
        num_workers = default_num_workers(device.type)
    common = dict(device=device, num_workers=num_workers, pin_memory=on_cuda and num_workers > 0,
                  persistent_workers=num_workers > 0, mean=mean, std=std, channels_last=channels_last)
    train = TensorDataLoader(train_ds, bs=bs, shuffle=True, drop_last=drop_last, augment=augment, **common)
    valid = TensorDataLoader(valid_ds, bs=valid_bs or bs, shuffle=False, **common)
    return DataLoaders(train, valid, device=device)
