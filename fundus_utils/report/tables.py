"""Result tables: save as CSV with provenance, glue into the book, show in the notebook."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from . import provenance
from ._glue import glue, glue_key, in_kernel


def result_path(cfg: Any, name: str, suffix: str) -> Path:
    """``cfg.results_dir/<name><suffix>``, creating folders (``name`` may contain ``/``)."""
    path = Path(cfg.results_dir) / f"{name}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def label(kind: str) -> str:
    """The empty caption label that the book's ``numbered_captions`` extension (``book/_ext``)
    fills with "Figure 3." or "Table 2." on each page; in JupyterLab it stays empty."""
    return f"<span class='fundus-label' data-kind='{kind}'></span>"


def table(df: pd.DataFrame, name: str, caption: str, cfg: Any, source: provenance.Source = None,
          precision: int = 3, index: bool = True, provenance_line: str | None = None) -> None:
    """Save ``df`` to ``cfg.results_dir/<name>.csv`` and glue it under the key ``name``.

    Writes ``<name>.provenance.txt`` beside the CSV (caption + provenance line). In a
    kernel the table is glued (``{glue:} name`` / ``{glue:figure} name`` in the book)
    and shown, with the caption and provenance line as its HTML caption so the glued
    copy carries them too. ``provenance_line`` replaces this run's line for a table
    computed elsewhere (a recorded real-profile run). Returns nothing (a notebook cell
    ending with it shows the table, not a return value); :func:`result_path` names the CSV.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"report.table({name!r}): expected a pandas DataFrame, got {type(df).__name__}")
    prov = provenance_line or provenance.line(cfg, source)
    path = result_path(cfg, name, ".csv")
    df.to_csv(path, index=index)
    path.with_suffix(".provenance.txt").write_text(f"{caption}\n{prov}\n")
    provenance.produced("table", name, caption)
    if in_kernel():
        cap = (f"{label('Table')} {html.escape(caption)}<br>"
               f"<small style='color:#666'>{html.escape(name)}.csv · {html.escape(prov)}</small>")
        styler = df.style.set_caption(cap).format(precision=precision, na_rep="—")  # an empty cell, not "nan"
        if not index:
            styler = styler.hide(axis="index")
        glue(glue_key(name), styler, display=True)
    else:
        print(f"{name}: {caption}\n{df.to_string(index=index)}\n{prov}\nsaved {path}")
