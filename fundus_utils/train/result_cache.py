"""On-disk cache of computed results (trained runs, pretrainings, sweeps), keyed by everything
they depend on, stored without pickled objects.

Key. :func:`entry` names an entry by :func:`fundus_utils.files.json_digest` of the caller's key
(the settings, the split tables), the profile's seed and the library's digest
(:func:`fundus_utils.files.this_library`: every file of the package, the manifests and the pinned
requirements - a code change never returns a result computed by other code, and no
hand-bumped version number can be forgotten). Sample tables enter through
:func:`row_digests`: every column of every row, and for each file the row names (image,
masks) its identity - resolved path, size, modification time - so a changed ``oc_mask``
path, a rewritten mask or a changed label all give a new key.

Storage. An entry holds plain containers only - dicts, lists, str/int/float/bool/None, torch
tensors, and numpy arrays and pandas DataFrames through a tagged dict (:func:`to_plain`,
:func:`from_plain`) - written by ``torch.save`` and read by ``torch.load(weights_only=True)``,
which refuses any pickled object. A damaged or unreadable entry is computed again.

Concurrency. Entries are written to a unique temporary name and renamed; a lock per key
makes a second run that needs the same entry wait for the first and read it.
:func:`cached_many` computes the missing entries of a list side by side in worker processes.
"""
from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import torch

from .distributed import is_main, processes
from ..files import file_identity, json_digest, locked, replace_atomic, this_library

SUFFIX = ".pt"
_FRAME, _ARRAY = "__frame__", "__ndarray__"
_MISSING = object()


# ---------------------------------------------------------------------------- keys

def entry(folder: str | Path, key: dict) -> Path:
    """The entry of ``key`` (a JSON-able dict) under ``folder``, the library's digest included."""
    return Path(folder) / f"{json_digest({'library': this_library(), **key}, 24)}{SUFFIX}"


def row_digests(table: pd.DataFrame, file_columns: Iterable[str] | None = None) -> list[str]:
    """One digest per row of ``table``: all its columns, and the identity of every file named
    in ``file_columns`` (default: the canonical table's path columns present)."""
    from ..data.table import PATH_COLUMNS

    files = [c for c in (PATH_COLUMNS if file_columns is None else file_columns) if c in table]
    columns = list(table.columns)
    out = []
    for row in table.itertuples(index=False, name=None):
        values = dict(zip(columns, row))
        ids = {c: file_identity(values[c]) for c in files if isinstance(values[c], str) and values[c]}
        out.append(json_digest({"row": values, "files": ids}, 32))
    return out


# ---------------------------------------------------------------------------- plain containers

