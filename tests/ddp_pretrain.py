"""Run :mod:`fundus_utils.fundus_foundation.pretrain` in processes of a CPU distributed run (the test of
tests/test_fundus_foundation.py starts two with torchrun). fastai broadcasts each epoch's sampled
indices from rank 0 as a CUDA tensor (nccl); on CPU processes (gloo) the same broadcast goes
through a CPU tensor - the one change made here."""
import runpy
import sys

import fastai.distributed
import torch


def _broadcast(self, t, rank):
    t = torch.LongTensor(t)
    torch.distributed.broadcast(t, rank)
    return t.tolist()


fastai.distributed.DistributedDL._broadcast = _broadcast
sys.argv = ["pretrain", *sys.argv[1:]]
runpy.run_module("fundus_utils.fundus_foundation.pretrain", run_name="__main__")
