"""Choose the `real` profile's sim-to-real training lengths on the development splits, side by side.

The sim-to-real goals are scored on REFUGE Test400, Drishti-GS1, DRIVE test and CHASE_DB1
(``sim2real.TEST_SETS``). Settings must never be picked there, so this benchmark trains each
candidate (the `real` profile with one set of overrides) on the twin and scores it on the
development splits only (``sim2real.DEV_SETS``: REFUGE Validation400 for the disc, DRIVE's
20 training images for the vessels; ``sim2real_cup.DEV_SETS`` for the cup and glaucoma),
then prints one table: per candidate, the dev Dice (the cup: beside its prior, with the glaucoma
AUC of the vCDR) and the wall time.

Run (each candidate trains from its own cache entry; the cup candidates reuse the `real`
disc network)::

    .venv/bin/python bench/bench_sim2real_dev.py [--task od vessels cup]
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from fundus_utils import config
from fundus_utils.evaluation import delong_ci
from fundus_utils.synthetic import sim2real, sim2real_cup

CANDIDATES = {
    "od": [{"s2r.od_train": 512, "s2r.od_epochs": 6}, {"s2r.od_train": 1024, "s2r.od_epochs": 20}],
    "vessels": [{"s2r.vessel_epochs": e} for e in (24, 48, 120)],
    "cup": [{"s2r.cup_epochs": e} for e in (12, 30)],
}


def measure(task: str, overrides: dict) -> dict:
    """Train ``task`` under the `real` profile with ``overrides`` and score it on the development splits."""
    cfg = config.load("synthetic", "real", **overrides)
    start = time.perf_counter()
    row = {"task": task, "overrides": ", ".join(f"{k}={v}" for k, v in overrides.items())}
    if task == "cup":
        scores = sim2real_cup.run(cfg, sets=sim2real_cup.DEV_SETS).scores
        row["dev Dice"] = scores["cup dice"].mean()
        row["cup prior Dice"] = scores["cup prior dice"].mean()
        if scores["glaucoma"].notna().all():
            row["glaucoma AUC"] = delong_ci(scores["glaucoma"].astype(int).to_numpy(), scores["vcdr"].to_numpy())[0]
    else:
        scores = sim2real.run(task, cfg, sets=sim2real.DEV_SETS[task]).scores
        row["dev Dice"] = scores["dice"].mean()
    row.update({"images": len(scores), "s": round(time.perf_counter() - start)})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    args = parser.parse_args()
    rows = []
    for task in args.task:
        for overrides in CANDIDATES[task]:
            rows.append(measure(task, overrides))
            print("DONE", rows[-1], flush=True)  # each candidate takes minutes: say so as it finishes
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).round(4).to_string(index=False))


if __name__ == "__main__":
    main()
