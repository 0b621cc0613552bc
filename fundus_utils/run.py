"""Batch runner: execute the book's notebooks with papermill, reusing unchanged executions.

    python -m fundus_utils.run --profile smoke|real|full [--only CHAPTER] [--data DIR] [-j N] [--out DIR]
                               [--set KEY=VALUE ...] [--force] [--keep-going] [--timeout S]

Notebooks are ``notebooks/<chapter>/NN_<section>.ipynb`` (regenerated from the paired
jupytext ``.py`` when the ``.ipynb`` is missing or older). Each is executed with the
parameters ``profile`` (and ``overrides``, from ``--set``) into ``<out>/<chapter>/<name>.ipynb``
(default ``executed/``) in its own worker process, which measures the kernel's wall time
and peak RSS; its output goes to ``<out>/logs/<chapter>__<name>.log``. Notebooks of one chapter
run in order (later ones may read earlier ones' cached results); chapters run in parallel
with ``-j``. The first failure stops the run (pending notebooks are cancelled; with
``--keep-going`` only the rest of its chapter) with a report naming the notebook, the cell
and the error; the exit status is then non-zero. A summary table is printed and written
to ``<out>/run_summary.csv``.

Execution cache. A successful execution leaves ``<out>/<chapter>/<name>.stamp.json`` beside
the executed notebook, holding its key (see :func:`key_parts`: the notebook's cells, every
file under ``fundus_utils/`` and ``data_manifests/`` plus requirements/constraints/pyproject,
the profile, the overrides, the ``FUNDUS_*`` / thread-count environment, the data root's
files, the Python and the key of the chapter's previous notebook) and the SHA-256 of the executed notebook and of the
result files it wrote. A later run reuses the execution (status ``reused``) only when the
key matches and those files are unchanged; ``--force`` re-executes. A failed or killed
execution never leaves a stamp. A per-notebook lock and atomic renames keep two
concurrent runs (say ``make test`` and ``make book``) from corrupting each other: the
second waits for the first and then reuses its execution. The datasets enter the key by the
identity (path, size, modification time) of every file under the data root.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import book_status
from .config import REPO_ROOT  # config and files import nothing heavy: the runner stays light
from .files import folder_identity, library_digest, locked, sha256_file, write_atomic

KERNEL = "python3"
_LIVE: set[subprocess.Popen] = set()   # running workers, ended on Ctrl-C
# Environment that can change what a notebook computes or shows (besides FUNDUS_*).
KEY_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "TQDM_DISABLE")
STAMP_VERSION = 1
SUCCESS = ("ok", "reused")


@dataclass
class Result:
    """Outcome of one notebook."""

    chapter: str
    name: str
    status: str = "pending"          # ok | reused | failed | cancelled | pending
    wall_s: float = 0.0              # for a reused notebook: the wall time of the execution reused
    peak_rss_mib: float = 0.0
    error: dict = field(default_factory=dict)
    note: str = ""                   # why it was executed (cache miss) or which execution was reused

    @property
    def label(self) -> str:
        return f"{self.chapter}/{self.name}"

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCESS


def discover(root: Path, only: list[str] | None = None) -> dict[str, list[Path]]:
    """``{chapter: [notebook .ipynb, ...]}`` under ``root``, sorted by folder and by name.

    A chapter folder's notebooks are the ``NN_*.ipynb`` / ``NN_*.py`` files; a ``.py``
    without an up-to-date ``.ipynb`` is converted first (jupytext).
    """
    if not root.is_dir():
        raise SystemExit(f"error: notebook folder {root} does not exist")
    chapters = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if only:
        unknown = sorted(set(only) - set(chapters))
        if unknown:
            raise SystemExit(f"error: --only {', '.join(unknown)}: no such folder in {root} (have: {', '.join(chapters)})")
        chapters = [p for p in chapters if p in only]
    found: dict[str, list[Path]] = {}
    for chapter in chapters:
        stems = sorted({p.stem for p in (root / chapter).glob("[0-9][0-9]_*") if p.suffix in (".py", ".ipynb")})
        notebooks = [ensure_ipynb(root / chapter / stem) for stem in stems]
        if notebooks:
            found[chapter] = notebooks
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


# ---------------------------------------------------------------------------- cache key

def notebook_digest(nb: Path) -> str:
    """SHA-256 of what a notebook executes and shows: its cells (type, source, metadata) and kernel.

    Outputs and jupytext's own notebook metadata are left out, so a re-sync that changes
    nothing else keeps the key.
    """
    import nbformat
    book = nbformat.read(nb, as_version=4)
    cells = [(c.cell_type, c.source, dict(c.get("metadata", {}))) for c in book.cells]
    body = json.dumps([cells, book.metadata.get("kernelspec", {})], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _data_root(env: dict[str, str]) -> str:
    """The data root the kernel will see (``$FUNDUS_DATA`` or ``../shared/data``), as config finds it."""
    if env.get("FUNDUS_DATA"):
        return str(Path(env["FUNDUS_DATA"]).expanduser().resolve())
    shared = REPO_ROOT.parent / "shared" / "data"
    return str(shared) if shared.is_dir() else ""


@functools.lru_cache(maxsize=None)
def _data_state(root: str) -> str:
    """:func:`fundus_utils.files.folder_identity` of the data root, once per run: a replaced
    or edited dataset file re-executes the notebooks."""
    return folder_identity(root) if root else ""


def key_parts(nb: Path, profile: str, overrides: dict, env: dict[str, str], library: str,
              previous: str = "") -> dict:
    """What identifies one execution: equal parts, equal executed notebook (up to wall times).

    ``previous`` is the key of the chapter's previous notebook, so re-executing a notebook
    re-executes the later ones of its chapter too (they may read what it cached).
    """
    return {
        "notebook": notebook_digest(nb),
        "library": library,
        "profile": profile,
        "overrides": json.dumps(overrides, sort_keys=True, default=str),
        "env": {k: v for k, v in sorted(env.items()) if k.startswith("FUNDUS_") or k in KEY_ENV},
        "data_root": _data_root(env),
        "data": _data_state(_data_root(env)),
        "python": f"{sys.version} {sys.executable}",
        "previous": previous,
        "version": STAMP_VERSION,
    }


def digest(parts: dict) -> str:
    """The cache key: SHA-256 of :func:`key_parts`."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------- stamps

