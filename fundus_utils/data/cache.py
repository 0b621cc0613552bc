"""Resized-image cache: each image or mask is decoded and resized once per target size.

Entries are per-file ``.npy`` arrays under ``cache_dir()/resized/<H>x<W>/``, named by a
hash of the source's absolute path, modification time (ns) and byte size, the mask kind
and encoding, and the target size. A changed source file therefore gets a new key and is
decoded again; stale entries are never read (``prune`` removes them). Per-file entries
let any subset of a table (a fold, a fraction) reuse what is already cached.

Images are resized with PIL (JPEG draft mode + antialiased bilinear); masks are decoded
to boolean at full resolution, area-resampled and thresholded at 0.5, so thin structures
shrink gracefully. The output size is exactly ``(H, W)``: the aspect ratio is not kept.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import numpy as np
import pandas as pd
from PIL import Image

from .. import config
from .errors import DataError
from .io import open_image, read_mask

Size = Union[int, Sequence[int]]
VERSION = "v1"
MASK_KIND = {"od_mask": "od", "oc_mask": "oc", "vessel_mask": "vessel", "fov_mask": "fov", "lesion_mask": "lesion"}


def _hw(size: Size) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


def root_dir(size: Size) -> Path:
    h, w = _hw(size)
    return config.cache_dir() / "resized" / f"{h}x{w}"


def key(path: Union[str, Path], size: Size, kind: str = "image", encoding: str = "") -> str:
    """Cache key of one source file at one size (changes when the file changes)."""
    path = Path(path).resolve()
    try:
        st = path.stat()
    except FileNotFoundError as err:
        raise DataError(f"{path}: file not found") from err
    h, w = _hw(size)
    raw = f"{VERSION}|{path}|{st.st_mtime_ns}|{st.st_size}|{kind}|{encoding}|{h}x{w}"
    return hashlib.sha1(raw.encode()).hexdigest()


def resize_image(path: Union[str, Path], size: Size) -> np.ndarray:
    """Decode ``path`` and resize it to ``size``: uint8 ``H x W x 3`` (no cache)."""
    h, w = _hw(size)
    with Image.open(path) as probe:
        draft = probe.format == "JPEG"
    img = open_image(path) if not draft else _open_draft(path, (w, h))
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img.resize((w, h), Image.BILINEAR, reducing_gap=3.0), dtype=np.uint8)


def _open_draft(path: Union[str, Path], wh: tuple[int, int]) -> Image.Image:
    """JPEG decoded at the smallest DCT scale still >= 2x the target (much faster for big files)."""
    try:
        img = Image.open(path)
        img.draft("RGB", (wh[0] * 2, wh[1] * 2))
        img.load()
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f"{path}: corrupt or truncated image ({err})") from err
    return img


def resize_mask(path: Union[str, Path], size: Size, kind: str, encoding: str) -> np.ndarray:
    """Decode a mask, resize by area and threshold at 0.5: bool ``H x W`` (no cache)."""
    h, w = _hw(size)
    m = read_mask(path, encoding, kind)
    small = Image.fromarray(m.astype(np.uint8) * 255).resize((w, h), Image.BOX if m.shape[0] >= h else Image.BILINEAR)
    return np.asarray(small) >= 128


def load_one(path: Union[str, Path], size: Size, kind: str = "image", encoding: str = "") -> np.ndarray:
    """One resized image (``kind="image"``) or mask, from the cache or decoded and cached."""
    k = key(path, size, kind, encoding)
    file = root_dir(size) / kind / k[:2] / f"{k}.npy"
    if file.is_file():
        try:
            arr = np.load(file)
            return arr if kind == "image" else arr.astype(bool)
        except (OSError, ValueError):
            file.unlink(missing_ok=True)  # damaged entry: rebuild
    arr = resize_image(path, size) if kind == "image" else resize_mask(path, size, kind, encoding)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, arr if kind == "image" else arr.astype(np.uint8))
    os.replace(tmp, file)  # atomic: concurrent readers never see half a file
    return arr if kind == "image" else arr.astype(bool)


def load_resized(table: pd.DataFrame, size: Size, columns: Iterable[str] = ("image",),
                 workers: Optional[int] = None, missing: str = "raise") -> dict[str, np.ndarray]:
    """Stacked resized arrays for the rows of ``table``, one entry per column.

    ``image`` -> uint8 ``N x H x W x 3``; mask columns (``od_mask``, ``oc_mask``,
    ``vessel_mask``, ``fov_mask``, ``lesion_mask``) -> bool ``N x H x W``, decoded with the
    row's ``mask_encoding``. ``missing="zeros"`` gives an empty mask where a row has none
    (default: raise naming the row).
    """
    h, w = _hw(size)
    jobs = []
    for col in columns:
        if col not in table:
            raise KeyError(f"table has no column {col!r}")
        kind = "image" if col == "image" else MASK_KIND.get(col)
        if kind is None:
            raise ValueError(f"{col!r} is not an image or mask column")
        enc = table["mask_encoding"] if kind != "image" else pd.Series("", index=table.index)
        jobs.append((col, kind, list(zip(table[col], enc, table["image_id"]))))

    def one(kind: str, path: str, encoding: str, image_id: str) -> np.ndarray:
        if not isinstance(path, str) or not path:
            if missing == "zeros" and kind != "image":
                return np.zeros((h, w), bool)
            raise DataError(f"{image_id}: no {kind} file")
        return load_one(path, (h, w), kind, encoding if kind != "image" else "")

    out: dict[str, np.ndarray] = {}
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for col, kind, items in jobs:
            arrays = list(pool.map(lambda it: one(kind, *it), items))
            out[col] = np.stack(arrays) if arrays else np.zeros((0, h, w, 3) if kind == "image" else (0, h, w))
    return out


def prune(size: Optional[Size] = None, keep: Iterable[str] = ()) -> int:
    """Delete cached entries (all sizes, or one) except the keys in ``keep``; returns how many."""
    base = root_dir(size) if size is not None else config.cache_dir() / "resized"
    keep = set(keep)
    n = 0
    for f in base.rglob("*.npy"):
        if f.stem not in keep:
            f.unlink()
            n += 1
    return n
