"""The result cache: keys on everything a result depends on, stores no pickles, survives
concurrent runs (fundus_utils.train.result_cache)."""
from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch

from fundus_utils import files
from fundus_utils.train import result_cache as rc


def _table(tmp_path) -> pd.DataFrame:
    rows = []
    for i in range(3):
        for kind in ("img", "od", "oc"):
            (tmp_path / f"{kind}{i}.png").write_bytes(b"x" * (i + 1))
        rows.append({"image_id": f"a{i}", "image": str(tmp_path / f"img{i}.png"), "od_mask": str(tmp_path / f"od{i}.png"),
                     "oc_mask": str(tmp_path / f"oc{i}.png"), "glaucoma": float(i % 2), "vcdr": 0.3 + i / 10})
    return pd.DataFrame(rows)


def test_key_changes_with_every_input(tmp_path) -> None:
    table = _table(tmp_path)
    base = rc.row_digests(table)
    assert base == rc.row_digests(table.copy())                        # same inputs, same key

    def changed(edit) -> bool:
        t = table.copy()
        edit(t)
        return rc.row_digests(t)[0] != base[0]

    other = tmp_path / "oc_other.png"
    other.write_bytes(b"y")
    assert changed(lambda t: t.__setitem__("oc_mask", [str(other), *t["oc_mask"][1:]]))  # a mask path
    assert changed(lambda t: t.__setitem__("vcdr", [0.99, *t["vcdr"][1:]]))             # a non-path column
    assert changed(lambda t: t.__setitem__("glaucoma", [1.0, *t["glaucoma"][1:]]))      # a label
    (tmp_path / "oc0.png").write_bytes(b"zzzz")                                       # a file's content
    assert rc.row_digests(table)[0] != base[0]
    assert rc.row_digests(table)[1:] == base[1:]
    st = os.stat(tmp_path / "od1.png")                                                # a file's mtime alone
    os.utime(tmp_path / "od1.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert rc.row_digests(table)[1] != base[1]


def test_entry_keys_on_settings_and_library(tmp_path, monkeypatch) -> None:
    a = rc.entry(tmp_path, {"settings": {"epochs": 8}})
    assert a == rc.entry(tmp_path, {"settings": {"epochs": 8}})
    assert a != rc.entry(tmp_path, {"settings": {"epochs": 9}})
    monkeypatch.setattr(rc, "this_library", lambda: "another checkout")
    assert a != rc.entry(tmp_path, {"settings": {"epochs": 8}})


def test_recomputes_exactly_when_an_input_changes(tmp_path) -> None:
    table, calls = _table(tmp_path), []

    def result(t: pd.DataFrame, settings: dict) -> float:
        path = rc.entry(tmp_path / "cache", {"rows": rc.row_digests(t), "settings": settings})
        return rc.cached(path, lambda: calls.append(1) or float(t["vcdr"].sum()))

    result(table, {"lr": 1})
    result(table, {"lr": 1})
    assert len(calls) == 1
    result(table, {"lr": 2})
    t = table.copy()
    t.loc[0, "oc_mask"] = ""
    result(t, {"lr": 1})
    (tmp_path / "img2.png").write_bytes(b"changed")
    result(table, {"lr": 1})
    assert len(calls) == 4


@dataclass
class _Run:
    name: str
    metrics: dict
    frame: pd.DataFrame
    state: list
    history: list


def test_round_trip_without_pickles(tmp_path) -> None:
    frame = pd.DataFrame({"image_id": ["a", "b", None], "p": [0.1, np.nan, 0.3], "n": np.array([1, 2, 3], np.int64),
                          "ok": [True, False, True], "x32": np.array([1, 2, 3], np.float32)})
    run = _Run("mtl_io", {"auc": np.float64(0.75), "dice": 0.5, "nan": float("nan")}, frame,
               [{"w": torch.randn(3, 2)}], [{"names": ["a"], "values": [[1.0, None]]}])
    path = tmp_path / "e.pt"
    rc.store(path, rc.dataclass_to_plain(run))
    torch.load(path, weights_only=True)                     # loads with pickled objects refused
    back = rc.dataclass_restorer(_Run)(rc.load(path))
    pd.testing.assert_frame_equal(back.frame, frame)
    assert back.metrics["auc"] == 0.75 and type(back.metrics["auc"]) is float and np.isnan(back.metrics["nan"])
    assert torch.equal(back.state[0]["w"], run.state[0]["w"]) and back.history == run.history
    indexed = frame.set_index("image_id")
    rc.store(path, indexed)
    pd.testing.assert_frame_equal(rc.load(path), indexed)
    arr = np.arange(6, dtype=np.uint8).reshape(2, 3)
    rc.store(path, {"a": arr})
    assert rc.load(path)["a"].dtype == np.uint8 and (rc.load(path)["a"] == arr).all()
    with pytest.raises(TypeError, match="without pickling"):
        rc.store(path, {"bad": object()})


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_damaged_entry_is_computed_again(tmp_path) -> None:
    path = tmp_path / "e.pt"
    path.write_bytes(b"not a torch file")
    assert rc.cached(path, lambda: {"v": 1.0}) == {"v": 1.0}
    assert rc.cached(path, lambda: {"v": 2.0}) == {"v": 1.0}       # now a valid entry
    import pickle

    path.write_bytes(pickle.dumps(_Run("x", {}, pd.DataFrame(), [], [])))  # a pickle is never loaded
    assert rc.cached(path, lambda: {"v": 3.0}) == {"v": 3.0}


def _slow_compute(args) -> float:
    path, log = args
    import time

    def compute() -> float:
        with open(log, "a") as fh:
            fh.write("x")
        time.sleep(0.3)
        return 42.0

    return rc.cached(path, compute)


def test_two_concurrent_runs_compute_once(tmp_path) -> None:
    path, log = tmp_path / "cache" / "e.pt", tmp_path / "log.txt"
    with mp.get_context("fork").Pool(2) as pool:
        assert pool.map(_slow_compute, [(path, log), (path, log)]) == [42.0, 42.0]
    assert log.read_text() == "x"                               # the second waited and read
    assert not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]


def test_cached_many_keeps_order_and_skips_stored(tmp_path) -> None:
    calls = []
    paths = {k: tmp_path / f"{k}.pt" for k in "abc"}
    rc.store(paths["b"], {"v": "stored"})
    out = rc.cached_many(list("abc"), paths.get, lambda k: calls.append(k) or {"v": k}, workers=1,
                         cost=lambda k: {"a": 1, "c": 2}.get(k, 0))
    assert out == [{"v": "a"}, {"v": "stored"}, {"v": "c"}] and calls == ["c", "a"]   # costly first


def test_library_digest_is_the_runners(tmp_path) -> None:
    from fundus_utils import run

    assert run.library_digest is files.library_digest and files.this_library() == files.library_digest()
