"""The papermill runner on tiny throwaway notebooks."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import nbformat
import pytest

from fundus_utils import run

PARAMS = 'profile = "smoke"'


def write_py(path: Path, *cells: str) -> None:
    """A jupytext percent notebook: a parameters cell, then ``cells``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ['# %% tags=["parameters"]\n' + PARAMS] + [f"# %%\n{c}" for c in cells]
    path.write_text("\n\n".join(body) + "\n")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    nbs = tmp_path / "notebooks"
    marker = tmp_path / "marker.txt"
    # paper "a": 02 depends on what 01 wrote, so they must run in order
    write_py(nbs / "a" / "01_write.py",
             "import os, sys, json\n"
             f"open({str(marker)!r}, 'w').write(json.dumps(dict(profile=profile, prefix=sys.prefix, "
             "data=os.environ.get('FUNDUS_DATA'))))")
    write_py(nbs / "a" / "02_read.py",
             f"import json\nassert json.load(open({str(marker)!r}))['profile'] == profile\n"
             "import numpy as np\nx = np.ones(40_000_000)  # ~300 MiB, visible in peak RSS")
    write_py(nbs / "b" / "01_plain.py", "print('hello from b', profile)")
    (nbs / "b" / "helpers.py").write_text("# not a numbered notebook: ignored\n")
    return tmp_path


def read_summary(out: Path) -> list[dict]:
    with open(out / "run_summary.csv") as fh:
        return list(csv.DictReader(fh))


def test_runs_all_in_order_in_parallel(book: Path) -> None:
    out = book / "executed"
    results = run.run("real", jobs=2, out=out, root=book / "notebooks", data=str(book / "data"))
    assert [(r.label, r.status) for r in results] == [
        ("a/01_write", "ok"), ("a/02_read", "ok"), ("b/01_plain", "ok")]
    # .ipynb generated from the .py, executed copy written with the injected parameter
    assert (book / "notebooks" / "a" / "01_write.ipynb").exists()
    executed = nbformat.read(out / "a" / "01_write.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "profile = \"real\"" in injected[0].source
    # the kernel is this interpreter's environment, and --data reached it
    marker = json.loads((book / "marker.txt").read_text())
    assert Path(marker["prefix"]).resolve() == Path(sys.prefix).resolve()
    assert marker["data"] == str((book / "data").resolve())
    # per-notebook log, wall time and the kernel's peak RSS
    assert "hello from b real" in (out / "logs" / "b__01_plain.log").read_text()
    rows = {r["notebook"]: r for r in read_summary(out)}
    assert set(rows) == {"a/01_write", "a/02_read", "b/01_plain"}
    assert float(rows["a/02_read"]["wall_s"]) > 0
    assert float(rows["a/02_read"]["peak_rss_mib"]) > 250 > float(rows["b/01_plain"]["peak_rss_mib"]) > 20


def test_failure_report_and_cancel(book: Path, capsys: pytest.CaptureFixture) -> None:
    nbs = book / "notebooks"
    write_py(nbs / "a" / "01_write.py", "x = 1", "raise ValueError('deliberate failure: ' + profile)")
    out = book / "executed"
    status = run.main(["--profile", "smoke", "--only", "a", "--notebooks", str(nbs), "--out", str(out)])
    assert status == 1
    err = capsys.readouterr().err
    assert "FAILED: a/01_write" in err
    assert "raise ValueError('deliberate failure: ' + profile)" in err   # the failing cell's source
    assert "ValueError: deliberate failure: smoke" in err
    assert "cancelled: a/02_read" in err
    assert str(out / "logs" / "a__01_write.log") in err
    assert [(r["notebook"], r["status"]) for r in read_summary(out)] == [
        ("a/01_write", "failed"), ("a/02_read", "cancelled")]
    assert not (out / "b").exists()   # --only a


def test_unknown_paper_is_a_clear_error(book: Path) -> None:
    with pytest.raises(SystemExit, match="--only nope: no such folder"):
        run.discover(book / "notebooks", ["nope"])


def test_py_newer_than_ipynb_is_resynced(book: Path) -> None:
    stem = book / "notebooks" / "b" / "01_plain"
    run.ensure_ipynb(stem)
    write_py(stem.with_suffix(".py"), "print('changed')")
    import os
    os.utime(stem.with_suffix(".ipynb"), (0, 0))
    nb = nbformat.read(run.ensure_ipynb(stem), as_version=4)
    assert "print('changed')" in nb.cells[-1].source
    assert nb.cells[0].metadata["tags"] == ["parameters"]


def test_timeout_is_a_failure(book: Path) -> None:
    write_py(book / "notebooks" / "b" / "01_plain.py", "import time\ntime.sleep(60)")
    (result,) = run.run("smoke", only=["b"], out=book / "executed", root=book / "notebooks", timeout=8)
    assert result.status == "failed" and "timeout" in result.error["evalue"]
