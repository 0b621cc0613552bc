"""Distributed data-parallel training through fastai and Hugging Face Accelerate.

A script started with ``accelerate launch --multi_gpu --num_processes N`` runs once per GPU
(``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` in its environment); inside :func:`distributed`,
fastai's ``Learner.distrib_ctx`` wraps the model in DistributedDataParallel with batch norm
synchronised across GPUs (``nn.SyncBatchNorm``; CPU processes, as in the tests, keep their own)
and shards every loader (``DistributedDL``: each process draws its share of each epoch's
indices). Validation losses are averaged across processes by fastai, so early stopping and the
best epoch agree everywhere. In a single process (a notebook, ``python``) these helpers change
nothing.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from fastai.learner import Learner


def processes() -> int:
    """How many processes train together (1 outside ``accelerate launch``; fastai's ``num_distrib``)."""
    return max(int(os.environ.get("WORLD_SIZE", 0)), 1)


def is_main() -> bool:
    """Whether this is the process that writes results (rank 0; fastai's ``rank_distrib``)."""
    return int(os.environ.get("RANK", 0)) == 0


def per_process_batch(bs: int) -> int:
    """Each process's batch size for a global batch of ``bs`` pictures (the recipe stays the
    one-GPU recipe: same batch, and synchronised batch norm sees all of it)."""
    n = processes()
    if bs % n:
        raise ValueError(f"batch size {bs} does not split evenly over {n} processes")
    return bs // n


def use_local_gpu() -> None:
    """Make ``cuda`` mean this process's GPU (``LOCAL_RANK``) under ``accelerate launch``."""
    import torch

    if "LOCAL_RANK" in os.environ and torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))


@contextmanager
def distributed(learn: "Learner") -> Iterator["Learner"]:
    """``learn`` set up for data-parallel training across the launched processes (if several)."""
    if processes() == 1:
        yield learn
        return
    import fastai.distributed  # noqa: F401  (adds Learner.distrib_ctx)

    # torch synchronises batch norm on GPUs only; CPU processes (gloo, the tests) keep their own
    with learn.distrib_ctx(sync_bn=learn.dls.device.type == "cuda"):
        yield learn


__all__ = ["distributed", "is_main", "per_process_batch", "processes", "use_local_gpu"]
