"""Batch runner: execute the book's notebooks with papermill.

    python -m fundus_utils.run --profile smoke|real|full [--only PAPER] [--data DIR] [-j N] [--out DIR]

Notebooks are ``notebooks/<paper>/NN_<section>.ipynb`` (regenerated from the paired
jupytext ``.py`` when the ``.ipynb`` is missing or older). Each is executed with the
parameter ``profile`` into ``<out>/<paper>/<name>.ipynb`` (default ``executed/``) in its
own worker process, which measures the kernel's wall time and peak RSS; its output goes
to ``<out>/logs/<paper>__<name>.log``. Notebooks of one paper run in order (later ones
may read earlier ones' cached results); papers run in parallel with ``-j``. The first
failure stops the run (pending notebooks are cancelled) with a report naming the
notebook, the cell and the error; the exit status is then non-zero. A summary table is
printed and written to ``<out>/run_summary.csv``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KERNEL = "python3"
_LIVE: set[subprocess.Popen] = set()   # running workers, ended on Ctrl-C


@dataclass
class Result:
    """Outcome of one notebook."""

    paper: str
    name: str
    status: str = "pending"          # ok | failed | cancelled | pending
    wall_s: float = 0.0
    peak_rss_mib: float = 0.0
    error: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.paper}/{self.name}"


def discover(root: Path, only: list[str] | None = None) -> dict[str, list[Path]]:
    """``{paper: [notebook .ipynb, ...]}`` under ``root``, sorted by folder and by name.

    A paper folder's notebooks are the ``NN_*.ipynb`` / ``NN_*.py`` files; a ``.py``
    without an up-to-date ``.ipynb`` is converted first (jupytext).
    """
    if not root.is_dir():
        raise SystemExit(f"error: notebook folder {root} does not exist")
    papers = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if only:
        unknown = sorted(set(only) - set(papers))
        if unknown:
            raise SystemExit(f"error: --only {', '.join(unknown)}: no such folder in {root} (have: {', '.join(papers)})")
        papers = [p for p in papers if p in only]
    found: dict[str, list[Path]] = {}
    for paper in papers:
        stems = sorted({p.stem for p in (root / paper).glob("[0-9][0-9]_*") if p.suffix in (".py", ".ipynb")})
        notebooks = [ensure_ipynb(root / paper / stem) for stem in stems]
        if notebooks:
            found[paper] = notebooks
    return found


def ensure_ipynb(stem: Path) -> Path:
    """The ``.ipynb`` of a notebook, (re)generated from its jupytext ``.py`` if that is newer."""
    ipynb, py = stem.with_suffix(".ipynb"), stem.with_suffix(".py")
    if py.exists() and (not ipynb.exists() or ipynb.stat().st_mtime < py.stat().st_mtime):
        from jupytext.cli import jupytext as jupytext_cli
        # The CLI applies jupytext.toml (metadata filters); --update keeps the .ipynb's own metadata.
        jupytext_cli(["--to", "ipynb", "--quiet", *(["--update"] if ipynb.exists() else []), str(py)])
        os.utime(ipynb)
        print(f"synced {py} -> {ipynb.name}", flush=True)
    return ipynb


def _worker_env(data: str | None, jobs: int = 1) -> dict[str, str]:
    env = dict(os.environ)
    # Parallel notebooks share the cores: give each kernel its share of compute threads.
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, jobs))))
    if data:
        env["FUNDUS_DATA"] = str(Path(data).expanduser().resolve())
    # The kernel is this interpreter: put its kernelspec first and the repo on the path.
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(Path(sys.prefix) / "share" / "jupyter"), env.get("JUPYTER_PATH")]))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # Batch runs log one line per notebook; progress bars would only fill the book with noise.
    env.setdefault("TQDM_DISABLE", "1")
    env.setdefault("FUNDUS_PROGRESS", "0")
    return env


def run_one(nb: Path, paper: str, out: Path, profile: str, env: dict[str, str], timeout: float | None) -> Result:
    """Execute one notebook in a fresh worker process and return its :class:`Result`."""
    result = Result(paper, nb.stem)
    executed = out / paper / f"{nb.stem}.ipynb"
    log = out / "logs" / f"{paper}__{nb.stem}.log"
    status_file = out / "logs" / f"{paper}__{nb.stem}.json"
    executed.parent.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    status_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "fundus_utils.run", "--worker", str(nb), str(executed), str(status_file),
           "--profile", profile]
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        # own process group, so a timeout also ends the kernel the worker started
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=nb.parent,
                                start_new_session=True)
        _LIVE.add(proc)
        try:
            returncode: int | str = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            returncode = f"killed after the {timeout:.0f} s timeout"
        finally:
            _LIVE.discard(proc)
    if status_file.exists():
        data = json.loads(status_file.read_text())
        result.status, result.wall_s, result.peak_rss_mib, result.error = (
            data["status"], data["wall_s"], data["peak_rss_mib"], data.get("error", {}))
    else:
        result.status, result.wall_s = "failed", time.perf_counter() - t0
        result.error = {"ename": "WorkerError", "evalue": f"worker exited with status {returncode}"}
    if result.status == "failed":
        result.error.update(log=str(log), executed=str(executed), source=str(nb))
    return result


def _worker(nb: str, executed: str, status_file: str, profile: str) -> int:
    """In the worker process: run papermill, then record wall time and the kernel's peak RSS."""
    import logging
    import resource

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    status: dict = {"status": "ok"}
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(nb, executed, parameters={"profile": profile}, kernel_name=KERNEL, language="python",
                            log_output=True, progress_bar=False, cwd=str(Path(nb).parent))
    except PapermillExecutionError as err:
        status = {"status": "failed", "error": {
            "cell": err.cell_index, "exec_count": err.exec_count, "cell_source": err.source,
            "ename": err.ename, "evalue": err.evalue}}
    except Exception as err:  # kernel died, bad notebook file, ...
        status = {"status": "failed", "error": {"ename": type(err).__name__, "evalue": str(err)}}
    status["wall_s"] = round(time.perf_counter() - t0, 2)
    # ru_maxrss of waited-for children (the kernel and anything it spawned), KiB on Linux.
    status["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    Path(status_file).write_text(json.dumps(status))
    print(json.dumps(status), flush=True)
    return 0 if status["status"] == "ok" else 1


def failure_report(r: Result) -> str:
    """A readable account of a failed notebook: where, which cell, what error."""
    e = r.error
    lines = [f"FAILED: {r.label}  ({e.get('source', '')})"]
    if "cell" in e:
        lines.append(f"  in cell #{e['cell']} of the executed notebook (execution count {e.get('exec_count')}):")
        src = (e.get("cell_source") or "").strip().splitlines()
        lines += ["    | " + s for s in src[:15]] + (["    | ..."] if len(src) > 15 else [])
    lines.append(f"  {e.get('ename', 'Error')}: {e.get('evalue', '')}")
    lines.append(f"  executed notebook: {e.get('executed', '?')}")
    lines.append(f"  full log:          {e.get('log', '?')}")
    return "\n".join(lines)


def summarise(results: list[Result], out: Path) -> str:
    """Write ``<out>/run_summary.csv`` and return the summary as a text table."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "run_summary.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["notebook", "status", "wall_s", "peak_rss_mib"])
        for r in results:
            w.writerow([r.label, r.status, f"{r.wall_s:.1f}", f"{r.peak_rss_mib:.0f}"])
    width = max([len(r.label) for r in results] + [8])
    rows = [f"{'notebook':<{width}}  {'status':<9} {'wall s':>8} {'peak RSS MiB':>13}"]
    rows += [f"{r.label:<{width}}  {r.status:<9} {r.wall_s:>8.1f} {r.peak_rss_mib:>13.0f}" for r in results]
    return "\n".join(rows)


def run(profile: str, only: list[str] | None = None, data: str | None = None, jobs: int = 1,
        out: Path | str = REPO_ROOT / "executed", root: Path | str = REPO_ROOT / "notebooks",
        timeout: float | None = None) -> list[Result]:
    """Execute the notebooks (see module docstring); returns one :class:`Result` per notebook."""
    out, root = Path(out).resolve(), Path(root).resolve()
    plan = discover(root, only)
    results = {paper: [Result(paper, nb.stem) for nb in nbs] for paper, nbs in plan.items()}
    total = sum(len(v) for v in plan.values())
    env = _worker_env(data, jobs)
    stop = threading.Event()
    lock = threading.Lock()
    done = [0]

    def run_paper(paper: str) -> None:
        for i, nb in enumerate(plan[paper]):
            if stop.is_set():
                for r in results[paper][i:]:
                    r.status = "cancelled"
                return
            print(f"[start] {paper}/{nb.stem}", flush=True)
            r = run_one(nb, paper, out, profile, env, timeout)
            results[paper][i] = r
            with lock:
                done[0] += 1
                print(f"[{done[0]}/{total}] {r.status:<6} {r.label}  {r.wall_s:.1f} s  "
                      f"{r.peak_rss_mib:.0f} MiB", flush=True)
            if r.status != "ok":
                stop.set()

    print(f"running {total} notebook(s) of {', '.join(plan) or 'no paper'} with profile {profile!r} "
          f"-> {out}", flush=True)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        list(pool.map(run_paper, plan))
    except KeyboardInterrupt:  # workers run in their own sessions: end them and their kernels
        stop.set()
        for proc in list(_LIVE):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    finally:
        pool.shutdown(wait=True)
    flat = [r for paper in plan for r in results[paper]]
    for r in flat:
        if r.status == "pending":
            r.status = "cancelled"
    print(summarise(flat, out))
    return flat


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        p = argparse.ArgumentParser()
        p.add_argument("worker", nargs=3)
        p.add_argument("--profile", required=True)
        a = p.parse_args(argv[1:])
        return _worker(*a.worker, a.profile)
    p = argparse.ArgumentParser(prog="python -m fundus_utils.run", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=("smoke", "real", "full"), default="smoke")
    p.add_argument("--only", action="append", metavar="PAPER",
                   help="run only this paper's folder (repeat or comma-separate for several)")
    p.add_argument("--data", metavar="DIR", help="real datasets folder (sets $FUNDUS_DATA)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="papers run in parallel (default 1)")
    p.add_argument("--out", default=str(REPO_ROOT / "executed"), help="output folder (default executed/)")
    p.add_argument("--notebooks", default=str(REPO_ROOT / "notebooks"), help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=None, help="seconds per notebook (default none)")
    a = p.parse_args(argv)
    only = [x for item in a.only for x in item.split(",") if x] if a.only else None
    try:
        results = run(a.profile, only, a.data, a.jobs, a.out, a.notebooks, a.timeout)
    except KeyboardInterrupt:
        print("interrupted: running notebooks and their kernels were stopped", file=sys.stderr)
        return 130
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        print("\n" + failure_report(r), file=sys.stderr)
    if failed:
        cancelled = [r.label for r in results if r.status == "cancelled"]
        if cancelled:
            print(f"cancelled: {', '.join(cancelled)}", file=sys.stderr)
        return 1
    if not results:
        print("error: no notebooks found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
