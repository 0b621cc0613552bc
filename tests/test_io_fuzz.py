"""Fuzz-style: broken and odd files through read_image, read_mask and load_resized.

Every call must return a valid result (uint8 ``H x W x 3`` image, boolean ``H x W`` mask,
arrays of the target size) or raise :class:`DataError` whose message holds the file's path;
any other exception (a raw PIL ``OSError``, ``SyntaxError``, ``struct.error``, ...) fails.
Cases: random bytes behind real magic numbers, truncated and bit-flipped encodings of real
images (REFUGE JPEG and PNG, DRIVE TIFF and GIF when ../shared/data is there, generated
ones always), random small images of random modes, dtypes, sizes and formats, and random
masks with random values and sizes. Seeded, so a failure reproduces.
"""
from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fundus_utils import config
from fundus_utils.data import DataError, load_resized, read_image, read_mask

pytestmark = pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # PIL, on bit-flipped TIFFs

SEED = 20261201
MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM", b"<!DOCTYPE html>"]
# mode -> formats PIL can write it in (GIF converts anything to a palette)
FORMATS = {"1": ["png", "tif", "bmp", "gif"], "L": ["png", "tif", "jpg", "bmp", "gif"], "P": ["png", "tif", "gif"],
           "LA": ["png", "tif"], "RGB": ["png", "tif", "jpg", "bmp"], "RGBA": ["png", "tif"], "I;16": ["png", "tif"],
           "I": ["tif"], "F": ["tif"], "CMYK": ["tif", "jpg"]}
MASK_READS = [("binary", "vessel"), ("binary", "od"), ("softmap", "oc"), ("inverted", "od"), ("refuge", "od"),
              ("refuge", "oc"), ("indexed", "od"), ("indexed", "oc")]


def _array(rng: np.random.Generator, mode: str, h: int, w: int) -> np.ndarray:
    """Random pixel data for ``mode``: alpha often opaque, values often few (as in masks)."""
    if mode in ("I;16", "I"):
        return rng.integers(0, 65535 if mode == "I;16" else 2**31 - 1, (h, w)).astype(np.uint16 if mode == "I;16" else np.int32)
    if mode == "F":
        return rng.normal(0, 100, (h, w)).astype(np.float32)
    channels = {"1": 1, "L": 1, "P": 1, "LA": 2, "RGB": 3, "RGBA": 4, "CMYK": 4}[mode]
    arr = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    if mode in ("LA", "RGBA") and rng.uniform() < 0.6:
        arr[..., -1] = 255
    return arr


def _encode(rng: np.random.Generator, mode: str, h: int, w: int, fmt: str) -> bytes:
    arr = _array(rng, mode, h, w)
    if mode in ("1", "L", "P"):
        img = Image.fromarray(arr[..., 0], "L")
        img = img.convert(mode) if mode != "P" else img.quantize(int(rng.integers(2, 64)))
    elif mode in ("LA", "RGB", "RGBA", "CMYK"):
        img = Image.fromarray(arr, mode)
    else:
        img = Image.fromarray(arr)
    buf = io.BytesIO()
    img.save(buf, {"jpg": "JPEG", "tif": "TIFF", "png": "PNG", "bmp": "BMP", "gif": "GIF"}[fmt])
    return buf.getvalue()


def _mask_bytes(rng: np.random.Generator, h: int, w: int) -> bytes:
    values = [(0, 255), (0, 128, 255), (0, 1, 2), tuple(range(256))][int(rng.integers(0, 4))]
    arr = rng.choice(np.array(values, np.uint8), (h, w))
    mode = str(rng.choice(["L", "L", "1", "P", "RGB", "LA"]))
    img = Image.fromarray(arr, "L")
    img = img.convert(mode) if mode != "P" else img.convert("P")
    buf = io.BytesIO()
    img.save(buf, "PNG" if mode != "P" or rng.uniform() < 0.5 else "GIF")
    return buf.getvalue()


def _real_samples() -> list[tuple[str, bytes]]:
    """A few real files (JPEG, PNG, TIFF, GIF), or generated stand-ins when the data is absent."""
    root = config.find_data_root()
    names = ["REFUGE/Test400/images/T0001.jpg", "REFUGE/Test400/masks/T0001.png",
             "DRIVE/test/images/01_test.tif", "DRIVE/test/2nd_manual/01_manual2.gif"]
    found = [(Path(n).suffix, (root / n).read_bytes()) for n in names if root is not None and (root / n).is_file()]
    rng = np.random.default_rng(SEED)
    return found + [(f".{fmt}", _encode(rng, "RGB", 48, 40, fmt)) for fmt in ("jpg", "png", "tif")]


