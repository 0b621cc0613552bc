"""fundus_utils: the library behind the Fundus Reproduction Book.

Modules: ``config`` (profiles), ``seed``, ``data`` (canonical sample table, importers,
synthetic simulator and twins), ``models``, ``train`` (fastai learners), ``evaluation``
(metrics with confidence intervals), ``report`` (tables, figures, provenance), ``run``
(papermill runner).
"""
__version__ = "0.1.0"
