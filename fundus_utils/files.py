"""What every on-disk cache of the project is built of: content digests, file identities,
atomic writes and per-key locks.

* A cache key is :func:`json_digest` of everything the cached result depends on; files enter
  by :func:`file_identity` (resolved path, size, modification time in ns: a replaced or
  edited file gets a new key without reading its bytes), whole dataset folders by
  :func:`folder_identity`, code by :func:`library_digest`
  (the bytes of every library file, so a code change never returns a result computed by
  other code).
* Writers go through :func:`write_atomic` / :func:`replace_atomic` (a unique temporary name
  in the target folder, then ``os.replace``): a reader never sees half a file, and two
  processes writing the same entry both succeed.
* :func:`locked` holds an exclusive ``flock`` on a lock file: a second run computing the same
  key waits for the first and then reads its entry instead of computing it again.

Imports nothing heavy (the batch runner and the data layer use it).
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .config import REPO_ROOT

#: What results may depend on besides their inputs: the package, the dataset manifests
#: (layouts, committed folds) and the pinned environment.
LIBRARY_DIRS = ("fundus_utils", "data_manifests")
LIBRARY_FILES = ("requirements.txt", "constraints.txt", "pyproject.toml")


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def json_digest(obj: Any, length: int = 64) -> str:
    """SHA-256 (hex, first ``length`` digits) of ``obj`` as canonical JSON (sorted keys;
    values JSON cannot hold are written by ``str``)."""
    blob = json.dumps(obj, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


def file_identity(path: str | os.PathLike) -> list:
    """``[resolved path, size, mtime_ns]`` of a file, or ``[path, None, None]`` when it is missing
    (a missing file is part of a key too: it may appear later)."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except FileNotFoundError:
        return [str(p), None, None]
    return [str(p), st.st_size, st.st_mtime_ns]


def source_files(paths: Iterable[Path]) -> list[Path]:
    """The files under each of ``paths`` (folders, recursively) or the path itself, sorted;
    bytecode excluded (it is not source)."""
    out = []
    for path in paths:
        found = path.rglob("*") if path.is_dir() else [path] if path.is_file() else []
        out += [p for p in found if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return sorted(out)


def tree_digest(paths: Iterable[Path], root: Path = REPO_ROOT) -> str:
    """One SHA-256 over the paths (relative to ``root``) and bytes of :func:`source_files`."""
    h = hashlib.sha256()
    for p in source_files(paths):
        h.update(f"{p.relative_to(root).as_posix()}\0{sha256_file(p)}\0".encode())
    return h.hexdigest()


def folder_identity(root: str | os.PathLike) -> str:
    """Digest of the identity (relative path, size, mtime) of every file under ``root``
    (links followed, each real folder once): a dataset folder's state without reading its
    bytes. ``""`` when ``root`` is not a folder."""
    root = Path(root)
    if not root.is_dir():
        return ""
    h, seen = hashlib.sha256(), set()
    for folder, dirs, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            with contextlib.suppress(FileNotFoundError):
                st = path.stat()
                h.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def library_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every file results may depend on besides their inputs (see :data:`LIBRARY_DIRS`)."""
    return source_files([root / d for d in LIBRARY_DIRS] + [root / f for f in LIBRARY_FILES])


def library_digest(root: Path = REPO_ROOT) -> str:
    """One SHA-256 over the paths and bytes of :func:`library_files`."""
    return tree_digest([root / d for d in LIBRARY_DIRS] + [root / f for f in LIBRARY_FILES], root)


@functools.lru_cache(maxsize=None)
def this_library() -> str:
    """:func:`library_digest` of the running checkout, computed once per process (forked
    workers inherit it)."""
    return library_digest()


def replace_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a unique temporary file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half-written)."""
    replace_atomic(path, lambda tmp: tmp.write_text(text))


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed); concurrent holders wait here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


__all__ = ["LIBRARY_DIRS", "LIBRARY_FILES", "file_identity", "folder_identity", "json_digest", "library_digest", "library_files",
           "locked", "replace_atomic", "sha256_file", "source_files", "this_library", "tree_digest", "write_atomic"]
