"""Provenance: one line saying where a table or figure came from.

``git <commit>[-dirty] · profile <p> · data <source>[@<hash>] · device <d> · wall <t>``

The wall time counts from :func:`start`, which a notebook calls once after loading its
config (``report.start(cfg, source="refuge")``); tables and figures saved later carry
the time elapsed since then.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from ..config import REPO_ROOT

MANIFEST_DIR = REPO_ROOT / "data_manifests"

Source = str | Mapping[str, Any] | None


@dataclass
class _Run:
    """The notebook run that provenance lines describe."""

    cfg: Any = None
    source: Source = None
    t0: float = field(default_factory=time.perf_counter)
    # what the run produced, by name (a cell run again replaces its entry): for report.summary
    results: dict[str, tuple[str, str]] = field(default_factory=dict)        # name -> (kind, caption)
    bars: dict[str, tuple[list[bool], list[bool]]] = field(default_factory=dict)  # name -> (passed, asserted)


_RUN = _Run()


def start(cfg: Any = None, source: Source = None) -> None:
    """Mark the start of a notebook run: remember ``cfg`` and the data ``source``, reset the clock."""
    global _RUN
    _RUN = _Run(cfg=cfg, source=source)


def produced(kind: str, name: str, caption: str) -> None:
    """Note that the run saved the table or figure ``name`` (listed by :func:`fundus_utils.report.summary`)."""
    _RUN.results[name] = (kind, caption)


def bars_outcome(name: str, passed: list[bool], asserted: list[bool]) -> None:
    """Note how the bars of table ``name`` came out (before their asserts run)."""
    _RUN.bars[name] = (list(passed), list(asserted))


def current() -> _Run:
    """The run that :func:`start` began (what it produced so far, its clock)."""
    return _RUN


def data_source(source: Source) -> None:
    """Name the run's data ``source`` once it is known (after opening the data), keeping the clock."""
    _RUN.source = source


@lru_cache(maxsize=1)
def git_commit() -> str:
    """Short hash of HEAD, with ``-dirty`` when tracked files differ; ``unknown`` outside git.

    The records (``book/papers/recorded``) do not count: a real-profile run rewrites them as it
    goes, and the next notebook of the same run must not call its own commit dirty."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True,
                              text=True, check=True, timeout=20).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", ".",
                         ":(exclude)book/papers/recorded"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def manifest_path(name: str) -> Path | None:
    """The manifest file ``data_manifests/<name>.*`` (case-insensitive), if there is one."""
    if not MANIFEST_DIR.is_dir():
        return None
    matches = sorted(p for p in MANIFEST_DIR.iterdir() if p.is_file() and p.stem.lower() == name.lower())
    return matches[0] if matches else None


def describe_source(source: Source) -> str:
    """``name@sha256-prefix`` of the manifest for a dataset name, a key for twin parameters.

    * a name with a manifest in ``data_manifests/``  -> ``refuge@3fa8c1d09e``
    * a mapping (a synthetic twin's parameters)        -> ``twin@<hash of the sorted JSON>``
      (``name`` in the mapping, if any, replaces ``twin``)
    * several names joined with ``+``                   -> each described, rejoined
    * any other string is kept as given (e.g. a twin's cache key).
    """
    if source is None:
        return "unspecified"
    if isinstance(source, Mapping):
        name = str(source.get("name", "twin"))
        return f"{name}@{_sha(json.dumps(source, sort_keys=True, default=str).encode())}"
    parts = []
    for part in str(source).split("+"):
        part = part.strip()
        path = manifest_path(part)
        parts.append(f"{part}@{_sha(path.read_bytes())}" if path else part)
    return "+".join(parts)


def _fmt_seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(int(round(s)), 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def line(cfg: Any = None, source: Source = None) -> str:
    """The provenance line; ``cfg``/``source`` default to those given to :func:`start`."""
    cfg = cfg if cfg is not None else _RUN.cfg
    source = source if source is not None else _RUN.source
    profile = getattr(cfg, "profile", "?")
    device = getattr(cfg, "device", "?")
    wall = _fmt_seconds(time.perf_counter() - _RUN.t0)
    return (f"git {git_commit()} · profile {profile} · data {describe_source(source)} · "
            f"device {device} · wall {wall}")
