"""Run independent jobs side by side in single-threaded worker processes.

The smoke profile's networks and simulator scenes are too small for intra-op threads to
keep two cores busy; whole jobs side by side do. Workers are *forked* where the platform
allows it: a forked child inherits the imported library (torch, fastai, the data), so a
worker starts in ~0.04 s, where a fresh interpreter (joblib's loky) spends ~5 s of each
core importing it again (``bench/bench_parallel.py``). Each worker sets torch's thread
count to one, as PyTorch's own DataLoader workers do. Elsewhere
(``spawn``-only platforms) joblib's loky processes are used.

Every job must seed itself: results then do not depend on the number of workers, and
they come back in the order of ``items``.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from typing import Callable, Sequence, TypeVar

from .progress import progress

T = TypeVar("T")
R = TypeVar("R")

_FN: Callable | None = None  # the job function, inherited by forked workers (never pickled)


def _single_threaded() -> None:
    import torch

    # OpenCV's thread count is left alone: cv2.setNumThreads in a forked child waits for the
    # parent's pool threads, which do not exist there (it hangs); its own calls do run.
    torch.set_num_threads(1)


def _inherit_lazy_imports() -> None:
    """Import, before forking, what every training worker would import on its own.

    torch.optim imports ``torch._dynamo`` when the first optimizer is built (1-3 s of one
    core); imported once here, every forked worker inherits it instead of paying again.
    """
    import sys

    if "torch" in sys.modules:
        import torch._dynamo  # noqa: F401


def _call(item):
    return _FN(item)


def _loky_call(fn: Callable, item):
    _single_threaded()
    return fn(item)


def cpu_count() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def in_parallel(fn: Callable[[T], R], items: Sequence[T], workers: int, desc: str | None = None) -> list[R]:
    """``[fn(item) for item in items]``, in ``workers`` single-threaded processes when > 1.

    Jobs are handed out one at a time (the slowest do not queue behind each other); an
    exception in a job is raised here with the job's traceback. ``desc`` labels a progress
    bar (:mod:`fundus_utils.progress`: off in batch runs).
    """
    global _FN
    items = list(items)
    workers = min(int(workers or 1), len(items))
    if mp.current_process().daemon:  # already a worker (daemonic: it may not fork): run here, one by one
        workers = 1
    if workers <= 1:
        return [fn(item) for item in (progress(items, desc) if desc else items)]
    if "fork" not in mp.get_all_start_methods():
        from joblib import Parallel, delayed

        return Parallel(n_jobs=workers)(delayed(_loky_call)(fn, item) for item in items)
    _FN = fn
    _inherit_lazy_imports()
    try:
        with mp.get_context("fork").Pool(workers, initializer=_single_threaded) as pool:
            results = pool.imap(_call, items, chunksize=1)
            return list(progress(results, desc, total=len(items)) if desc else results)
    finally:
        _FN = None


__all__ = ["cpu_count", "in_parallel"]
