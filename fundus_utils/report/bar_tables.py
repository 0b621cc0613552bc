"""Show a notebook's bars table and assert its asserted bars: one call, the same in every chapter.

:func:`bars` writes ``<name>.csv`` through :func:`fundus_utils.report.table` with an
``asserted`` column (``bench/bench_smoke_stability.py`` reads it: only asserted bars count
there), then raises, through :func:`fundus_utils.evaluation.check_bars`, naming every
asserted bar that failed. Bars that a profile only reports (``asserted`` False) are shown
with the same columns, so a reader sees what passed, what failed and what was not asked.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..evaluation.bars import Bar, bars_table, check_bars
from .provenance import bars_outcome
from .tables import table


def bars(bars: Sequence[Bar], name: str, caption: str, cfg: Any, asserted: Sequence[bool] | None = None) -> None:
    """Table ``name`` of ``bars`` (gain, paired bootstrap 95 % CI, passed, asserted), then the asserts.

    ``asserted``: one flag per bar (default: every bar is asserted).
    """
    flags = [True] * len(bars) if asserted is None else [bool(a) for a in asserted]
    if len(flags) != len(bars):
        raise ValueError(f"report.bars({name!r}): {len(bars)} bars but {len(flags)} asserted flags")
    table(bars_table(bars).assign(asserted=flags), name, caption, cfg)
    bars_outcome(name, [b.passed for b in bars], flags)
    check_bars([b for b, a in zip(bars, flags) if a])


__all__ = ["bars"]
