"""fundus_utils.parallel: forked single-threaded workers, results in job order, errors raised."""
from __future__ import annotations

import os

import pytest
import torch

from fundus_utils.parallel import in_parallel


def _job(i: int) -> tuple[int, int, int, float]:
    torch.manual_seed(i)  # every job seeds itself: results must not depend on the worker count
    return i, os.getpid(), torch.get_num_threads(), float(torch.randn(64, 64).matmul(torch.randn(64, 64)).sum())


def test_results_in_order_and_independent_of_workers() -> None:
    torch.ones(256, 256) @ torch.ones(256, 256)  # the parent has used its thread pool before forking
    serial = in_parallel(_job, range(6), 1)
    forked = in_parallel(_job, range(6), 2)
    assert [r[0] for r in forked] == list(range(6))
    assert [r[3] for r in forked] == [r[3] for r in serial]
    assert {r[2] for r in forked} == {1}                     # one compute thread per worker
    assert os.getpid() not in {r[1] for r in forked}


def test_closures_reach_forked_workers() -> None:
    offset = 10
    assert in_parallel(lambda i: i + offset, [1, 2, 3], 2) == [11, 12, 13]


def _fails(i: int) -> int:
    if i == 2:
        raise ValueError(f"job {i} is bad")
    return i


def test_a_failing_job_raises_in_the_caller() -> None:
    with pytest.raises(ValueError, match="job 2 is bad"):
        in_parallel(_fails, range(4), 2)


def test_a_job_may_itself_ask_for_parallel_work() -> None:
    # a worker is daemonic and may not fork: the inner call runs in the worker, one item after another
    assert in_parallel(lambda i: sum(in_parallel(lambda j: i * j, [1, 2], 2)), [1, 2, 3], 2) == [3, 6, 9]
