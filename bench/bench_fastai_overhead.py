"""Training overhead of fastai against a bare PyTorch loop (issue 2, section 4).

Same model (U-Net, width 16, depth 4), same in-memory data (uint8 images, 128 px),
same batch size and optimizer (Adam), one epoch = one pass over the training set plus
one over the validation set. Variants, run interleaved, median of ``--reps`` each:

* ``bare``            hand-written loop: randperm, tensor gather, forward/backward/step;
                      eval pass under ``no_grad``.
* ``library``         ``fundus_utils.train.tensor_dls`` + ``make_learner`` with the
                      library defaults (no CPU workers, one gather per batch, PyTorch
                      Adam) as a batch run uses them (``progress=False``).
* ``library+bar``     the same with fastai's progress bar (interactive default).
* ``fastai-defaults`` what fastai does by default: ``DataLoaders.from_dsets`` over the
                      same tensors (per-item fetch + ``fa_collate``, ``defaults.cpus``
                      worker processes), ``Learner`` with fastai's ``Adam`` and default
                      callbacks incl. the progress bar (printed to a buffer).

Medians and minima are printed: on a shared machine other processes slow random
epochs (with 2 OpenMP threads on 2 cores one busy core can double an epoch), and the
minimum is the least disturbed estimate; CPU seconds (this process and its finished
worker processes) are less sensitive to other load. Run:
``.venv/bin/python bench/bench_fastai_overhead.py [--reps 5] [--n 64] [--size 128]``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without install
from fundus_utils.models import UNet  # noqa: E402
from fundus_utils.train import DiceBCELoss, make_learner, tensor_dls  # noqa: E402
from fundus_utils.train.loaders import TensorDataset  # noqa: E402


def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its finished children (fastai's per-epoch workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def make_data(n: int, n_valid: int, size: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n + n_valid, 3, size, size), dtype=torch.uint8, generator=g)
    y = (torch.rand(n + n_valid, 1, size, size, generator=g) > 0.5).float()
    return x[:n], y[:n], x[n:], y[n:]


def bare_epoch(model: torch.nn.Module, opt: torch.optim.Optimizer, loss_fn, data, bs: int) -> None:
    xt, yt, xv, yv = data
    model.train()
    perm = torch.randperm(len(xt))
    for i in range(0, len(xt), bs):
        idx = perm[i:i + bs]
        xb, yb = xt[idx].float().div_(255), yt[idx]
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    with torch.no_grad():
        for i in range(0, len(xv), bs):
            loss_fn(model(xv[i:i + bs].float().div_(255)), yv[i:i + bs])


def fastai_defaults_learner(data, bs: int, model: torch.nn.Module):
    """fastai's default construction: Datasets of items, TfmdDL with default workers, fastai Adam."""
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.optimizer import Adam

    xt, yt, xv, yv = data
    to_float = lambda t: t.float().div_(255) if t.dtype == torch.uint8 else t  # noqa: E731  same work as the others
    dls = DataLoaders.from_dsets(TensorDataset(xt, yt), TensorDataset(xv, yv), bs=bs, after_batch=to_float,
                                 device="cpu")
    return Learner(dls, model, loss_func=DiceBCELoss(), opt_func=Adam, lr=1e-3, wd=0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--n", type=int, default=64, help="training images (a quarter more for validation)")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--only", nargs="*", default=None, help="subset of variants")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's, = cores)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    data = make_data(args.n, args.n // 4, args.size)
    torch.manual_seed(0)
    proto = UNet(width=16, depth=4)
    models = {k: UNet(width=16, depth=4) for k in ("bare", "library", "library+bar", "fastai-defaults")}
    for m in models.values():
        m.load_state_dict(proto.state_dict())

    bare_opt = torch.optim.Adam(models["bare"].parameters(), lr=1e-3)
    bare_loss = DiceBCELoss()
    lib_dls = tensor_dls(*data, bs=args.bs, device="cpu")
    runs = {
        "bare": lambda: bare_epoch(models["bare"], bare_opt, bare_loss, data, args.bs),
    }
    learners = {
        "library": make_learner(lib_dls, models["library"], DiceBCELoss(), progress=False),
        "library+bar": make_learner(tensor_dls(*data, bs=args.bs, device="cpu"), models["library+bar"],
                                    DiceBCELoss(), progress=True),
        "fastai-defaults": fastai_defaults_learner(data, args.bs, models["fastai-defaults"]),
    }
    for name, learn in learners.items():
        runs[name] = lambda learn=learn: learn.fit(1)
    if args.only:
        runs = {k: v for k, v in runs.items() if k in args.only}

    fa_dl = learners["fastai-defaults"].dls.train
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, data {args.n}+{args.n // 4} x 3x{args.size}^2"
          f" uint8, bs {args.bs}, U-Net w16 d4; fastai-defaults workers: {fa_dl.fake_l.num_workers},"
          f" library workers: {lib_dls.train.fake_l.num_workers}")
    times: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    sink = io.StringIO()
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes on the machine add noise)")
    names = list(runs)
    for rep in range(args.reps + 1):  # rep 0 is warm-up; the order rotates so no variant always follows another
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            fn = runs[name]
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                t0, c0 = time.perf_counter(), cpu_seconds()
                fn()
                dt, dc = time.perf_counter() - t0, cpu_seconds() - c0
            if rep:
                times[name].append(dt)
                cpu[name].append(dc)
        if rep:
            print(f"rep {rep}: " + "  ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    base = {"median": statistics.median(times["bare"]), "min": min(times["bare"])} if "bare" in times else None
    base_cpu = statistics.median(cpu["bare"]) if "bare" in cpu else None
    print(f"\n{'variant':<16} {'median s/epoch':>14} {'vs bare':>8} {'min s/epoch':>12} {'vs bare':>8}"
          f" {'median CPU s':>12} {'vs bare':>8} {'median of per-rep ratios':>25}")
    for name, ts in times.items():
        med, low, c = statistics.median(ts), min(ts), statistics.median(cpu[name])
        r_med = f"{med / base['median']:.3f}" if base else "-"
        r_min = f"{low / base['min']:.3f}" if base else "-"
        r_cpu = f"{c / base_cpu:.3f}" if base_cpu else "-"
        r_rep = f"{statistics.median(t / b for t, b in zip(ts, times['bare'])):.3f}" if base else "-"
        print(f"{name:<16} {med:>14.3f} {r_med:>8} {low:>12.3f} {r_min:>8} {c:>12.2f} {r_cpu:>8} {r_rep:>25}")


if __name__ == "__main__":
    main()
