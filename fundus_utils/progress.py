"""Progress bars on long work, silent in batch runs.

Interactive sessions get tqdm bars (widgets in JupyterLab); the papermill runner and
``make test`` set ``FUNDUS_PROGRESS=0`` so executed notebooks and the book stay clean.
"""
from __future__ import annotations

import os
from typing import Iterable, TypeVar

T = TypeVar("T")


def progress_enabled(progress: bool | None = None) -> bool:
    """Progress bars on unless ``progress=False`` or ``$FUNDUS_PROGRESS`` is ``0``/``false``/``no``/``off``."""
    if progress is not None:
        return progress
    return os.environ.get("FUNDUS_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


def progress(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    """``iterable`` wrapped in a tqdm bar labelled ``desc`` (a no-op when progress is off)."""
    if not progress_enabled():
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)
