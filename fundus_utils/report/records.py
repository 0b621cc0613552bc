"""Recorded real-data runs: numbers (never images) written by a `real`/`full` run, shown by smoke.

A notebook run with ``profile="real"`` calls :func:`record` to write its table to
``book/papers/recorded/<name>.csv`` with a caption and provenance line beside it; every run,
smoke included, calls :func:`show_recorded` to print that provenance and glue the last
record into the book.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..config import REPO_ROOT
from . import provenance
from .tables import table as report_table

RECORD_DIR = REPO_ROOT / "book" / "papers" / "recorded"


def record(table: pd.DataFrame, name: str, cfg: Any, caption: str, source: provenance.Source = None) -> Path:
    """Write ``table`` to ``<RECORD_DIR>/<name>.csv`` with a provenance file (real/full runs only);
    ``source``: the data it was computed on, when not the run's own (:func:`.provenance.line`)."""
    if cfg.profile == "smoke":
        raise ValueError("records hold real-data runs; the smoke profile only reads them")
    RECORD_DIR.mkdir(parents=True, exist_ok=True)
    path = RECORD_DIR / f"{name}.csv"
    table.to_csv(path)
    path.with_suffix(".provenance.txt").write_text(f"{caption}\n{provenance.line(cfg, source)}\n")
    return path


def recorded(name: str, index_col: int | Sequence[int] = 0) -> tuple[pd.DataFrame | None, str]:
    """A recorded table and its caption + provenance text (``(None, message)`` if absent)."""
    path = RECORD_DIR / f"{name}.csv"
    if not path.is_file():
        return None, f"no record {path.name} yet: run the notebook with profile='real'"
    prov = path.with_suffix(".provenance.txt")
    return pd.read_csv(path, index_col=index_col), prov.read_text().strip() if prov.is_file() else ""


def provenance_of(name: str) -> str:
    """The provenance line of record ``name`` (its commit, data, device, wall time), for a table derived from it."""
    return recorded(name)[1].partition("\n")[2].strip()


def show_recorded(name: str, key: str, cfg: Any, source: str,
                  index_col: int | Sequence[int] = 0) -> pd.DataFrame | None:
    """Save and glue a record as table ``key``, captioned with the record's own provenance (its
    profile, commit, data and wall time - not this run's); say so when there is no record."""
    table, prov = recorded(name, index_col)
    if table is None:
        print(prov)
        return None
    caption, _, line = prov.partition("\n")
    report_table(table, key, "Recorded real-profile run: " + caption, cfg, source=source,
                 provenance_line=line.strip() or "provenance of the record not found")
    return table


__all__ = ["RECORD_DIR", "provenance_of", "record", "recorded", "show_recorded"]
