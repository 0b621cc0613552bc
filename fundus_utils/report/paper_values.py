"""Numbers the papers report, one JSON file per paper in ``paper_values/<paper>.json``.

Layout of a file (only ``citation`` and ``values`` are required)::

    {
      "citation": "Pascal et al., Sci Rep 12 (2022)",
      "values": {
        "table2": {"columns": ["method", "auc", "dice_od"],
                   "rows": [["MTL-IO", 0.93, 0.95], ...],
                   "where": "Table 2"},
        "best_auc": {"value": 0.93, "where": "Abstract"}
      }
    }

A table is ``columns`` + ``rows`` (a ``null`` cell is a number lost from the paper);
a scalar is ``value``. ``where`` says which table/figure/section it comes from.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

VALUES_DIR = Path(__file__).resolve().parent / "paper_values"


@lru_cache(maxsize=None)
def load(paper: str) -> dict[str, Any]:
    """The parsed ``paper_values/<paper>.json``; a clear error if missing or malformed."""
    path = VALUES_DIR / f"{paper}.json"
    if not path.is_file():
        known = sorted(p.stem for p in VALUES_DIR.glob("*.json"))
        raise FileNotFoundError(f"{path}: no reported values for paper {paper!r} (have: {known})")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: invalid JSON: {err}") from err
    missing = {"citation", "values"} - set(data)
    if missing:
        raise ValueError(f"{path}: missing top-level keys {sorted(missing)}")
    return data


def _entry(paper: str, key: str) -> dict[str, Any]:
    values = load(paper)["values"]
    if key not in values:
        raise KeyError(f"{VALUES_DIR / (paper + '.json')}: no entry {key!r}; have {sorted(values)}")
    return values[key]


def get(paper: str, key: str) -> Any:
    """A scalar reported value (``values.<key>.value``)."""
    entry = _entry(paper, key)
    if "value" not in entry:
        raise ValueError(f"{paper}.json: {key!r} is a table, use paper_values.frame")
    return entry["value"]


def frame(paper: str, key: str, index: str | None = None) -> pd.DataFrame:
    """A reported table as a DataFrame, optionally indexed by column ``index``."""
    entry = _entry(paper, key)
    if "columns" not in entry or "rows" not in entry:
        raise ValueError(f"{paper}.json: {key!r} needs 'columns' and 'rows'")
    df = pd.DataFrame(entry["rows"], columns=entry["columns"])
    return df.set_index(index) if index else df


def side_by_side(ours: pd.DataFrame, paper: pd.DataFrame, labels: tuple[str, str] = ("paper", "ours")) -> pd.DataFrame:
    """Paper and our numbers in one table: columns become ``(metric, paper|ours)``.

    Both frames share their index (e.g. method names); metrics missing on one side
    show as NaN.
    """
    both = pd.concat({labels[0]: paper, labels[1]: ours}, axis=1)
    both = both.swaplevel(0, 1, axis=1)
    metrics = list(dict.fromkeys([*paper.columns, *ours.columns]))
    return both.reindex(columns=pd.MultiIndex.from_product([metrics, labels]))
