"""Resized-image cache: each image or mask is decoded and resized once per target size.

Entries are per-file ``.npy`` files under ``cache_dir()/resized/<H>x<W>/``, named by a
hash of: the source's absolute path, modification time (ns) and byte size; the mask kind
and encoding; for a mask, the same stat of its row's image (its size is checked against
the image's); the target size; :data:`VERSION`, the Pillow version and a digest of the
source text of this module and :mod:`.io` (:func:`code_digest`), so any change of the
decode or resize code gets new keys instead of old entries. A changed source file gets
a new key and is decoded again; stale entries are never read (``prune`` removes them).
Per-file entries let any subset of a table (a fold, a fraction) reuse what is cached.

Each entry is a standard ``.npy`` (``np.load`` reads it) followed by the 20-byte SHA-1 of
the bytes before it (header with dtype and shape, then data); an entry that fails its
checksum (a 0-byte file from a crash, a truncated copy, flipped bits), is no ``.npy`` or
has another dtype or shape than expected is rebuilt, and a warning is logged.
Entries are written to a unique temporary file and moved into place with ``os.replace``,
so two processes (or threads) filling the same cache never see half an entry.

Images are decoded by :func:`.io.open_image` and checked by :func:`.io.to_rgb` (the same
checks as :func:`.io.read_image`), then resized with PIL (JPEG draft mode + antialiased
bilinear); masks are read by :func:`.io.read_mask` with their image's size checked,
area-resampled and thresholded at 0.5, so thin structures shrink gracefully. The output
size is exactly ``(H, W)``: the aspect ratio is not kept.
"""
from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import numpy as np
import pandas as pd
import PIL
from PIL import Image

from .. import config
from . import io as data_io
from .errors import DataError
from .io import open_image, read_mask, to_rgb

Size = Union[int, Sequence[int]]
PathLike = Union[str, Path]
VERSION = "v2"  # v2: entries end with their SHA-1, mask keys include their image
_DIGEST = 20  # bytes of the SHA-1 that ends each entry
MASK_KIND = {"od_mask": "od", "oc_mask": "oc", "vessel_mask": "vessel", "fov_mask": "fov", "lesion_mask": "lesion"}
log = logging.getLogger(__name__)


def _hw(size: Size) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


