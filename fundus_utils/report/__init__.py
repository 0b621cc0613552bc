"""Reporting: every table and figure saved, glued into the book, with a provenance line.

In a notebook::

    from fundus_utils import config, report
    cfg = config.load("mtl_glaucoma", profile)
    report.start(cfg, source="refuge")          # starts the wall clock
    ...
    report.table(df, "table2", "Segmentation and classification on REFUGE test", cfg)
    report.figure(fig, "fig3_roc", "ROC curves", cfg)
    report.bars(bars, "seg_bars", "Method vs baseline on the same images", cfg)  # table + asserts

Then in the book: ``{glue:} table2`` or ``{glue:figure} fig3_roc``. Real-data runs
``report.record`` their numbers under ``book/papers/recorded/``; ``report.show_recorded``
glues the last record into any run (see :mod:`.records`). A notebook ends with
``report.summary(cfg)``: its bars' outcome and what it produced (:mod:`.summary`).
"""
from . import paper_values
from . import style  # noqa: F401  (applies the book's figure style on import: style.py)
from ._glue import glue
from .bar_tables import bars
from .figures import figure
from .provenance import data_source, line, start
from .records import provenance_of, record, show_recorded
from .summary import summary
from .tables import table

__all__ = ["data_source", "glue", "start", "line", "table", "figure", "paper_values", "provenance_of", "record", "show_recorded", "bars", "summary"]
