"""Throughput (pictures/s) of the foundation chapter's upstream training and downstream inference, side by side.

For each resolution, on this machine's device, with the profile's backbone and batch size:

  loader (files)   pictures/s the streaming upstream loader delivers and nothing else: cached
                   ``.npy`` reads plus the paper's augmentations per picture, in the profile's
                   DataLoader workers (the first, cache-filling pass - decode and resize - is
                   printed apart, as "cache fill");
  train (memory)   upstream training (forward, backward, Adam; AMP and channels_last as the profile
                   sets them) fed from memory: the model's own rate;
  train (files)    the same fed by the streaming loader: what ``full`` runs;
  feed             loader / train (memory): above 1 the loader keeps the device busy;
  LP features      frozen-trunk feature extraction (the linear probe's inference);
  on a GPU also    train (memory) without AMP and without channels_last, as ratios to the default.

Pictures: REFUGE from ``$FUNDUS_DATA`` / ``../shared/data`` (512 px JPEGs) when present, else the
screening twin rendered at 256 px. Use::

    .venv/bin/python bench/bench_foundation_throughput.py                        # smoke backbone, CPU
    .venv/bin/python bench/bench_foundation_throughput.py --profile full --sizes 256 512 1024 --n 512
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pictures_table(n: int):
    from fundus_utils import data
    from fundus_utils.data import DataError

    try:
        table, source = data.open_dataset("REFUGE"), "REFUGE"
    except DataError:
        table, source = data.open_dataset("synthetic-screening", n=n, size=256, seed=3), "screening twin at 256 px"
    reps = -(-n // len(table))  # repeat the pictures when the set is smaller than n
    import pandas as pd

    return pd.concat([table] * reps, ignore_index=True).head(n), source


def seconds(fn, repeat: int = 1) -> float:
    import torch

    fn()  # warm-up: workers start, cuDNN picks its kernels
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeat


def measure(cfg, table, size: int) -> dict[str, float]:
    import numpy as np
    import torch
    from torch import nn

    from fundus_utils.fundus_foundation import downstream, upstream
    from fundus_utils.train import make_learner, tensor_dls
    from fundus_utils.train.streaming import CachedPictures, cached_picture_dls

    n, bs = len(table), cfg.upstream.bs
    y = np.arange(n) % 2
    paths = table["image"].to_numpy()
    streamed = CachedPictures(paths, y, size, upstream.augmentation(cfg, 0))
    small = CachedPictures(paths[:bs], y[:bs], size)
    t0 = time.perf_counter()
    x = upstream.pictures(table, size)  # decode + resize + cache write (cold cache)
    out = {"cache fill": n / (time.perf_counter() - t0)}
    common = dict(device=cfg.device, num_workers=cfg.num_workers, channels_last=bool(cfg.channels_last))
    files = cached_picture_dls(streamed, small, bs=bs, drop_last=True, **common)
    out["loader (files)"] = n / seconds(lambda: [b for b in files.train])

    def train_rate(dls=None, **cfg_changes) -> float:
        run = dataclasses.replace(cfg, **cfg_changes)
        dls = dls or tensor_dls(x, y, x[:bs], y[:bs], bs=bs, device=cfg.device, drop_last=True)
        learn = make_learner(dls, upstream.new_model(run, None), nn.CrossEntropyLoss(), run, lr=1e-4, progress=False)
        return n / seconds(lambda: learn.fit(1))

    out["train (memory)"] = train_rate()
    out["train (files)"] = train_rate(files)
    out["feed"] = out["loader (files)"] / out["train (memory)"]
    model = upstream.new_model(cfg, None)
    out["LP features"] = n / seconds(lambda: downstream.features_of(model, x, cfg))
    if torch.cuda.is_available() and cfg.device != "cpu":
        out["no AMP / default"] = train_rate(amp=False) / out["train (memory)"]
        out["no channels_last / default"] = train_rate(channels_last=False) / out["train (memory)"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="smoke", choices=["smoke", "real", "full"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--n", type=int, default=256, help="pictures per measurement")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: the profile's)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench_ff_throughput_")
    os.environ["FUNDUS_CACHE"] = tmp  # a fresh cache: "cache fill" is a cold fill
    os.environ.setdefault("FUNDUS_PROGRESS", "0")

    import torch

    from fundus_utils import config

    cfg = config.load("fundus_foundation", args.profile, **({"device": args.device} if args.device else {}))
    table, source = pictures_table(args.n)
    device = torch.cuda.get_device_name() if cfg.device.startswith("cuda") else f"CPU, {torch.get_num_threads()} threads"
    print(f"{cfg.backbone}, batch {cfg.upstream.bs}, {cfg.num_workers} workers, AMP {cfg.amp}, channels_last "
          f"{cfg.channels_last}; {device}; {len(table)} pictures of {source}; pictures/s (feed and GPU rows: ratios)")
    rows = {}
    try:
        for size in args.sizes:
            rows[size] = measure(cfg, table, size)
            print(f"{size} px: " + ", ".join(f"{k} {v:.1f}" for k, v in rows[size].items()), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    names = list(next(iter(rows.values())))
    print(f"\n{'':<28}" + "".join(f"{s:>10} px" for s in rows))
    for name in names:
        print(f"{name:<28}" + "".join(f"{rows[s][name]:>13.2f}" for s in rows))


if __name__ == "__main__":
    main()
