"""session.begin: a notebook's one-line start (settings, threads, seed, provenance clock)."""
from __future__ import annotations

import numpy as np
import torch

from fundus_utils import report, session


def test_begin_loads_sets_threads_and_seeds(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FUNDUS_RESULTS", str(tmp_path))
    before = torch.get_num_threads()
    try:
        cfg = session.begin("refuge_ensemble", "smoke", {"seg.epochs": 3, "seed": 2}, threads="seg.threads",
                            source=lambda c: f"twin n={c.seg.twin['n']}")
        assert cfg.seg.epochs == 3 and cfg.seed == 2 and torch.get_num_threads() == cfg.seg.threads == 1
        drawn = np.random.rand()
        session.begin("refuge_ensemble", "smoke", {"seed": 2})
        assert np.random.rand() == drawn                     # the same seed, the same draws
        assert "twin n=240" not in report.line()             # a new run, a new source
        report.data_source("REFUGE")
        assert "REFUGE" in report.line()
    finally:
        torch.set_num_threads(before)


def test_overrides_may_be_papermill_json_text() -> None:
    import pytest

    assert session.parse_overrides('{"seg.epochs": 3}') == {"seg.epochs": 3}     # papermill -p overrides '{...}'
    assert session.parse_overrides({"seed": 1}) == {"seed": 1} and session.parse_overrides(None) == {}
    with pytest.raises(ValueError, match="not JSON"):
        session.parse_overrides("seed=1")
    with pytest.raises(ValueError, match="JSON object"):
        session.parse_overrides("[1]")
