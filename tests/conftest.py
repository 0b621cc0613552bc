"""Shared pytest hooks: the ``notebooks`` and ``book`` markers (book tests last), the notebook run's summary at the end; the toc's files."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK_SUMMARY = pytest.StashKey[str]()   # set by tests/test_notebooks.py's session fixture


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notebooks: executes the book's notebooks through fundus_utils.run "
                                       "(deselect with -m 'not notebooks')")
    config.addinivalue_line("markers", "book: opens the built book in headless Chromium (tests/test_book_html.py); "
                                       "runs after every other test (deselect with -m 'not book')")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the ``book`` tests last (order otherwise kept): they build the book from what the notebook tests executed."""
    items[:] = [i for i in items if not i.get_closest_marker("book")] + [i for i in items if i.get_closest_marker("book")]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the runner's table (executed or reused, wall time, peak RSS) when notebooks ran."""
    text = config.stash.get(NOTEBOOK_SUMMARY, None)
    if text:
        terminalreporter.section("notebooks run by fundus_utils.run (also in executed/run_summary.csv)")
        terminalreporter.line(text)


def toc_files() -> list[str]:
    """Every ``file`` entry of ``_toc.yml``, in the book's order."""
    def walk(node: object) -> list[str]:
        if isinstance(node, dict):
            return ([node["file"]] if "file" in node else []) + [f for v in node.values() for f in walk(v)]
        if isinstance(node, list):
            return [f for item in node for f in walk(item)]
        return []
    return walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