def stamp_path(out: Path, chapter: str, name: str) -> Path:
    """Where the stamp of ``<out>/<chapter>/<name>.ipynb`` lives."""
    return out / chapter / f"{name}.stamp.json"


def read_stamp(path: Path) -> dict | None:
    """A stamp's contents, or None when missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _changed(old: dict, new: dict) -> str:
    """Which key parts differ, in words (for the summary's note)."""
    names = [k for k in new if old.get(k) != new[k]]
    if "env" in names:   # name the variables: "env (OMP_NUM_THREADS)"
        env_old, env_new = old.get("env") or {}, new["env"]
        keys = sorted(k for k in {*env_old, *env_new} if env_old.get(k) != env_new.get(k))
        names[names.index("env")] = f"env ({', '.join(keys)})"
    return ", ".join(names) + " changed" if names else "key changed"


def reuse_check(stamp: dict | None, key: str, parts: dict, executed: Path, results_root: Path) -> str:
    """Empty when the stamped execution can be reused, else the reason it cannot."""
    if stamp is None:
        return "not executed before"
    if stamp.get("status") != "ok":
        return "last execution did not succeed"
    if stamp.get("key") != key:
        return _changed(stamp.get("parts", {}), parts)
    if not executed.is_file() or sha256_file(executed) != stamp.get("executed_sha256"):
        return "executed notebook missing or modified"
    for rel, sha in stamp.get("outputs", {}).items():
        f = results_root / rel
        if not f.is_file() or sha256_file(f) != sha:
            return f"result file {rel} missing or modified"
    return ""


def written_since(results_root: Path, chapter: str, t0: float) -> dict[str, str]:
    """``{path relative to results_root: sha256}`` of the files under ``<results_root>/<chapter>`` written since ``t0``."""
    folder = results_root / chapter
    if not folder.is_dir():
        return {}
    return {p.relative_to(results_root).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.stat().st_mtime >= t0}


def results_root(env: dict[str, str]) -> Path:
    """Where the kernel writes tables and figures (``$FUNDUS_RESULTS`` or ``_build/results``)."""
    return Path(env.get("FUNDUS_RESULTS") or REPO_ROOT / "_build" / "results")


# ---------------------------------------------------------------------------- execution

@dataclass
class Job:
    """Everything :func:`run_one` needs that is the same for every notebook of a run."""

    out: Path
    profile: str
    overrides: dict
    env: dict[str, str]
    timeout: float | None = None
    library: str = ""
    force: bool = False


def run_one(nb: Path, chapter: str, job: Job, previous: str = "") -> tuple[Result, str]:
    """Execute one notebook (or reuse its stamped execution); returns its :class:`Result` and key."""
    executed = job.out / chapter / f"{nb.stem}.ipynb"
    parts = key_parts(nb, job.profile, job.overrides, job.env, job.library, previous)
    key = digest(parts)
    stamp_file = stamp_path(job.out, chapter, nb.stem)
    with locked(job.out / chapter / f".{nb.stem}.lock"):
        stamp = read_stamp(stamp_file)
        why = "--force" if job.force else reuse_check(stamp, key, parts, executed, results_root(job.env))
        if not why:
            return _reused(chapter, nb.stem, stamp), key
        stamp_file.unlink(missing_ok=True)      # from here on the old execution is gone
        t0 = time.time()
        result = execute(nb, chapter, executed, job)
        result.note = why
        if result.status == "ok":
            write_atomic(stamp_file, json.dumps({
                "status": "ok", "key": key, "parts": parts, "executed_sha256": sha256_file(executed),
                "outputs": written_since(results_root(job.env), chapter, t0), "wall_s": result.wall_s,
                "peak_rss_mib": result.peak_rss_mib, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, indent=1))
    return result, key


def _reused(chapter: str, name: str, stamp: dict) -> Result:
    """The :class:`Result` of a notebook whose stamped execution is reused."""
    return Result(chapter, name, "reused", stamp.get("wall_s", 0.0), stamp.get("peak_rss_mib", 0.0),
                  note=f"executed {stamp.get('finished', '?')}")


def execute(nb: Path, chapter: str, executed: Path, job: Job) -> Result:
    """Run the notebook in a fresh worker process; the executed copy replaces ``executed`` atomically."""
    result = Result(chapter, nb.stem)
    log = job.out / "logs" / f"{chapter}__{nb.stem}.log"
    status_file = job.out / "logs" / f"{chapter}__{nb.stem}.json"
    executed.parent.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    status_file.unlink(missing_ok=True)
    partial = executed.with_name(f".{executed.stem}.{os.getpid()}.partial.ipynb")
    cmd = [sys.executable, "-m", "fundus_utils.run", "--worker", str(nb), str(partial), str(status_file),
           "--profile", job.profile, "--overrides", json.dumps(job.overrides)]
    t0 = time.perf_counter()
    returncode = _supervise(cmd, log, job.env, nb.parent, job.timeout)
    cell = running_cell(partial) if isinstance(returncode, str) else {}
    if partial.exists():
        os.replace(partial, executed)          # kept when failed too: the report points at it
    if isinstance(returncode, str):            # the timeout: name the cell that was running
        result.status, result.wall_s = "failed", time.perf_counter() - t0
        where = f" while cell #{cell['cell']} ran" if cell else ""
        result.error = {"ename": "TimeoutError", "evalue": f"{returncode}{where}", **cell}
    elif status_file.exists():
        data = json.loads(status_file.read_text())
        result.status, result.wall_s, result.peak_rss_mib, result.error = (
            data["status"], data["wall_s"], data["peak_rss_mib"], data.get("error", {}))
    else:
        result.status, result.wall_s = "failed", time.perf_counter() - t0
        result.error = {"ename": "WorkerError", "evalue": f"worker exited with status {returncode}"}
    if result.status == "failed":
        result.error.update(log=str(log), executed=str(executed), source=str(nb))
    return result


def _supervise(cmd: list[str], log: Path, env: dict[str, str], cwd: Path, timeout: float | None) -> int | str:
    """Run the worker with its output in ``log``; kill its process group (kernel included) on timeout."""
    log.write_text("")
    with open(log, "a") as fh:  # append mode: the kernel's epoch lines ($FUNDUS_LOG) interleave whole
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=dict(env, FUNDUS_LOG=str(log)),
                                cwd=cwd, start_new_session=True)
        _LIVE.add(proc)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            proc.wait()
            return f"killed after the {timeout:.0f} s timeout"
        finally:
            _LIVE.discard(proc)


def kill_tree(pid: int) -> None:
    """Kill process ``pid``, its process group and every descendant.

    The group alone is not enough: jupyter_client starts each kernel in a session of its
    own (so that Ctrl-C in a terminal does not reach it), outside the worker's group.
    """
    import psutil

    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        procs = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


def running_cell(partial: Path) -> dict:
    """Index and source of the cell papermill marked as running in a partly executed notebook
    (it saves the notebook when a cell starts), or ``{}``."""
    try:
        cells = json.loads(partial.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    for i, cell in enumerate(cells):
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            source = cell.get("source", "")
            return {"cell": i, "cell_source": "".join(source) if isinstance(source, list) else source}
    return {}


def _worker(nb: str, executed: str, status_file: str, profile: str, overrides: dict | None = None) -> int:
    """In the worker process: run papermill, then record wall time and the kernel's peak RSS."""
    import logging
    import resource

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    status: dict = {"status": "ok"}
    # `overrides` is injected only when set, so notebooks without that parameter still run.
    parameters = {"profile": profile, **({"overrides": overrides} if overrides else {})}
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(nb, executed, parameters=parameters, kernel_name=KERNEL, language="python",
                            log_output=True, progress_bar=False, cwd=str(Path(nb).parent))
    except PapermillExecutionError as err:
        status = {"status": "failed", "error": {
            "cell": err.cell_index, "exec_count": err.exec_count, "cell_source": err.source,
            "ename": err.ename, "evalue": err.evalue}}
    except Exception as err:  # kernel died, bad notebook file, ...
        status = {"status": "failed", "error": {"ename": type(err).__name__, "evalue": str(err)}}
    if Path(executed).is_file():
        show_parameters_once(Path(executed))
    status["wall_s"] = round(time.perf_counter() - t0, 2)
    # ru_maxrss of waited-for children (the kernel and anything it spawned), KiB on Linux.
    status["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    Path(status_file).write_text(json.dumps(status))
    print(json.dumps(status), flush=True)
    return 0 if status["status"] == "ok" else 1


def show_parameters_once(executed: Path) -> None:
    """Tag the notebook's default ``parameters`` cell ``remove-cell`` when papermill injected
    the values this run used (its ``injected-parameters`` cell, which stays): the book shows
    the parameters once, and the ones that ran."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    if not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells):
        return
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, executed)


# ---------------------------------------------------------------------------- reporting

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
    """Write ``<out>/run_summary.csv`` and return the summary as a text table.

    ``wall_s`` of a reused notebook is that of the execution reused; ``note`` says why a
    notebook was executed (what changed) or when the reused execution ran.
    """
    rows = [[r.label, r.status, f"{r.wall_s:.1f}", f"{r.peak_rss_mib:.0f}", r.note] for r in results]
    write_atomic(out / "run_summary.csv", _csv([["notebook", "status", "wall_s", "peak_rss_mib", "note"], *rows]))
    for chapter in dict.fromkeys(r.chapter for r in results):
        write_chapter_status(out, chapter, [r for r in results if r.chapter == chapter])
    return summary_text(results)


def _csv(rows: list[list]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue()


def write_chapter_status(out: Path, chapter: str, results: list[Result]) -> None:
    """``<out>/<chapter>/status.csv``: how each of the chapter's notebooks last ran (status,
    wall time, peak memory, and the error of a failed one), for the chapter's overview page
    (a ``csv-table`` there: the book shows a failure where it happened)."""
    def note(r: Result) -> str:
        if r.status == "failed":
            cell = f" (cell #{r.error['cell']})" if "cell" in r.error else ""
            return f"{r.error.get('ename', 'Error')}{cell}: {str(r.error.get('evalue', ''))[:160]}"
        return r.note

    rows = [[r.name, r.status, f"{r.wall_s:.0f}", f"{r.peak_rss_mib:.0f}", note(r)] for r in results]
    write_atomic(out / chapter / "status.csv",
                 _csv([["notebook", "status", "wall (s)", "peak memory (MiB)", "note"], *rows]))


def summary_text(results: list[Result]) -> str:
    """The run's summary as a text table, with a last line naming the reused notebooks."""
    width = max([len(r.label) for r in results] + [8])
    lines = [f"{'notebook':<{width}}  {'status':<9} {'wall s':>8} {'peak RSS MiB':>13}  note"]
    lines += [f"{r.label:<{width}}  {r.status:<9} {r.wall_s:>8.1f} {r.peak_rss_mib:>13.0f}  {r.note}" for r in results]
    reused = [r.label for r in results if r.status == "reused"]
    lines.append(f"reused {len(reused)} of {len(results)} notebook(s) (unchanged key; --force re-executes)"
                 + (f": {', '.join(reused)}" if reused else ""))
    return "\n".join(lines)


def last_wall(out: Path, chapter: str, name: str) -> float | None:
    """Wall time of a notebook's last execution (stamp, else the worker's status file), if known."""
    for record in (read_stamp(stamp_path(out, chapter, name)), read_stamp(out / "logs" / f"{chapter}__{name}.json")):
        if record and "wall_s" in record:
            return float(record["wall_s"])
    return None


def longest_first(plan: dict[str, list[Path]], out: Path) -> list[str]:
    """Papers ordered by expected wall time, longest first (keeps ``-j`` runs short).

    A notebook's estimate is its last wall time, else the mean of the known ones (1 when
    none is known, which orders chapters by their number of notebooks).
    """
    walls = {p: [last_wall(out, p, nb.stem) for nb in nbs] for p, nbs in plan.items()}
    known = [w for ws in walls.values() for w in ws if w is not None]
    default = sum(known) / len(known) if known else 1.0
    estimate = {p: sum(default if w is None else w for w in ws) for p, ws in walls.items()}
    return sorted(plan, key=lambda p: -estimate[p])


# ---------------------------------------------------------------------------- the run

def run(profile: str, only: list[str] | None = None, data: str | None = None, jobs: int = 1,
        out: Path | str = REPO_ROOT / "executed", root: Path | str = REPO_ROOT / "notebooks",
        timeout: float | None = None, overrides: dict | None = None, force: bool = False,
        keep_going: bool = False, env: dict[str, str] | None = None) -> list[Result]:
    """Execute (or reuse) the notebooks (see module docstring); returns one :class:`Result` per notebook.

    With ``keep_going`` a failure cancels only the rest of its chapter; otherwise the whole run.
    ``env`` adds to (or replaces) the kernels' environment, e.g. ``{"FUNDUS_RESULTS": ...}``.
    """
    out, root = Path(out).resolve(), Path(root).resolve()
    plan = discover(root, only)
    job = Job(out, profile, dict(overrides or {}), {**_worker_env(data, jobs), **(env or {})}, timeout,
              library_digest(), force)
    results = {chapter: [Result(chapter, nb.stem) for nb in nbs] for chapter, nbs in plan.items()}
    total = sum(len(v) for v in plan.values())
    stop, lock, done = threading.Event(), threading.Lock(), [0]

    def run_paper(chapter: str) -> None:
        previous = ""
        for i, nb in enumerate(plan[chapter]):
            if stop.is_set():
                return
            print(f"[start] {chapter}/{nb.stem}", flush=True)
            results[chapter][i], previous = run_one(nb, chapter, job, previous)
            r = results[chapter][i]
            with lock:
                done[0] += 1
                print(f"[{done[0]}/{total}] {r.status:<6} {r.label}  {r.wall_s:.1f} s  "
                      f"{r.peak_rss_mib:.0f} MiB  {r.note}", flush=True)
            if not r.succeeded:
                if not keep_going:
                    stop.set()
                return

    print(f"running {total} notebook(s) of {', '.join(plan) or 'no chapter'} with profile {profile!r}"
          f"{' and overrides ' + json.dumps(job.overrides) if job.overrides else ''} -> {out}", flush=True)
    _run_papers(run_paper, longest_first(plan, out), jobs, stop)
    flat = [r for chapter in plan for r in results[chapter]]
    for r in flat:
        if r.status == "pending":
            r.status = "cancelled"
    print(summarise(flat, out))
    book_status.write(out, results_root(job.env), root)
    return flat


def _run_papers(run_paper, chapters: list[str], jobs: int, stop: threading.Event) -> None:
    """Run ``run_paper`` for each chapter, ``jobs`` at a time; Ctrl-C ends the workers and their kernels."""
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for f in [pool.submit(run_paper, p) for p in chapters]:
            f.result()
    except KeyboardInterrupt:  # workers run in their own sessions: end them and their kernels
        stop.set()
        for proc in list(_LIVE):
            kill_tree(proc.pid)
        raise
    finally:
        pool.shutdown(wait=True)


def parse_set(items: list[str] | None) -> dict:
    """``--set a.b=3 --set name=x`` -> ``{"a.b": 3, "name": "x"}`` (values read as JSON when they parse)."""
    overrides: dict = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --set {item!r}: expected KEY=VALUE")
        try:
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        p = argparse.ArgumentParser()
        p.add_argument("worker", nargs=3)
        p.add_argument("--profile", required=True)
        p.add_argument("--overrides", default="{}")
        a = p.parse_args(argv[1:])
        return _worker(*a.worker, a.profile, json.loads(a.overrides))
    a = _parser().parse_args(argv)
    only = [x.strip() for item in a.only for x in item.split(",") if x.strip()] if a.only is not None else None
    if only == []:
        raise SystemExit("error: --only names no chapter (an empty value would run them all; omit --only for that)")
    if a.data is not None and not Path(a.data).is_dir():
        raise SystemExit(f"error: --data {a.data}: no such folder (the folder holding REFUGE/, DRIVE/, ...)")
    try:
        results = run(a.profile, only, a.data, a.jobs, a.out, a.notebooks, a.timeout,
                      parse_set(a.set), a.force, a.keep_going)
    except KeyboardInterrupt:
        print("interrupted: running notebooks and their kernels were stopped", file=sys.stderr)
        return 130
    return _exit_status(results)


def _parser() -> argparse.ArgumentParser:
    """The runner's argument parser."""
    p = argparse.ArgumentParser(prog="python -m fundus_utils.run", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=("smoke", "real", "full"), default="smoke")
    p.add_argument("--only", action="append", metavar="CHAPTER",
                   help="run only this chapter's folder (repeat or comma-separate for several)")
    p.add_argument("--data", metavar="DIR", help="real datasets folder (sets $FUNDUS_DATA)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="chapters run in parallel (default 1)")
    p.add_argument("--out", default=str(REPO_ROOT / "executed"), help="output folder (default executed/)")
    p.add_argument("--notebooks", default=str(REPO_ROOT / "notebooks"), help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=None, help="seconds per notebook (default none)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="a setting passed to every notebook as overrides (dotted keys; JSON values), repeatable")
    p.add_argument("--force", action="store_true", help="re-execute even notebooks whose stamped execution is current")
    p.add_argument("--keep-going", action="store_true", help="a failure stops only the rest of its chapter")
    return p


def _exit_status(results: list[Result]) -> int:
    """Print the failure reports; 0 when every notebook succeeded (executed or reused)."""
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
