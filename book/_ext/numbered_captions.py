"""Sphinx extension: number the book's glued figures and tables on every page.

:func:`fundus_utils.report.table` and :func:`fundus_utils.report.figure` start each caption
with an empty ``<span class="fundus-label" data-kind="Figure|Table">``. In JupyterLab it stays
empty (the caption reads the same without a number); when Sphinx writes a page, this
extension fills the spans in document order - "Figure 1.", "Figure 2.", "Table 1.", ... -
so a notebook page and a paper page (which glues tables and figures of several notebooks)
each number their own, as a printed paper would. Real text, not CSS counters: it is copied,
searched and read aloud with the caption.
"""
from __future__ import annotations

import re
from typing import Any

LABEL = re.compile(r"""<span class=(["'])fundus-label\1 data-kind=(["'])(Figure|Table)\2>\s*</span>""")


def number_labels(body: str) -> str:
    """``body`` with every empty fundus label replaced by its kind's next number."""
    counts: dict[str, int] = {}

    def fill(m: re.Match) -> str:
        kind = m.group(3)
        counts[kind] = counts.get(kind, 0) + 1
        return f"<span class='fundus-label' data-kind='{kind}'>{kind} {counts[kind]}.</span>"

    return LABEL.sub(fill, body)


def _on_page(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if "body" in context:
        context["body"] = number_labels(context["body"])


def setup(app: Any) -> dict:
    app.connect("html-page-context", _on_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
