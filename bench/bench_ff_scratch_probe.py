"""How far the smoke linear probe of a *Scratch* (randomly initialised, frozen) trunk sits above chance, per init seed.

A frozen random trunk's features depend on its random initialisation. This benchmark draws the
Scratch trunk under several init seeds (everything else the smoke profile), probes it as Table 1
and the stress test do, and prints per seed and data fraction the pooled out-of-fold AUC and the
lower end of the paired bootstrap CI of its gain over a prevalence-only score (the bar's statistic),
beside the same figures for the pretrained trunks (which do not depend on the init seed).

Run::

    .venv/bin/python bench/bench_ff_scratch_probe.py [--seeds 0 1 2 3 4 5] [--cache /tmp/ff_bench]
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    parser.add_argument("--cache", default=None, help="FUNDUS_CACHE for this run (default: the book's)")
    parser.add_argument("--inits", nargs="+", default=None, help="initialisations to probe (default: all four)")
    args = parser.parse_args()
    os.environ.setdefault("FUNDUS_PROGRESS", "0")  # one log line per upstream epoch on a cold cache
    if args.cache:
        os.environ["FUNDUS_CACHE"] = args.cache
    from fundus_utils import config
    from fundus_utils.evaluation.bars import paired_auc
    from fundus_utils.fundus_foundation import downstream, stress
    from fundus_utils.fundus_foundation.upstream import INITS, pictures

    cfg = config.load("fundus_foundation", "smoke")
    size = max(cfg.resolutions)
    table = downstream.downstream_table(cfg)
    y, folds, x = table["abnormal"].to_numpy(int), table["cv_fold"].to_numpy(), pictures(table, size)
    rows = []
    for init in args.inits or INITS:
        for init_seed in (args.seeds if init == "Scratch" else [None]):
            feats = downstream.trunk_features(init, cfg, size, x, init_seed=init_seed)
            for fraction in cfg.stress.fractions:
                bar = paired_auc("", y, stress.fraction_scores(feats, y, folds, fraction, cfg))
                rows.append({"init": init, "init seed": init_seed, "fraction": fraction, "auc": round(bar.method, 3),
                             "gain CI lower": round(bar.lo, 3)})
            print(pd.DataFrame(rows[-len(cfg.stress.fractions):]).set_index(["init", "init seed", "fraction"]).T
                  .to_string(), flush=True)
    out = pd.DataFrame(rows)
    print("\nover the init seeds (Scratch; one trunk for the others) per fraction:")
    print(out.groupby(["init", "fraction"])[["auc", "gain CI lower"]].agg(["min", "median", "max"]).round(3).to_string())


if __name__ == "__main__":
    main()