def to_plain(obj: Any) -> Any:
    """``obj`` as containers ``torch.load(weights_only=True)`` accepts (see the module docstring)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf":
            return {_ARRAY: torch.from_numpy(np.ascontiguousarray(obj))}
        return {_ARRAY: [to_plain(v) for v in obj.tolist()], "dtype": str(obj.dtype)}
    if isinstance(obj, pd.DataFrame):
        return _frame_to_plain(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_plain(v) for v in obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"result cache: cannot store a {type(obj).__name__} without pickling it; "
                    "convert it to containers, arrays or frames")


def from_plain(obj: Any) -> Any:
    """Inverse of :func:`to_plain`."""
    if isinstance(obj, dict):
        if _FRAME in obj:
            return _frame_from_plain(obj)
        if _ARRAY in obj:
            value = obj[_ARRAY]
            return value.numpy() if isinstance(value, torch.Tensor) else np.array(value, dtype=obj["dtype"])
        return {k: from_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_plain(v) for v in obj)
    return obj


def _column_to_plain(s: pd.Series) -> dict:
    if s.dtype.kind in "biuf":
        return {"dtype": str(s.dtype), "values": torch.from_numpy(np.array(s.to_numpy(), copy=True))}
    return {"dtype": str(s.dtype), "values": [None if v is pd.NA else to_plain(v) for v in s.tolist()]}


def _column_from_plain(c: dict, name) -> pd.Series:
    values = c["values"]
    if isinstance(values, torch.Tensor):
        return pd.Series(values.numpy(), name=name)
    return pd.Series(values, name=name, dtype=object).astype(c["dtype"]) if c["dtype"] != "object" \
        else pd.Series(values, name=name, dtype=object)


def _frame_to_plain(df: pd.DataFrame) -> dict:
    if df.columns.duplicated().any():
        raise ValueError("result cache: a frame with duplicated column names cannot be stored")
    plain_index = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
    return {_FRAME: True, "columns": [to_plain(c) for c in df.columns],
            "data": [_column_to_plain(df[c]) for c in df.columns],
            "index": None if plain_index else _column_to_plain(df.index.to_series()),
            "index_name": df.index.name}


def _frame_from_plain(d: dict) -> pd.DataFrame:
    columns = list(d["columns"])
    df = pd.DataFrame({i: _column_from_plain(c, col) for i, (col, c) in enumerate(zip(columns, d["data"]))})
    df.columns = columns
    if d["index"] is not None:
        df.index = pd.Index(_column_from_plain(d["index"], d["index_name"]), name=d["index_name"])
    return df


# ---------------------------------------------------------------------------- the cache

def load(path: Path) -> Any:
    """The stored value of ``path`` (raises on a missing or damaged entry)."""
    return from_plain(torch.load(path, map_location="cpu", weights_only=True))


def store(path: Path, value: Any) -> None:
    """Store ``value`` at ``path`` atomically."""
    plain = to_plain(value)
    replace_atomic(path, lambda tmp: torch.save(plain, tmp))


def cached(path: Path, compute: Callable[[], Any], use_cache: bool = True,
           dump: Callable[[Any], Any] | None = None, restore: Callable[[Any], Any] | None = None) -> Any:
    """The value of entry ``path``: read when present (and ``use_cache``), else computed by
    ``compute()``, stored and returned. ``dump``/``restore`` convert a value (a dataclass, say)
    to and from plain containers. Two processes asking for the same entry compute it once;
    the processes of one distributed run compute it together, and rank 0 stores it."""
    dump, restore = dump or (lambda v: v), restore or (lambda v: v)

    def read() -> Any:
        try:
            return restore(load(path))
        except (OSError, EOFError, RuntimeError, pickle.UnpicklingError, KeyError, ValueError):
            path.unlink(missing_ok=True)  # damaged, cut short or from another format: compute again
            return _MISSING

    if use_cache and path.is_file() and (value := read()) is not _MISSING:
        return value
    if processes() > 1:
        # Processes of one distributed run (accelerate launch) compute the value together - a
        # lock would hold all but one of them outside the collective calls - and the main one stores it.
        value = compute()
        if is_main():
            store(path, dump(value))
        return value
    with locked(path.with_suffix(".lock")):
        if use_cache and path.is_file() and (value := read()) is not _MISSING:  # a concurrent run stored it
            return value
        value = compute()
        store(path, dump(value))
    return value


def cached_many(items: Sequence[Any], path_of: Callable[[Any], Path], compute: Callable[[Any], Any],
                workers: int = 1, cost: Callable[[Any], float] | None = None, use_cache: bool = True,
                dump: Callable[[Any], Any] | None = None, restore: Callable[[Any], Any] | None = None) -> list:
    """``[cached(path_of(item), lambda: compute(item)) for item in items]``, the missing entries
    computed side by side in ``workers`` single-threaded processes
    (:func:`fundus_utils.parallel.in_parallel`), the most costly first (``cost(item)``) so the
    workers finish together; values in the order of ``items``. Each computation must seed
    itself: the values then do not depend on ``workers``."""
    from ..parallel import in_parallel

    def one(item: Any) -> Any:
        return cached(path_of(item), lambda: compute(item), use_cache, dump, restore)

    todo = [i for i, item in enumerate(items) if not (use_cache and path_of(item).is_file())]
    todo.sort(key=lambda i: -(cost(items[i]) if cost else 1.0))
    computed = dict(zip(todo, in_parallel(one, [items[i] for i in todo], workers)))
    return [computed[i] if i in computed else one(item) for i, item in enumerate(items)]


def dataclass_to_plain(obj: Any) -> dict:
    """A dataclass instance's fields as a dict (``dump`` for :func:`cached`)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def dataclass_restorer(cls: type) -> Callable[[dict], Any]:
    """``restore`` for :func:`cached`: ``cls(**fields)``, refusing fields ``cls`` does not have."""
    names: Sequence[str] = [f.name for f in dataclasses.fields(cls)]

    def restore(d: dict) -> Any:
        unknown = set(d) - set(names)
        if unknown:
            raise KeyError(f"cached {cls.__name__} has unknown fields {sorted(unknown)}")
        return cls(**d)

    return restore


__all__ = ["cached", "cached_many", "dataclass_restorer", "dataclass_to_plain", "entry", "from_plain", "load", "row_digests",
           "store", "to_plain"]
