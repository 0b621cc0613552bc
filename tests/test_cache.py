"""Resized-image cache: shapes, reuse, invalidation when the source or the code changes, damaged entries,
the checks of read_image/read_mask, two processes at once, byte-identical output on real images."""
from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fundus_utils import config
from fundus_utils.data import DataError, open_dataset, read_image
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
    img(Path(path), (64, 64), seed=99)  # new content
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    second = cache.load_resized(table, 16)["image"][0]
    assert not np.array_equal(first, second)
    assert np.array_equal(second, cache.resize_image(path, 16))


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _signed(body: bytes) -> bytes:
    return body + hashlib.sha1(body).digest()


DAMAGE = {  # what a crash, a full disk, a bad copy, a bit flip or another writer leaves behind
    "garbage": lambda b: b"garbage",
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "one bit flipped": lambda b: b[:200] + bytes([b[200] ^ 4]) + b[201:],
    "plain .npy without checksum": lambda b: _npy(np.zeros((16, 16, 3), np.uint8)),
    "right shape, wrong content": lambda b: _npy(np.zeros((16, 16, 3), np.uint8)) + b[-20:],
    "wrong shape, valid checksum": lambda b: _signed(_npy(np.zeros((8, 16, 3), np.uint8))),
    "wrong dtype, valid checksum": lambda b: _signed(_npy(np.zeros((16, 16, 3), np.int16))),
    "no .npy, valid checksum": lambda b: _signed(b"PK\x03\x04 a zip"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_entry_is_rebuilt(table, tmp_path, damage, caplog):
    ref = cache.load_resized(table, 16)["image"]
    for f in _entries(tmp_path):
        f.write_bytes(DAMAGE[damage](f.read_bytes()))
    assert np.array_equal(cache.load_resized(table, 16)["image"], ref)
    assert sum("rebuilding it" in r.getMessage() for r in caplog.records) == len(ref)  # logged, not silent
    assert all(cache._read_entry(f, (16, 16, 3)) is not None for f in _entries(tmp_path))  # rewritten intact
    assert np.array_equal(np.load(_entries(tmp_path)[0]), cache._read_entry(_entries(tmp_path)[0], (16, 16, 3)))


def test_code_change_gives_new_keys(table, monkeypatch):
    """The key holds a digest of cache.py and io.py: editing the resize code never returns old entries."""
    from fundus_utils.data import io as data_io
    digest = hashlib.sha1(Path(cache.__file__).read_bytes() + Path(data_io.__file__).read_bytes()).hexdigest()
    assert cache.code_digest() == digest
    path = table.image.iloc[0]
    before = cache.key(path, 16)
    monkeypatch.setattr(cache, "code_digest", lambda: "edited")
    assert cache.key(path, 16) != before


def _mode_file(tmp_path: Path, name: str) -> Path:
    """Images read_image refuses: grey, 16-bit grey, float, RGB with 16 bits per channel."""
    from test_io import png_bytes
    p = tmp_path / name
    if name == "rgb16.png":
        p.write_bytes(png_bytes(64, 64, 16, 2))
    else:
        dtype = {"grey.png": np.uint8, "grey16.png": np.uint16, "float.tif": np.float32}[name]
        Image.fromarray(np.full((64, 64), 100, dtype)).save(p)
    return p


@pytest.mark.parametrize("name", ["grey.png", "grey16.png", "float.tif", "rgb16.png"])
def test_images_read_image_refuses_are_refused(table, tmp_path, name):
    """load_resized used to convert grey, clip 16-bit and float images; now it raises as read_image does."""
    p = _mode_file(tmp_path, name)
    with pytest.raises(DataError) as direct:
        read_image(p)
    t = table.copy()
    t.loc[2, "image"] = str(p)
    with pytest.raises(DataError) as cached:
        cache.load_resized(t, 16)
    assert str(cached.value) == str(direct.value) and str(p) in str(cached.value)


def test_broken_files_name_the_file(table, tmp_path):
    for name, content in (("empty.jpg", b""), ("page.jpg", b"<html><head><title>Login</title>")):
        (tmp_path / name).write_bytes(content)
        t = table.copy()
        t.loc[1, "image"] = str(tmp_path / name)
        with pytest.raises(DataError, match=rf"{name}: (empty file|not an image \(starts with b'<html>)"):
            cache.load_resized(t, 16)


def test_mask_of_another_size_than_its_image(table, tmp_path):
    """A mask is no longer stretched to the target size: its size must be its image's."""
    Image.fromarray(np.full((60, 64), 255, np.uint8)).save(tmp_path / "small.png")
    t = table.copy()
    t.loc[3, "od_mask"] = str(tmp_path / "small.png")
    image = t.image.iloc[3]
    with pytest.raises(DataError, match=rf"small\.png: mask is 64x60 \(WxH\) but its image {image} is 64x64"):
        cache.load_resized(t, 16, ("od_mask",))


def test_changed_image_rechecks_its_mask(table, tmp_path):
    """A mask's entry is keyed by its image too: replacing the image by one of another size is found."""
    cache.load_resized(table, 16, ("od_mask",))
    img(Path(table.image.iloc[0]), (48, 64))
    with pytest.raises(DataError, match="mask is 64x64 \\(WxH\\) but its image"):
        cache.load_resized(table, 16, ("od_mask",))


def _fill(table, size, barrier) -> None:
    barrier.wait()  # both processes start together, so they miss and write the same entries at once
    cache.load_resized(table, size, ("image", "od_mask", "oc_mask"), workers=2)


def test_two_processes_fill_the_same_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    t = open_dataset("REFUGE", refuge_variant(tmp_path / "REFUGE", n_val=12, n_test=12, size=96))
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_fill, args=(t, 24, barrier)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    entries = _entries(tmp_path)
    assert len(entries) == 3 * len(t)
    assert not [f for f in (tmp_path / "cache").rglob("*") if f.is_file() and f.suffix != ".npy"]  # no temp left
    for col, kind in (("image", "image"), ("od_mask", "od"), ("oc_mask", "oc")):
        for path, enc, image in zip(t[col], t.mask_encoding, t.image):
            k = cache.key(path, 24, kind, "" if kind == "image" else enc, None if kind == "image" else image)
            file = cache.root_dir(24) / kind / k[:2] / f"{k}.npy"
            arr = cache._read_entry(file, (24, 24, 3) if kind == "image" else (24, 24))
            fresh = cache.resize_image(path, 24) if kind == "image" else cache.resize_mask(path, 24, kind, enc)
            assert arr is not None and np.array_equal(arr, fresh if kind == "image" else fresh.astype(np.uint8))


ROOT = config.find_data_root()


def _reference_image(path: str, h: int, w: int) -> np.ndarray:
    """The decode path before the checks were shared (commit 02ac3f2): draft for JPEG, then bilinear."""
    with Image.open(path) as probe:
        draft = probe.format == "JPEG"
    im = Image.open(path)
    if draft:
        im.draft("RGB", (w * 2, h * 2))
    im.load()
    im = im.convert("RGB") if im.mode != "RGB" else im
    return np.asarray(im.resize((w, h), Image.BILINEAR, reducing_gap=3.0), dtype=np.uint8)


def _reference_mask(values: np.ndarray, h: int, w: int) -> np.ndarray:
    small = Image.fromarray(values.astype(np.uint8) * 255)
    return np.asarray(small.resize((w, h), Image.BOX if values.shape[0] >= h else Image.BILINEAR)) >= 128


@pytest.mark.realdata
@pytest.mark.skipif(ROOT is None or not (ROOT / "REFUGE").is_dir() or not (ROOT / "DRIVE").is_dir(),
                    reason=f"real REFUGE/DRIVE not found: set $FUNDUS_DATA or provide ../shared/data (looked at {ROOT})")
def test_valid_real_images_resize_byte_identical(tmp_path, monkeypatch):
    """The shared checks change nothing on valid data: real REFUGE (JPEG, draft) and DRIVE (TIFF, GIF masks)."""
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    refuge = [(ROOT / f"REFUGE/{s}/images/{i}.jpg", ROOT / f"REFUGE/{s}/masks/{i}.png")
              for s, i in (("Validation400", "V0001"), ("Test400", "T0009"), ("Test400", "T0178"))]
    drive = [(ROOT / f"DRIVE/{s}/images/{i}_{s}.tif", ROOT / f"DRIVE/{s}/1st_manual/{i}_manual1.gif")
             for s, i in (("training", "21"), ("test", "01"))]
    t = pd.DataFrame({"image_id": [p.stem for p, _ in refuge + drive], "image": [str(p) for p, _ in refuge + drive],
                      "od_mask": [str(m) for _, m in refuge] + [""] * 2,
                      "vessel_mask": [""] * 3 + [str(m) for _, m in drive],
                      "mask_encoding": ["refuge"] * 3 + ["binary"] * 2})
    for h, w in ((64, 64), (256, 256), (200, 300)):
        out = cache.load_resized(t, (h, w), ("image", "od_mask", "vessel_mask"), missing="zeros")
        again = cache.load_resized(t, (h, w), ("image", "od_mask", "vessel_mask"), missing="zeros")  # from the cache
        for i, (image, m) in enumerate(refuge + drive):
            ref = _reference_image(str(image), h, w)
            grey = np.asarray(Image.open(m).convert("L"))
            od, vessel = (grey <= 128, None) if i < 3 else (None, grey >= 128)
            assert np.array_equal(out["image"][i], ref) and np.array_equal(again["image"][i], ref)
            for col, values in (("od_mask", od), ("vessel_mask", vessel)):
                if values is not None:
                    assert np.array_equal(out[col][i], _reference_mask(values, h, w))
                    assert np.array_equal(again[col][i], out[col][i])


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
    stale = cache.root_dir(16) / "image" / "ab"
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "old.npz").write_bytes(b"")  # a short-lived format, and a temp file a crash left
    (stale / "x.1234.tmp").write_bytes(b"")
    assert cache.prune(16) == 7 and not _entries(tmp_path) and not list(stale.iterdir())
