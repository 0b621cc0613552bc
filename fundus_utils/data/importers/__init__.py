"""Importers: one module per public dataset, each registering its loader by name."""
from . import chase, drishti, drive, refuge  # noqa: F401  (registration side effects)
