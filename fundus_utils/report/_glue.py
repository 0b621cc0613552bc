"""Glue and display helpers that degrade to no-ops outside a Jupyter kernel."""
from __future__ import annotations

import re
from typing import Any


def in_kernel() -> bool:
    """True when running inside an IPython kernel (notebook, papermill, nbval)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def glue_key(name: str) -> str:
    """A glue key from a result name: ``table1`` or ``fig/roc curves`` -> ``fig_roc_curves``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def glue(key: str, value: Any, display: bool = True) -> None:
    """``myst_nb.glue`` inside a kernel; nothing in plain Python."""
    if in_kernel():
        from myst_nb import glue as _glue
        _glue(key, value, display=display)
