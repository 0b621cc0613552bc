"""Upstream pretraining as a batch job, on one GPU or several (fastai's distributed training
through Hugging Face Accelerate).

The paper's upstream models cost 5 days on 4 A100s: a batch job, not a notebook cell. This command
trains the trunks that notebook 01 (and every downstream notebook) asks for - the same settings,
the same code (:func:`.upstream.fundus_trunk`) - and stores them in the same result-cache
entries, so the notebooks then read them instead of training::

    # four GPUs of one machine; the global batch stays upstream.bs (8 per GPU for the paper's 32)
    accelerate launch --multi_gpu --num_processes 4 -m fundus_utils.fundus_foundation.pretrain \\
        --profile full --overrides '{"upstream.dataset": "MyUpstream"}'
    # one process (one GPU, or the CPU profiles)
    python -m fundus_utils.fundus_foundation.pretrain --profile smoke

One line per trunk: the initialisation, the resolution it trained at, epochs (best), the upstream
test AUC with its DeLong 95 % CI and the seconds it took (a trunk already cached is only read).
Throughput in images/s: ``bench/bench_foundation_throughput.py``.
"""
from __future__ import annotations

import argparse
import time

from .. import config
from ..evaluation import delong_ci
from ..seed import seed_everything
from ..session import parse_overrides
from ..train.distributed import is_main, processes, use_local_gpu
from . import upstream

UPSTREAM_INITS = ("Fundus", "ImageNet + Fundus")


def pretrain(cfg: config.Config, inits: tuple[str, ...] = UPSTREAM_INITS) -> list[dict]:
    """Train (or read) every upstream trunk the chapter's ladder needs; one summary row per trunk."""
    if processes() > 1 and cfg.imagenet != "standin":
        from fastai.distributed import rank0_first

        rank0_first(upstream.imagenet_trunk, cfg)  # timm downloads the ImageNet weights once, not per GPU
    rows = []
    for size in upstream.training_sizes(cfg):
        for init in inits:
            start = time.perf_counter()
            r = upstream.fundus_trunk(cfg, size, from_imagenet=init == "ImageNet + Fundus")
            seconds = time.perf_counter() - start
            auc, lo, hi = delong_ci(r["test"]["abnormal"].to_numpy(), r["test"]["score"].to_numpy())
            rows.append({"init": init, "size": size, "epochs": r["epochs"], "best_epoch": r["best_epoch"],
                         "auc": auc, "ci": (lo, hi), "seconds": seconds})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="full", choices=config.PROFILES)
    parser.add_argument("--overrides", default="{}", help="settings as a JSON object, as the notebooks take them")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inits", nargs="+", default=list(UPSTREAM_INITS), choices=UPSTREAM_INITS)
    args = parser.parse_args(argv)
    use_local_gpu()
    cfg = config.load("fundus_foundation", args.profile, seed=args.seed, **parse_overrides(args.overrides))
    seed_everything(cfg.seed)
    for row in pretrain(cfg, tuple(args.inits)):
        if is_main():
            lo, hi = row["ci"]
            print(f"{row['init']} at {row['size']} px: {row['epochs']} epochs (best {row['best_epoch']}), "
                  f"upstream test AUC {row['auc']:.3f} [{lo:.3f}, {hi:.3f}], {row['seconds']:.0f} s "
                  f"on {processes()} process(es)", flush=True)


if __name__ == "__main__":
    main()
