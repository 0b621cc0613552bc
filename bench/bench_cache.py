"""Resized-image cache vs decoding every epoch: images/s side by side.

Usage: ``python bench/bench_cache.py [--size 256] [--n 200] [--epochs 2]``

Reads REFUGE from ``$FUNDUS_DATA`` / ``../shared/data`` (512 px JPEG images + PNG masks),
Drishti-GS1 (about 1000 px) when present, or generates 2048 px JPEGs when no real data is
found. "uncached" decodes and resizes every file every epoch (what a plain Dataset does);
"cache fill" is the first cached epoch (decode + write); "cached" are the following epochs.
The cache lives in a fresh temporary folder so earlier runs do not help.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def generated_table(n: int, folder: Path):
    """``n`` synthetic 2048 px fundus-like JPEGs with REFUGE-encoded masks."""
    import numpy as np
    import pandas as pd
    from PIL import Image

    rng = np.random.default_rng(0)
    rows = []
    yy, xx = np.mgrid[:2048, :2048]
    r = np.hypot(xx - 1024, yy - 1024)
    base = np.clip(np.stack([200 - r / 8, 90 - r / 20, 40 - r / 40], -1), 0, 255)
    m = np.where(r < 60, 0, np.where(r < 140, 128, 255)).astype(np.uint8)
    for i in range(n):
        img = (base + rng.normal(0, 8, base.shape)).clip(0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / f"G{i:04d}.jpg", quality=92)
        Image.fromarray(m).save(folder / f"G{i:04d}.png")
        rows.append(dict(image_id=f"G{i:04d}", image=str(folder / f"G{i:04d}.jpg"),
                         od_mask=str(folder / f"G{i:04d}.png"), oc_mask=str(folder / f"G{i:04d}.png"),
                         mask_encoding="refuge"))
    return pd.DataFrame(rows)


def run(label: str, table, size: int, epochs: int, columns) -> list[str]:
    from fundus_utils.data import cache

    def uncached_epoch():
        for row in table.itertuples():
            cache.resize_image(row.image, size)
            for col in columns[1:]:
                cache.resize_mask(getattr(row, col), size, cache.MASK_KIND[col], row.mask_encoding)

    n = len(table)
    t0 = time.perf_counter()
    for _ in range(epochs):
        uncached_epoch()
    uncached = n * epochs / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    cache.load_resized(table, size, columns)
    fill = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(epochs):
        cache.load_resized(table, size, columns)
    cached = n * epochs / (time.perf_counter() - t0)
    return [f"{label:<34} {n:>5} {uncached:>14.1f} {fill:>12.1f} {cached:>12.1f} {cached / uncached:>8.1f}x"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--n", type=int, default=200, help="images per dataset")
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench_cache_")
    os.environ["FUNDUS_CACHE"] = tmp  # fresh cache: nothing from earlier runs

    from fundus_utils import config
    from fundus_utils.data import DataError, open_dataset

    cases = []
    try:
        cases.append(("REFUGE 512px (image+OD+OC)", open_dataset("REFUGE").head(args.n), ("image", "od_mask", "oc_mask")))
    except DataError as err:
        print(f"REFUGE not available ({str(err).splitlines()[0]})")
    try:
        cases.append(("Drishti-GS1 ~1000px (image+OD+OC)", open_dataset("Drishti-GS1").head(args.n),
                      ("image", "od_mask", "oc_mask")))
    except DataError:
        pass
    if not cases:
        gen = Path(tmp) / "generated"
        gen.mkdir()
        n = min(args.n, 40)
        cases.append((f"generated 2048px JPEG (image+OD+OC)", generated_table(n, gen), ("image", "od_mask", "oc_mask")))
    print(f"resize to {args.size}x{args.size}; {args.epochs} epochs each; {os.cpu_count()} CPU cores; "
          f"cache {config.cache_dir()}")
    print(f"{'data':<34} {'n':>5} {'uncached im/s':>14} {'cache fill':>12} {'cached im/s':>12} {'speedup':>9}")
    try:
        for label, table, cols in cases:
            for line in run(label, table, args.size, args.epochs, cols):
                print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