def root_dir(size: Size) -> Path:
    h, w = _hw(size)
    return config.cache_dir() / "resized" / f"{h}x{w}"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-1 of the source text of this module and :mod:`.io` (read once per process)."""
    h = hashlib.sha1()
    for module_file in (__file__, data_io.__file__):
        h.update(Path(module_file).read_bytes())
    return h.hexdigest()


def _stat(path: PathLike) -> str:
    """``path|mtime_ns|size`` of the resolved ``path``, or :class:`DataError` when it is missing."""
    path = Path(path).resolve()
    try:
        st = path.stat()
    except FileNotFoundError as err:
        raise DataError(f"{path}: file not found") from err
    return f"{path}|{st.st_mtime_ns}|{st.st_size}"


def key(path: PathLike, size: Size, kind: str = "image", encoding: str = "", image: Optional[PathLike] = None) -> str:
    """Cache key of one source file at one size (changes when the file, its image or the code changes)."""
    h, w = _hw(size)
    of = _stat(image) if image else ""
    raw = f"{VERSION}|{code_digest()}|PIL {PIL.__version__}|{_stat(path)}|{kind}|{encoding}|{of}|{h}x{w}"
    return hashlib.sha1(raw.encode()).hexdigest()


def resize_image(path: PathLike, size: Size) -> np.ndarray:
    """Decode ``path`` (read_image's checks) and resize it to ``size``: uint8 ``H x W x 3`` (no cache)."""
    h, w = _hw(size)
    # JPEG: decode at the smallest DCT scale still >= 2x the target (much faster for big files)
    img = to_rgb(open_image(path, draft=(w * 2, h * 2)), path)
    return np.asarray(img.resize((w, h), Image.BILINEAR, reducing_gap=3.0), dtype=np.uint8)


def resize_mask(path: PathLike, size: Size, kind: str, encoding: str, image: Optional[PathLike] = None) -> np.ndarray:
    """Decode a mask (of the size of ``image``, when given), resize by area, threshold at 0.5: bool ``H x W``."""
    h, w = _hw(size)
    m = read_mask(path, encoding, kind, check_size=image or None)
    small = Image.fromarray(m.astype(np.uint8) * 255).resize((w, h), Image.BOX if m.shape[0] >= h else Image.BILINEAR)
    return np.asarray(small) >= 128


def _read_entry(file: Path, shape: tuple[int, ...]) -> Optional[np.ndarray]:
    """The uint8 array stored in ``file`` if it is intact and of ``shape``; ``None`` when absent or damaged."""
    try:
        data = bytearray(file.read_bytes())  # a bytearray: the array built on it is writable
    except FileNotFoundError:
        return None
    body, digest = memoryview(data)[:-_DIGEST], bytes(data[-_DIGEST:])
    if len(data) <= _DIGEST or hashlib.sha1(body).digest() != digest:  # 0-byte, truncated, flipped bits
        log.warning("%s: cache entry of %d bytes fails its SHA-1; rebuilding it", file, len(data))
        return None
    try:
        fp = io.BytesIO(body)
        version = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        got, fortran, dtype = read_header(fp)
    except ValueError as err:  # intact bytes but not an .npy (written by something else)
        log.warning("%s: cache entry is not an .npy (%s); rebuilding it", file, err)
        return None
    if dtype != np.uint8 or tuple(got) != shape or fortran or fp.tell() + int(np.prod(shape)) != len(body):
        log.warning("%s: cache entry is %s %s; expected uint8 %s; rebuilding it", file, dtype, got, shape)
        return None
    return np.frombuffer(data, np.uint8, count=int(np.prod(shape)), offset=fp.tell()).reshape(shape)


def _write_entry(file: Path, arr: np.ndarray) -> None:
    """Store ``arr`` as .npy + its SHA-1, atomically: a unique temporary file, then ``os.replace``."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    body = buf.getvalue()
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f"{file.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body + hashlib.sha1(body).digest())
        os.replace(tmp, file)  # atomic: concurrent readers see the old entry or the new one, never half
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_one(path: PathLike, size: Size, kind: str = "image", encoding: str = "",
             image: Optional[PathLike] = None) -> np.ndarray:
    """One resized image (``kind="image"``) or mask of ``image``, from the cache or decoded and cached."""
    h, w = _hw(size)
    image = image if kind != "image" and image else None
    k = key(path, size, kind, encoding, image)
    file = root_dir(size) / kind / k[:2] / f"{k}.npy"
    shape = (h, w, 3) if kind == "image" else (h, w)
    arr = _read_entry(file, shape)
    if arr is None:
        arr = resize_image(path, size) if kind == "image" else resize_mask(path, size, kind, encoding, image)
        arr = arr if kind == "image" else arr.astype(np.uint8)
        _write_entry(file, arr)
    return arr if kind == "image" else arr.astype(bool)


def load_resized(table: pd.DataFrame, size: Size, columns: Iterable[str] = ("image",),
                 workers: Optional[int] = None, missing: str = "raise") -> dict[str, np.ndarray]:
    """Stacked resized arrays for the rows of ``table``, one entry per column.

    ``image`` -> uint8 ``N x H x W x 3``; mask columns (``od_mask``, ``oc_mask``,
    ``vessel_mask``, ``fov_mask``, ``lesion_mask``) -> bool ``N x H x W``, decoded with the
    row's ``mask_encoding``; a mask whose size differs from its row's ``image`` raises
    naming both files. ``missing="zeros"`` gives an empty mask where a row has none
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
        images = table["image"] if "image" in table else pd.Series("", index=table.index)
        jobs.append((col, kind, list(zip(table[col], enc, table["image_id"], images))))

    def one(kind: str, path: str, encoding: str, image_id: str, image: str) -> np.ndarray:
        if not isinstance(path, str) or not path:
            if missing == "zeros" and kind != "image":
                return np.zeros((h, w), bool)
            raise DataError(f"{image_id}: no {kind} file")
        of = image if isinstance(image, str) and image else None
        return load_one(path, (h, w), kind, encoding if kind != "image" else "", of)

    out: dict[str, np.ndarray] = {}
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for col, kind, items in jobs:
            arrays = list(pool.map(lambda it: one(kind, *it), items))
            out[col] = np.stack(arrays) if arrays else np.zeros((0, h, w, 3) if kind == "image" else (0, h, w))
    return out


def prune(size: Optional[Size] = None, keep: Iterable[str] = ()) -> int:
    """Delete cached entries (all sizes, or one) except the keys in ``keep``; returns how many.

    Also deletes temporary files left by a crash (and entries of the short-lived ``.npz`` format).
    """
    base = root_dir(size) if size is not None else config.cache_dir() / "resized"
    keep = set(keep)
    n = 0
    for f in base.rglob("*"):
        if f.is_file() and f.suffix in (".npz", ".npy", ".tmp") and (f.suffix == ".tmp" or f.stem not in keep):
            f.unlink(missing_ok=True)
            n += 1
    return n
