"""Importers: one module per public dataset, each registering its loader by name."""
from . import acrima, chase, drishti, drive, fives, ichallenge, jsiec, origa, refuge, rfmid, rimone  # noqa: F401
