"""Same commit, same machine, two runs: byte-identical result tables.

One smoke notebook that trains models (``NOTEBOOK``, chosen as the fastest that trains:
see the runner's timings in ``executed/run_summary.csv``) is executed twice by the runner,
each run with its own fresh ``$FUNDUS_RESULTS`` and ``$FUNDUS_CACHE`` (so the second run
trains again instead of reading the first one's result cache) and the same thread count.
Every CSV it writes must be the same, byte for byte, except the measured times named in
``MEASURED`` (a row or a column with that name; see there). The ``.provenance.txt`` files
are left out: they carry wall times. The two runs execute side by side, as ``make book -j 2`` runs
two chapters, each kernel with one compute thread.
"""
from __future__ import annotations

import csv
import difflib
import io
import os
import shutil
import threading
from pathlib import Path

import pytest

from fundus_utils import run

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = os.environ.get("DETERMINISM_NOTEBOOK", "mtl_glaucoma/07_real_refuge_check")
# Wall and CPU seconds that the chapters put in their tables on purpose (the MTL paper reports
# training cost; fundus_utils/mtl_glaucoma/realdata.py's train_s / train_cpu_s rows). They
# depend on the machine's load, so their rows/columns (whole: the "meets" cell beside a time
# follows it) are blanked in both runs before the byte comparison; every other byte must match.
MEASURED = frozenset({"train_s", "train_cpu_s"})


def one_run(base: Path, threads: str) -> tuple[run.Result, dict[str, bytes]]:
    """Execute ``NOTEBOOK`` with results and caches under ``base``; return its result and CSVs."""
    chapter, name = NOTEBOOK.split("/")
    nbs = base / "notebooks" / chapter
    nbs.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / chapter / f"{name}.ipynb", nbs)
    results = base / "results"
    env = {"FUNDUS_RESULTS": str(results), "FUNDUS_CACHE": str(base / "cache"), "OMP_NUM_THREADS": threads}
    (r,) = run.run("smoke", out=base / "executed", root=base / "notebooks", env=env)
    return r, {p.relative_to(results).as_posix(): p.read_bytes() for p in sorted(results.rglob("*.csv"))}


def blank_measured(data: bytes) -> str:
    """A CSV's text with the cells of ``MEASURED`` rows (first field) and columns (header) blanked."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    cols = {i for i, name in enumerate(rows[0] if rows else []) if name in MEASURED}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for n, row in enumerate(rows):
        if n and row and row[0] in MEASURED:
            row = [row[0]] + ["<measured>"] * (len(row) - 1)
        writer.writerow([("<measured>" if n and i in cols else v) for i, v in enumerate(row)])
    return out.getvalue()


def test_blank_measured_touches_only_measured_cells() -> None:
    data = b"metric,ours,meets\ndice_od,0.91,no\ntrain_s,49.1,yes\n"
    assert blank_measured(data) == "metric,ours,meets\ndice_od,0.91,no\ntrain_s,<measured>,<measured>\n"
    assert blank_measured(b"scheme,train_s,auc\nSTL,3.2,0.7\n") == "scheme,train_s,auc\nSTL,<measured>,0.7\n"


def comparable(data: bytes) -> str:
    """What is compared: the file's exact text, or (only if it has a measured field) the blanked text."""
    blanked = blank_measured(data)
    return blanked if "<measured>" in blanked else data.decode()


def first_difference(a: str, b: str) -> str:
    """The first lines where two CSVs differ, as a unified diff."""
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "run 1", "run 2", lineterm="", n=0)
    return "\n".join(list(diff)[:12])


@pytest.mark.slow
def test_two_runs_write_byte_identical_csvs(tmp_path: Path) -> None:
    got: dict[int, tuple] = {}
    threads = [threading.Thread(target=lambda i=i: got.__setitem__(i, one_run(tmp_path / f"run{i}", "1")))
               for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (r1, csv1), (r2, csv2) = got[1], got[2]
    for r in (r1, r2):
        assert r.status == "ok", run.failure_report(r)
    assert csv1, f"{NOTEBOOK} wrote no CSV"
    assert sorted(csv1) == sorted(csv2), "the two runs wrote different sets of tables"
    seen = {k: (comparable(csv1[k]), comparable(csv2[k])) for k in csv1}
    differing = {k: first_difference(a, b) for k, (a, b) in seen.items() if a != b}
    assert not differing, "\n\n".join(f"{k}:\n{d}" for k, d in differing.items())