def _cases(rng: np.random.Generator) -> list[tuple[str, str, bytes]]:
    """(category, suffix, bytes) of every case."""
    cases = []
    for _ in range(70):
        data = MAGIC[int(rng.integers(0, len(MAGIC)))] + rng.bytes(int(rng.integers(0, 3000)))
        cases.append(("random bytes", str(rng.choice([".jpg", ".png", ".tif", ".gif"])), data))
    for suffix, data in _real_samples():
        for _ in range(12):
            cases.append(("truncated", suffix, data[: int(rng.integers(0, len(data)))]))
        for _ in range(6):
            flipped = bytearray(data)
            for i in rng.integers(0, len(data), 8):
                flipped[i] ^= 1 << int(rng.integers(0, 8))
            cases.append(("bit flips", suffix, bytes(flipped)))
    for _ in range(110):
        mode = str(rng.choice(list(FORMATS)))
        fmt = str(rng.choice(FORMATS[mode]))
        h, w = (int(v) for v in rng.integers(1, 80, 2))
        cases.append(("random image", f".{fmt}", _encode(rng, mode, h, w, fmt)))
    return cases


def _valid_or_named(call: Callable[[], object], path: Path, check: Callable[[object], bool], seen: Counter,
                    category: str) -> Optional[object]:
    """``call()`` if its result passes ``check``; None if it raised DataError naming ``path``; fail otherwise."""
    try:
        out = call()
    except DataError as err:
        assert str(path) in str(err), f"{category}: DataError without the path: {err}"
        seen[f"{category}: DataError"] += 1
        return None
    assert check(out), f"{category}: {path}: invalid result {getattr(out, 'shape', out)}"
    seen[f"{category}: valid"] += 1
    return out


def _image_ok(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3 and a.size > 0


def _mask_ok(m) -> bool:
    return isinstance(m, np.ndarray) and m.dtype == bool and m.ndim == 2 and m.size > 0


def test_fuzz_readers_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(SEED)
    seen: Counter = Counter()
    for i, (category, suffix, data) in enumerate(_cases(rng)):
        path = tmp_path / f"case{i:03d}{suffix}"
        path.write_bytes(data)
        _valid_or_named(lambda: read_image(path), path, _image_ok, seen, category)
        enc, kind = MASK_READS[int(rng.integers(0, len(MASK_READS)))]
        _valid_or_named(lambda: read_mask(path, enc, kind), path, _mask_ok, seen, category)
        h, w = (int(v) for v in rng.integers(4, 24, 2))
        row = pd.DataFrame({"image_id": [f"case{i}"], "image": [str(path)], "mask_encoding": [""]})
        _valid_or_named(lambda: load_resized(row, (h, w), workers=1)["image"], path,
                        lambda a: a.shape == (1, h, w, 3) and a.dtype == np.uint8, seen, category)
    for category in ("random bytes", "truncated", "bit flips", "random image"):
        assert seen[f"{category}: DataError"] > 0, seen
    assert seen["random image: valid"] > 0 and seen["truncated: valid"] + seen["bit flips: valid"] > 0, seen


def test_fuzz_masks_through_load_resized(tmp_path, monkeypatch):
    """Random masks (values, modes, sizes) against a valid image: a valid mask or a DataError naming the file."""
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(SEED + 1)
    seen: Counter = Counter()
    image = tmp_path / "image.png"
    Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(image)
    for i in range(90):
        h, w = (40, 48) if rng.uniform() < 0.7 else tuple(int(v) for v in rng.integers(1, 60, 2))
        path = tmp_path / f"mask{i:03d}.png"
        path.write_bytes(_mask_bytes(rng, h, w))
        enc, kind = MASK_READS[int(rng.integers(0, len(MASK_READS)))]
        col = {"od": "od_mask", "oc": "oc_mask", "vessel": "vessel_mask"}[kind]
        _valid_or_named(lambda: read_mask(path, enc, kind, check_size=image), path, _mask_ok, seen, "mask")
        size = tuple(int(v) for v in rng.integers(4, 24, 2))
        row = pd.DataFrame({"image_id": [f"m{i}"], "image": [str(image)], col: [str(path)], "mask_encoding": [enc]})
        _valid_or_named(lambda: load_resized(row, size, (col,), workers=1)[col], path,
                        lambda m: m.shape == (1, *size) and m.dtype == bool, seen, "mask via cache")
    assert seen["mask: valid"] > 0 and seen["mask: DataError"] > 0, seen
    assert seen["mask: valid"] == seen["mask via cache: valid"], seen  # the cache accepts exactly what read_mask does


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n", b"<html>"])
def test_broken_mask_names_the_mask_not_the_image(tmp_path, monkeypatch, content):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    image = tmp_path / "image.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(image)
    (tmp_path / "m.png").write_bytes(content)
    row = pd.DataFrame({"image_id": ["x"], "image": [str(image)], "od_mask": [str(tmp_path / "m.png")],
                        "mask_encoding": ["binary"]})
    with pytest.raises(DataError, match=rf"^{tmp_path / 'm.png'}: "):
        load_resized(row, 4, ("od_mask",))
