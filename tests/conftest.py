"""Shared pytest hooks: the ``notebooks`` marker and the notebook run's summary at the end."""
from __future__ import annotations

import pytest

NOTEBOOK_SUMMARY = pytest.StashKey[str]()   # set by tests/test_notebooks.py's session fixture


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notebooks: executes the book's notebooks through fundus_utils.run "
                                       "(deselect with -m 'not notebooks')")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the runner's table (executed or reused, wall time, peak RSS) when notebooks ran."""
    text = config.stash.get(NOTEBOOK_SUMMARY, None)
    if text:
        terminalreporter.section("notebooks run by fundus_utils.run (also in executed/run_summary.csv)")
        terminalreporter.line(text)
