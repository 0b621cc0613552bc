"""The public-datasets chapter (``notebooks/datasets``): what each dataset's manifest promises,
what the copy under the data root holds, galleries and label statistics.

Its code is the shared data layer (:mod:`fundus_utils.data`: importers, ``verify``,
:mod:`fundus_utils.data.summary`, :mod:`fundus_utils.data.plots`); this package holds only
the chapter's settings (:mod:`.settings`).
"""
