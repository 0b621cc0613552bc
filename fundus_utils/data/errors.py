"""Exceptions of the data layer: every message names the file or dataset and what is wrong."""
from __future__ import annotations


class DataError(ValueError):
    """A data file is missing, unreadable or does not hold what its dataset promises."""


class MissingDatasetError(DataError, FileNotFoundError):
    """A dataset is not where it was looked for; the message says where to obtain it."""
