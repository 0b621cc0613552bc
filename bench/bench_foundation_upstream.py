"""How much upstream training the smoke profile's fundus foundation models need, side by side.

The smoke notebooks of the foundation chapter can only stand on upstream models that tell
normal from abnormal twin pictures clearly better than chance on held-out patients, within a
90 s notebook budget. This benchmark trains the two upstream models (*Fundus* from scratch,
*ImageNet stand-in + Fundus*) for each candidate (the smoke profile with one set of overrides:
twin size, pictures, the findings abnormal eyes draw from, epochs, seed) and prints one row per candidate as it finishes: the
upstream AUC [DeLong 95 % CI] on the twin's test patients, the best epoch, the training
pictures and the seconds it took (rendering and the stand-in included on a cold cache entry).

Run (each candidate has its own cache entries; ``--cache`` keeps them apart from the book's)::

    .venv/bin/python bench/bench_foundation_upstream.py [--seeds 0 1] [--cache /tmp/ff_bench]
"""
from __future__ import annotations

import argparse
import os
import time

from fundus_utils import config
from fundus_utils.evaluation import delong_ci
from fundus_utils.fundus_foundation.settings import SMOKE_FINDINGS


def twin(n: int, size: int, split: float = 0.6, findings: list[str] | None = SMOKE_FINDINGS) -> dict:
    return {"n": n, "size": size, "seed": 11, "devices": ["canon", "zeiss"], "split_fractions": [split, 0.0, 1 - split],
            "findings": findings}


def candidate(n: int, size: int, epochs: int, split: float = 0.6, findings=SMOKE_FINDINGS, **more) -> dict:
    t = twin(n, size, split, findings)
    return {"upstream.twin": t, "downstream.twin": t, "resolutions": [size // 2, size * 3 // 4, size],
            "upstream.epochs": epochs, **more}


# The smoke profile (eight findings, 12 epochs), fewer epochs, and every finding the simulator has.
CANDIDATES = [candidate(1200, 64, 12), candidate(1200, 64, 8), candidate(1200, 64, 12, findings=None),
              candidate(2400, 64, 8, findings=None)]


def measure(overrides: dict, seed: int) -> list[dict]:
    """Train both upstream models of the smoke profile with ``overrides`` and ``seed``; one row each."""
    from fundus_utils.fundus_foundation import upstream

    cfg = config.load("fundus_foundation", "smoke", seed=seed, **overrides)
    rows, label = [], ", ".join(f"{k}={v}" for k, v in overrides.items() if k != "downstream.twin")
    for from_imagenet in (False, True):
        start = time.perf_counter()
        r = upstream.fundus_trunk(cfg, max(cfg.resolutions), from_imagenet)
        auc, lo, hi = delong_ci(r["test"]["abnormal"].to_numpy(), r["test"]["score"].to_numpy())
        rows.append({"candidate": label, "seed": seed, "model": "stand-in + Fundus" if from_imagenet else "Fundus",
                     "AUC [95% CI]": f"{auc:.3f} [{lo:.3f}, {hi:.3f}]", "best epoch": r["best_epoch"],
                     "test pictures": len(r["test"]), "seconds": round(time.perf_counter() - start, 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--cache", default="/tmp/ff_bench", help="result cache of this benchmark")
    parser.add_argument("--only", type=int, nargs="*", help="indices of CANDIDATES to run (default: all)")
    args = parser.parse_args()
    os.environ["FUNDUS_CACHE"] = args.cache
    os.environ.setdefault("FUNDUS_PROGRESS", "0")
    picked = [CANDIDATES[i] for i in args.only] if args.only else CANDIDATES
    for overrides in picked:
        for seed in args.seeds:
            for row in measure(overrides, seed):
                print(" | ".join(f"{k}: {v}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
