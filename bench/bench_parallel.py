"""Worker start-up of fundus_utils.parallel: forked workers vs joblib's loky, side by side.

Both pools run the same two trivial jobs in a process that has imported the library (as a
notebook kernel has); the time to the first result is the start-up a run pays before any
training. loky starts fresh interpreters that import torch, fastai and the library again;
forked workers inherit them. Run: ``.venv/bin/python bench/bench_parallel.py [--reps 3]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fundus_utils.mtl_glaucoma import cv  # noqa: E402  (the library a notebook has imported)
from fundus_utils.parallel import in_parallel  # noqa: E402


# A job that lives in the library, as real jobs do: a loky worker must import it (torch, fastai).
_job = partial(cv.run_seed, SimpleNamespace(seed=0))


def _loky(items: list[int]) -> None:
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    Parallel(n_jobs=2)(delayed(_job)(i) for i in items)
    get_reusable_executor().shutdown(wait=True)  # the next repetition starts cold, as a notebook does


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    reps = ap.parse_args().reps
    times: dict[str, list[float]] = {"fork (in_parallel)": [], "loky (joblib)": []}
    for _ in range(reps):
        for name, run in (("fork (in_parallel)", lambda: in_parallel(_job, [0, 1], 2)), ("loky (joblib)", lambda: _loky([0, 1]))):
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    fork = statistics.median(times["fork (in_parallel)"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:20s} median {med:6.2f} s  min {min(ts):6.2f} s  ratio to fork {med / fork:6.1f}x")


if __name__ == "__main__":
    main()
