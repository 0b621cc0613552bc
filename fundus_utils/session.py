"""A notebook's first line: its settings, CPU threads, the global seed and the provenance clock.

Every notebook of the book opens the same way::

    cfg = session.begin("refuge_ensemble", profile, overrides, threads="seg.threads", source="REFUGE")

which is :func:`fundus_utils.config.load` (``overrides`` = the parameters cell's dict, or its
JSON text: any setting, dotted keys allowed), then ``torch.set_num_threads`` where the chapter's settings
ask for a thread count on a CPU (its tiny smoke tensors run fastest on one intra-op thread
of a shared machine), :func:`fundus_utils.seed.seed_everything` with ``cfg.seed``, and
:func:`fundus_utils.report.start` (the wall clock and data source of every provenance line).
Chapter packages wrap it with their own defaults (``mtl_glaucoma.begin``).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from . import config, report
from .seed import seed_everything


def setting(cfg: config.Config, key: str) -> Any:
    """``cfg``'s setting at dotted ``key`` (``"seg.threads"``)."""
    value: Any = cfg.settings
    for part in key.split("."):
        value = value[part]
    return value


def parse_overrides(overrides: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """The parameters cell's ``overrides`` as a dict; a string is read as a JSON object, as
    ``papermill -p overrides '{"seed": 1}'`` passes it (``-y`` passes the dict itself)."""
    if not isinstance(overrides, str):
        return dict(overrides or {})
    try:
        parsed = json.loads(overrides)
    except json.JSONDecodeError as err:
        raise ValueError(f"overrides {overrides!r}: not JSON ({err.msg}); e.g. '{{\"seed\": 1}}'") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"overrides {overrides!r}: a JSON object of settings expected, got {type(parsed).__name__}")
    return parsed


def begin(chapter: str, profile: str = "smoke", overrides: Mapping[str, Any] | str | None = None, *,
          threads: int | str | None = None, source: Any | Callable[[config.Config], Any] = None) -> config.Config:
    """Load ``chapter``'s settings under ``profile`` with ``overrides``, set threads and seed, start the clock.

    ``threads``: a thread count, or the dotted key of the setting holding one (None: leave
    torch's default); applied on a CPU only. ``source``: the provenance data source (a dataset
    name, twin parameters), or a function of the config returning it.
    """
    cfg = config.load(chapter, profile, **parse_overrides(overrides))
    n = setting(cfg, threads) if isinstance(threads, str) else threads
    if n and cfg.device == "cpu":
        import torch

        torch.set_num_threads(int(n))
    seed_everything(cfg.seed)
    report.start(cfg, source=source(cfg) if callable(source) else source)
    return cfg


__all__ = ["begin", "parse_overrides", "setting"]
