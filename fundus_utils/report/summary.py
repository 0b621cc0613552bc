"""The closing cell of every notebook: what this run checked and produced.

``report.summary(cfg)`` reads what :func:`fundus_utils.report.table`,
:func:`~fundus_utils.report.figure` and :func:`~fundus_utils.report.bars` noted during the
run (:mod:`.provenance`) and shows it in one box: the bars (asserted ones passed of
asserted, reported ones passed of shown), every table and figure by name and caption, and
the run's provenance line. The numbers are this run's, so the box cannot disagree with the
tables above it; the notebook conventions test requires it as the last code cell.
"""
from __future__ import annotations

import html
from typing import Any

from . import provenance
from ._glue import in_kernel


def bars_sentence(bars: dict[str, tuple[list[bool], list[bool]]]) -> str:
    """``"12 of 12 asserted bars passed (3 tables); 2 of 4 reported-only bars passed"``, or no bars."""
    if not bars:
        return "No bars in this notebook (it reports, it does not assert)."
    flags = [(p, a) for passed, asserted in bars.values() for p, a in zip(passed, asserted)]
    asserted = [p for p, a in flags if a]
    shown = [p for p, a in flags if not a]
    text = f"{sum(asserted)} of {len(asserted)} asserted bars passed ({len(bars)} table{'s' * (len(bars) != 1)})"
    if shown:
        text += f"; {sum(shown)} of {len(shown)} reported-only bars passed"
    return text + "."


def summary(cfg: Any = None) -> None:
    """Show the run's summary box (text outside a kernel). Returns nothing."""
    run = provenance.current()
    items = [(kind, name, caption) for name, (kind, caption) in run.results.items()]
    counts = {k: sum(1 for kind, _, _ in items if kind == k) for k in ("table", "figure")}
    head = (f"This run produced {counts['table']} table{'s' * (counts['table'] != 1)} and "
            f"{counts['figure']} figure{'s' * (counts['figure'] != 1)}. {bars_sentence(run.bars)}")
    prov = provenance.line(cfg)
    if not in_kernel():
        print("\n".join([head, *(f"  {kind} {name}: {caption}" for kind, name, caption in items), prov]))
        return
    from IPython.display import HTML, display

    rows = "".join(f"<li>{kind} <code>{html.escape(name)}</code>: {html.escape(caption)}</li>"
                   for kind, name, caption in items)
    display(HTML(f"<div class='fundus-summary'><p><b>Summary of this run.</b> {html.escape(head)}</p>"
                 f"<details><summary>Tables and figures</summary><ul>{rows}</ul></details>"
                 f"<p><small>{html.escape(prov)}</small></p></div>"))
