"""The papermill runner on tiny throwaway notebooks."""
from __future__ import annotations

import csv
import json
import os
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
    defaults = [c for c in executed.cells if "parameters" in c.metadata.get("tags", [])]
    assert defaults and all("remove-cell" in c.metadata["tags"] for c in defaults)   # shown once: the values run
    assert "remove-cell" not in injected[0].metadata["tags"]
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
    with open(out / "a" / "status.csv") as fh:                          # what the chapter's page shows
        page = list(csv.DictReader(fh))
    assert [(r["notebook"], r["status"]) for r in page] == [("01_write", "failed"), ("02_read", "cancelled")]
    assert "ValueError (cell #" in page[0]["note"] and "deliberate failure" in page[0]["note"]
    assert not (out / "b").exists()   # --only a


def test_unknown_paper_is_a_clear_error(book: Path) -> None:
    with pytest.raises(SystemExit, match="--only nope: no such folder"):
        run.discover(book / "notebooks", ["nope"])


def test_py_newer_than_ipynb_is_resynced(book: Path) -> None:
    stem = book / "notebooks" / "b" / "01_plain"
    run.ensure_ipynb(stem)
    write_py(stem.with_suffix(".py"), "print('changed')")
    os.utime(stem.with_suffix(".ipynb"), (0, 0))
    nb = nbformat.read(run.ensure_ipynb(stem), as_version=4)
    assert "print('changed')" in nb.cells[-1].source
    assert nb.cells[0].metadata["tags"] == ["parameters"]


def test_timeout_names_the_cell_and_kills_the_kernel(book: Path) -> None:
    import psutil

    pid_file = book / "kernel.pid"
    write_py(book / "notebooks" / "b" / "01_plain.py", f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))",
             "import time\ntime.sleep(60)  # the slow cell")
    (result,) = run.run("smoke", only=["b"], out=book / "executed", root=book / "notebooks", timeout=8)
    assert result.status == "failed" and "timeout" in result.error["evalue"]
    assert "while cell #" in result.error["evalue"] and "the slow cell" in result.error["cell_source"]
    assert "the slow cell" in run.failure_report(result)
    kernel = int(pid_file.read_text())
    assert not psutil.pid_exists(kernel) or psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE, \
        "the kernel (in a session of its own) outlived the timeout"


def test_command_line_refuses_empty_only_and_missing_data(book: Path) -> None:
    nbs = str(book / "notebooks")
    with pytest.raises(SystemExit, match="names no chapter"):
        run.main(["--only", "", "--notebooks", nbs])
    with pytest.raises(SystemExit, match="no such folder"):
        run.main(["--only", "b", "--notebooks", nbs, "--data", str(book / "nowhere")])


# ---------------------------------------------------------------- the execution cache

def statuses(results: list) -> list[tuple[str, str]]:
    return [(r.label, r.status) for r in results]


def test_unchanged_notebook_is_reused_and_reported(book: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture) -> None:
    results = book / "results"
    monkeypatch.setenv("FUNDUS_RESULTS", str(results))
    write_py(book / "notebooks" / "b" / "01_plain.py",
             "import os, pathlib\nprint('overrides are', globals().get('overrides'))\n"
             "d = pathlib.Path(os.environ['FUNDUS_RESULTS']) / 'b'\nd.mkdir(parents=True, exist_ok=True)\n"
             "(d / 't.csv').write_text('x\\n1\\n')")
    out, nbs = book / "executed", str(book / "notebooks")
    argv = ["--only", "b", "--notebooks", nbs, "--out", str(out)]
    assert run.main(argv) == 0
    stamp = json.loads((out / "b" / "01_plain.stamp.json").read_text())
    assert stamp["status"] == "ok" and list(stamp["outputs"]) == ["b/t.csv"]
    capsys.readouterr()
    assert run.main(argv) == 0                                    # nothing changed: reused
    summary = capsys.readouterr().out
    assert "reused 1 of 1 notebook(s)" in summary and "b/01_plain" in summary.splitlines()[-1]
    assert [(r["notebook"], r["status"]) for r in read_summary(out)] == [("b/01_plain", "reused")]
    (r,) = run.run("smoke", only=["b"], out=out, root=nbs, overrides={"seed": 3})   # new key
    assert (r.status, r.note) == ("ok", "overrides changed")
    assert "overrides are {'seed': 3}" in (out / "logs" / "b__01_plain.log").read_text()
    (results / "b" / "t.csv").write_text("tampered")
    (r,) = run.run("smoke", only=["b"], out=out, root=nbs, overrides={"seed": 3})
    assert (r.status, r.note) == ("ok", "result file b/t.csv missing or modified")
    (r,) = run.run("smoke", only=["b"], out=out, root=nbs, overrides={"seed": 3}, force=True)
    assert (r.status, r.note) == ("ok", "--force")


def test_failed_execution_is_never_reused(book: Path) -> None:
    flag = book / "fail.flag"
    flag.write_text("")
    write_py(book / "notebooks" / "b" / "01_plain.py", f"import os\nassert not os.path.exists({str(flag)!r}), 'flagged'")
    out = book / "executed"
    (r,) = run.run("smoke", only=["b"], out=out, root=book / "notebooks")
    assert r.status == "failed" and r.error["ename"] == "AssertionError"
    assert not (out / "b" / "01_plain.stamp.json").exists()
    assert (out / "b" / "01_plain.ipynb").exists()                # the failed copy, for reading
    flag.unlink()   # same notebook, same key: executed again, not reused
    (r,) = run.run("smoke", only=["b"], out=out, root=book / "notebooks")
    assert (r.status, r.note) == ("ok", "not executed before")


