"""Simulator throughput on one core: images per second at 256 and 512 px, side by side.

    .venv/bin/python bench/bench_simulator.py [--n 40] [--repeats 3]

Each size is timed ``repeats`` times, interleaved (256, 512, 256, 512, ...), and the
median is reported: scene sampling alone, rendering alone, and both (what a twin does
per image before writing PNGs). OpenCV is held to one thread so the figure is per core.
Target: at least 20 images/s at 512 px.
"""
from __future__ import annotations

import argparse
import statistics
import time

import cv2

from fundus_utils.data.simulator import render, sample_scene


def rate(n: int, size: int | None, seed0: int) -> tuple[float, float]:
    """(scenes/s for sampling, images/s for rendering) over ``n`` random eyes."""
    start = time.perf_counter()
    scenes = [sample_scene(seed0 + i) for i in range(n)]
    sampled = time.perf_counter()
    for scene in scenes:
        render(scene, size)
    rendered = time.perf_counter()
    return n / (sampled - start), n / (rendered - sampled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    sizes = (256, 512)
    runs: dict[int, list[tuple[float, float]]] = {s: [] for s in sizes}
    rate(5, 256, 0)  # warm-up
    for r in range(args.repeats):
        for size in sizes:
            runs[size].append(rate(args.n, size, 1000 * r))
    print(f"{'size':>6} {'sample/s':>10} {'render/s':>10} {'both/s':>10}")
    for size in sizes:
        sample = statistics.median(s for s, _ in runs[size])
        draw = statistics.median(d for _, d in runs[size])
        both = 1 / (1 / sample + 1 / draw)
        print(f"{size:>6} {sample:>10.1f} {draw:>10.1f} {both:>10.1f}")
    ratio = statistics.median(d for _, d in runs[256]) / statistics.median(d for _, d in runs[512])
    print(f"render 256 px / 512 px speed ratio: {ratio:.2f}x")


if __name__ == "__main__":
    main()
