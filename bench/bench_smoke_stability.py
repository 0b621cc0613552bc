"""Stability of every asserted smoke statistic over seeds and compute threads, side by side.

Each smoke notebook that asserts something shows one bars table (``*_bars.csv``, written by
``report.bars(bars, ...)``): per bar the method's and the
baseline's summary on the same test images and the paired bootstrap 95 % CI of the gain.
This benchmark executes those notebooks (papermill) under several seeds
(``overrides={"seed": k}``) and once more with the first seed on a single compute thread
(``OMP_NUM_THREADS=1``, as a different CPU's kernels would change the floats), each
configuration in a fresh, empty cache (``FUNDUS_CACHE``) and results folder, and prints
one table: per bar, min / median / max of the method, the baseline, the gain and the CI's
lower end over all runs, the bar (lower end > margin) and the worst margin. Every worst
margin positive means no seed or thread count tried flips an assert.

Run (about 4 x the smoke book's time; ``-j 2`` runs two configurations side by side, each on its
share of the cores, so on two cores every configuration then runs on one thread: use ``-j 1``
for the contrast of the default thread count with one thread)::

    .venv/bin/python bench/bench_smoke_stability.py [--seeds 0 1 2] [--only mtl_glaucoma ...] [-j 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"


def asserting_notebooks(only: list[str] | None) -> list[Path]:
    """Notebooks (in chapter, then file order) whose source checks bars."""
    found = []
    for py in sorted(NOTEBOOKS.glob("*/[0-9][0-9]_*.py")):
        if only and py.parent.name not in only:
            continue
        if any(call in py.read_text() for call in ("report.bars(", "check_bars(", "bars.check(")):
            found.append(py.with_suffix(".ipynb"))
    return found


def run_config(label: str, seed: int, threads: int | None, notebooks: list[Path], work: Path) -> pd.DataFrame:
    """Execute ``notebooks`` in order under one (seed, threads) in a fresh cache; collect their bars."""
    cache, results, out = work / label / "cache", work / label / "results", work / label / "executed"
    for d in (cache, results, out):
        d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FUNDUS_CACHE=str(cache), FUNDUS_RESULTS=str(results), TQDM_DISABLE="1",
               FUNDUS_PROGRESS="0", PYTHONPATH=str(REPO))
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    frames = []
    for nb in notebooks:
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "papermill", str(nb), str(out / nb.name), "-k", "python3", "--cwd",
               str(nb.parent), "-p", "profile", "smoke", "-y", json.dumps({"overrides": {"seed": seed}})]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        status = "ok" if proc.returncode == 0 else "FAILED"
        print(f"[{label}] {nb.parent.name}/{nb.stem}: {status} in {time.perf_counter() - t0:.0f} s", flush=True)
        if proc.returncode:
            tail = proc.stderr.strip().splitlines()[-3:]
            print("    " + "\n    ".join(tail), flush=True)
    for csv in sorted(results.rglob("*_bars.csv")):
        df = pd.read_csv(csv)
        if "asserted" in df:  # rows shown for information only (e.g. a mean beside an asserted median)
            df = df[df["asserted"].astype(bool)]
        df.insert(0, "table", csv.stem)
        df.insert(0, "run", label)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summarise(bars: pd.DataFrame, expected_runs: int) -> pd.DataFrame:
    """Per (table, bar): min/median/max over runs, the worst margin and whether every run passed."""
    rows = []
    for (table, name), g in bars.groupby(["table", "name"], sort=False):
        worst = (g["lo"] - g["margin"]).min()
        rows.append({"table": table, "name": name, "runs": f"{len(g)}/{expected_runs}",
                     "method min/med/max": _mmm(g["method"]), "baseline min/med/max": _mmm(g["baseline"]),
                     "gain min/med/max": _mmm(g["gain"]), "CI lower min/med/max": _mmm(g["lo"]),
                     "rule": f"lower > {g['margin'].iloc[0]:g}", "worst margin": round(float(worst), 3),
                     "all passed": bool(g["passed"].all()) and len(g) == expected_runs})
    return pd.DataFrame(rows)


def _mmm(s: pd.Series) -> str:
    return f"{s.min():.3f} / {s.median():.3f} / {s.max():.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", nargs="+", help="chapters (notebook folders) to run")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="configurations run side by side")
    ap.add_argument("--work", type=Path, help="where caches/results go (default: a temporary folder)")
    ap.add_argument("--csv", type=Path, help="also write the summary table here")
    args = ap.parse_args(argv)
    notebooks = asserting_notebooks(args.only)
    if not notebooks:
        raise SystemExit("no notebook calls report.bars(...) or check_bars(...) in the chapters chosen")
    # Side by side, each configuration gets its share of the cores, as the runner gives each notebook: two
    # kernels of two threads each on two cores ran a notebook 10x slower (spin-waiting OpenMP threads).
    shared = max(1, (os.cpu_count() or 1) // args.jobs) if args.jobs > 1 else None
    configs = [(f"seed{s}", s, shared) for s in args.seeds] + [(f"seed{args.seeds[0]}-1thread", args.seeds[0], 1)]
    work = args.work or Path(tempfile.mkdtemp(prefix="smoke_stability_"))
    print(f"{len(notebooks)} notebooks x {len(configs)} configurations in {work}", flush=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        frames = list(pool.map(lambda c: run_config(*c, notebooks, work), configs))
    bars = pd.concat(frames, ignore_index=True)
    if bars.empty:
        raise SystemExit("no *_bars.csv was written: every notebook failed (see above)")
    table = summarise(bars, len(configs))
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250,
                           "display.max_colwidth", 60):
        print(table.to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0 if table["all passed"].all() else 1


if __name__ == "__main__":
    sys.exit(main())