def test_concurrent_runs_share_one_execution(book: Path) -> None:
    import threading
    out, got = book / "executed", []
    threads = [threading.Thread(target=lambda: got.extend(run.run("smoke", only=["b"], out=out, root=book / "notebooks")))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in got) == ["ok", "reused"]
    stamp = json.loads((out / "b" / "01_plain.stamp.json").read_text())
    assert stamp["executed_sha256"] == run.sha256_file(out / "b" / "01_plain.ipynb")
    assert not list((out / "b").glob(".*.partial.ipynb")) and not list((out / "b").glob(".*.tmp"))


def test_key_follows_notebook_library_profile_overrides_and_chain(book: Path) -> None:
    nb = run.ensure_ipynb(book / "notebooks" / "b" / "01_plain")
    lib = book / "lib"
    (lib / "fundus_utils").mkdir(parents=True)
    (lib / "fundus_utils" / "m.py").write_text("x = 1\n")
    (lib / "data_manifests").mkdir()
    (lib / "data_manifests" / "D.yaml").write_text("n: 1\n")
    (lib / "requirements.txt").write_text("numpy\n")
    env = {"FUNDUS_DATA": str(book / "data"), "OMP_NUM_THREADS": "1", "HOME": "/x"}

    def key(**kw) -> str:
        args = dict(nb=nb, profile="smoke", overrides={}, env=env, library=run.library_digest(lib), previous="")
        return run.digest(run.key_parts(**{**args, **kw}))

    base = key()
    assert key() == base                                                # stable
    assert key(env={**env, "HOME": "/y"}) == base                      # unrelated environment
    assert key(profile="real") != base
    assert key(overrides={"seed": 1}) != base
    assert key(previous="abc") != base                                 # an earlier notebook re-ran
    assert key(env={**env, "FUNDUS_DATA": "/elsewhere"}) != base
    assert key(env={**env, "OMP_NUM_THREADS": "2"}) != base
    (book / "data" / "D").mkdir(parents=True)                          # a dataset file appears
    run._data_state.cache_clear()
    assert key() != base
    with_file = key()
    (book / "data" / "D" / "x.png").write_bytes(b"1")
    run._data_state.cache_clear()
    assert key() != with_file                                          # ... and is replaced
    for f, text in [("fundus_utils/m.py", "x = 2\n"), ("data_manifests/D.yaml", "n: 2\n"),
                    ("requirements.txt", "numpy==2\n"), ("constraints.txt", "numpy<3\n")]:
        old = run.library_digest(lib)
        (lib / f).write_text(text)
        assert run.library_digest(lib) != old, f
    (lib / "fundus_utils" / "__pycache__").mkdir()
    old = run.library_digest(lib)
    (lib / "fundus_utils" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    assert run.library_digest(lib) == old                              # bytecode is not source
    write_py(nb.with_suffix(".py"), "print('hello from b', profile)  # edited")
    os.utime(nb, (0, 0))
    assert key(nb=run.ensure_ipynb(nb.with_suffix(""))) != base      # the notebook's source


def test_reuse_check_rejects_a_modified_executed_notebook(tmp_path: Path) -> None:
    executed = tmp_path / "n.ipynb"
    executed.write_text("{}")
    stamp = {"status": "ok", "key": "k", "parts": {}, "executed_sha256": run.sha256_file(executed), "outputs": {}}
    assert run.reuse_check(stamp, "k", {}, executed, tmp_path) == ""
    assert run.reuse_check({**stamp, "status": "failed"}, "k", {}, executed, tmp_path) == "last execution did not succeed"
    assert run.reuse_check(stamp, "k2", {"profile": "real"}, executed, tmp_path) == "profile changed"
    old = {**stamp, "parts": {"env": {"OMP_NUM_THREADS": "2"}}}
    assert run.reuse_check(old, "k2", {"env": {"OMP_NUM_THREADS": "1"}}, executed, tmp_path) == \
        "env (OMP_NUM_THREADS) changed"
    executed.write_text('{"edited": 1}')
    assert run.reuse_check(stamp, "k", {}, executed, tmp_path) == "executed notebook missing or modified"


def test_set_values_are_json_when_they_parse() -> None:
    assert run.parse_set(["a.b=3", "name=x", "flags=[1, 2]", "eq=a=b"]) == {
        "a.b": 3, "name": "x", "flags": [1, 2], "eq": "a=b"}
    with pytest.raises(SystemExit, match="expected KEY=VALUE"):
        run.parse_set(["novalue"])


def test_longest_paper_first(tmp_path: Path) -> None:
    plan = {"a": [Path("01_x")], "b": [Path("01_x"), Path("02_y")], "c": [Path("01_x")]}
    assert run.longest_first(plan, tmp_path) == ["b", "a", "c"]          # nothing known: by count
    run.write_atomic(run.stamp_path(tmp_path, "c", "01_x"), json.dumps({"wall_s": 500.0}))
    run.write_atomic(tmp_path / "logs" / "a__01_x.json", json.dumps({"status": "failed", "wall_s": 30.0}))
    assert run.longest_first(plan, tmp_path) == ["b", "c", "a"]          # b: 2 x the mean 265 s
