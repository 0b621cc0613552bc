"""CPU settings of the MTL-IO chapter: memory format and batch size, side by side.

The MTL-IO U-Net (``fundus_utils.models.mtl_unet``) is trained on a CPU in the smoke
profile (96x38 px bands, width 6, all four tasks) and the real profile (rows 25-75 % of a
128 px picture, width 12, OD and OC; the whole 128 px picture is timed beside it). For
each shape this times one training step (forward, backward, Adam) with the default
contiguous layout and with ``channels_last``, interleaved, and prints process CPU
milliseconds per image (load-independent) with the ratio to contiguous.
The smoke and real profiles set ``cpu_channels_last`` from these numbers.
Run: ``.venv/bin/python bench/bench_mtl_cpu.py [--reps 10] [--threads 1]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without install
from fundus_utils.models.mtl_unet import MTLUNet  # noqa: E402

CASES = {  # name: (tasks, width, batch, height, width px)
    "smoke bs8": (("glaucoma", "od", "oc", "fovea"), 6, 8, 38, 96),
    "smoke bs4": (("glaucoma", "od", "oc", "fovea"), 6, 4, 38, 96),
    "real bs8": (("od", "oc"), 12, 8, 128, 128),
    "real band": (("od", "oc"), 12, 8, 64, 128),   # rows 25-75 % of the 128 px picture
}


def step_ms(model: MTLUNet, x: torch.Tensor, opt: torch.optim.Optimizer) -> float:
    """Process CPU milliseconds of one training step."""
    t = time.process_time()
    out = model(x)
    sum(v.float().mean() for v in out.values()).backward()
    opt.step()
    opt.zero_grad()
    return (time.process_time() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{'case':<12} {'contiguous ms/img':>18} {'channels_last ms/img':>21} {'ratio':>6}")
    for name, (tasks, width, bs, h, w) in CASES.items():
        runs = {}
        for layout in (torch.contiguous_format, torch.channels_last):
            torch.manual_seed(0)
            model = MTLUNet(tasks=tasks, width=width, dropout=0.8).to(memory_format=layout)
            x = torch.rand(bs, 3, h, w).contiguous(memory_format=layout)
            runs[layout] = (model, x, torch.optim.Adam(model.parameters()))
            step_ms(*runs[layout])  # warm-up
        times = {layout: [] for layout in runs}
        for _ in range(args.reps):  # interleaved: load changes hit both layouts alike
            for layout, run in runs.items():
                times[layout].append(step_ms(*run) / bs)
        a, b = (statistics.median(times[k]) for k in (torch.contiguous_format, torch.channels_last))
        print(f"{name:<12} {a:>18.2f} {b:>21.2f} {b / a:>6.2f}")


if __name__ == "__main__":
    main()
