"""Resized-image cache: shapes, reuse, invalidation when the source changes."""
from __future__ import annotations

import os

import numpy as np
import pytest

from fundus_utils.data import DataError, open_dataset
from fundus_utils.data import cache

from data_fakes import img, refuge_variant


@pytest.fixture
def table(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    return open_dataset("REFUGE", refuge_variant(tmp_path / "REFUGE", n_val=2, n_test=3, size=64))


def _entries(tmp_path):
    return sorted((tmp_path / "cache" / "resized").rglob("*.npy"))


def test_shapes_dtypes_and_mask_content(table, tmp_path):
    out = cache.load_resized(table, 32, ("image", "od_mask", "oc_mask"))
    assert out["image"].shape == (5, 32, 32, 3) and out["image"].dtype == np.uint8
    assert out["od_mask"].dtype == bool and out["od_mask"].shape == (5, 32, 32)
    assert (out["oc_mask"] <= out["od_mask"]).all() and 0 < out["oc_mask"].sum() < out["od_mask"].sum()
    assert len(_entries(tmp_path)) == 15
    again = cache.load_resized(table, 32, ("image", "od_mask", "oc_mask"))
    for k in out:
        assert again[k].dtype == out[k].dtype and np.array_equal(again[k], out[k])
    assert len(_entries(tmp_path)) == 15  # nothing decoded twice


def test_rectangular_size_and_subsets_reuse_entries(table, tmp_path):
    cache.load_resized(table, (16, 24))
    n = len(_entries(tmp_path))
    sub = cache.load_resized(table.iloc[[1, 3]], (16, 24))
    assert sub["image"].shape == (2, 16, 24, 3) and len(_entries(tmp_path)) == n


def test_changed_source_is_decoded_again(table, tmp_path):
    first = cache.load_resized(table, 16)["image"][0].copy()
    path = table.image.iloc[0]
    img(__import__("pathlib").Path(path), (64, 64), seed=99)  # new content
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    second = cache.load_resized(table, 16)["image"][0]
    assert not np.array_equal(first, second)
    assert np.array_equal(second, cache.resize_image(path, 16))


def test_damaged_entry_is_rebuilt(table, tmp_path):
    ref = cache.load_resized(table, 16)["image"]
    for f in _entries(tmp_path):
        f.write_bytes(b"garbage")
    assert np.array_equal(cache.load_resized(table, 16)["image"], ref)


def test_missing_mask_and_missing_file(table):
    t = table.copy()
    t.loc[0, "od_mask"] = ""
    with pytest.raises(DataError, match=f"{t.image_id[0]}: no od file"):
        cache.load_resized(t, 16, ("od_mask",))
    assert not cache.load_resized(t, 16, ("od_mask",), missing="zeros")["od_mask"][0].any()
    t.loc[1, "image"] = "/nonexistent/x.jpg"
    with pytest.raises(DataError, match="x.jpg: file not found"):
        cache.load_resized(t, 16)


def test_prune(table, tmp_path):
    cache.load_resized(table, 16)
    assert cache.prune(16) == 5 and not _entries(tmp_path)
