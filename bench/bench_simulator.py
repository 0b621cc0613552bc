"""Simulator throughput on one core, v1 and v2 side by side, as a ratio to reading a real photograph.

    .venv/bin/python bench/bench_simulator.py [--n 40] [--repeats 3] [--data ../shared/data]

Per simulator version and size (256, 512 px): scene sampling alone, rendering alone, and
both (what a twin does per image before writing PNGs), in images per second. In the same
run, and interleaved with them, decoding a real 512 px REFUGE JPEG and resizing it to the
size is timed, so the last column says how many real pictures could be read in the time
the simulator makes one (>1: the simulator is slower than reading). Each figure is the
median of ``repeats`` interleaved runs; OpenCV is held to one thread so the figure is per
core. Target (issue 13): at least 25 images/s at 512 px with simulator v2.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2

from fundus_utils.data.simulator import SIMULATORS, render, sample_scene


def rate(simulator: str, n: int, size: int, seed0: int) -> tuple[float, float]:
    """(scenes/s for sampling, images/s for rendering) over ``n`` random eyes."""
    start = time.perf_counter()
    scenes = [sample_scene(seed0 + i, simulator=simulator) for i in range(n)]
    sampled = time.perf_counter()
    for scene in scenes:
        render(scene, size)
    rendered = time.perf_counter()
    return n / (sampled - start), n / (rendered - sampled)


def read_rate(files: list[Path], size: int) -> float:
    """Real JPEGs decoded (RGB) and resized to ``size`` per second."""
    start = time.perf_counter()
    for f in files:
        image = cv2.cvtColor(cv2.imread(str(f), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return len(files) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    files = sorted((args.data / "REFUGE" / "Test400" / "images").glob("*.jpg"))[: args.n]
    sizes = (256, 512)
    runs = {(v, s): [] for v in SIMULATORS for s in sizes}
    reads = {s: [] for s in sizes}
    rate("v2", 5, 256, 0)  # warm-up
    for r in range(args.repeats):
        for size in sizes:
            for v in SIMULATORS:
                runs[v, size].append(rate(v, args.n, size, 1000 * r))
            if files:
                reads[size].append(read_rate(files, size))
    print(f"{'simulator':>9} {'size':>5} {'sample/s':>9} {'render/s':>9} {'both/s':>8} {'read JPEG/s':>12} {'read/both':>10}")
    for (v, size), values in runs.items():
        sample = statistics.median(s for s, _ in values)
        draw = statistics.median(d for _, d in values)
        both = 1 / (1 / sample + 1 / draw)
        read = statistics.median(reads[size]) if reads[size] else float("nan")
        print(f"{v:>9} {size:>5} {sample:>9.1f} {draw:>9.1f} {both:>8.1f} {read:>12.1f} {read / both:>10.2f}")
    if not files:
        print(f"(no REFUGE Test400 JPEGs under {args.data}: the reading column is empty)")


if __name__ == "__main__":
    main()
