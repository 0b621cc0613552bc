"""fundus_utils: the library behind the Fundus Reproduction Book.

Modules: ``config`` (profiles), ``seed``, ``data`` (canonical sample table, importers,
synthetic simulator and twins), ``models``, ``train`` (fastai learners), ``evaluation``
(metrics with confidence intervals), ``report`` (tables, figures, provenance), ``run``
(papermill runner).
"""
import warnings as _warnings

__version__ = "0.1.0"

# fastai 2.8 decorates functions with torch.jit.script at import, which torch 2.14 deprecates:
# a FutureWarning (with the venv's path) in every notebook that says nothing about the book.
_warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*is deprecated", category=FutureWarning)
