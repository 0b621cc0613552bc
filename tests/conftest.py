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
    """The ``root`` and every ``file`` entry of ``_toc.yml``, in the book's order."""
    def walk(node: object) -> list[str]:
        if isinstance(node, dict):
            return ([node["file"]] if "file" in node else []) + [f for v in node.values() for f in walk(v)]
        if isinstance(node, list):
            return [f for item in node for f in walk(item)]
        return []
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"], *walk(toc)]


def toc_parents() -> dict[str, str]:
    """``{section file: its chapter's file}`` for the toc's sections (a paper's notebooks -> its page)."""
    parents: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for s in node.get("sections", []):
                parents[s["file"]] = node["file"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    return parents


def page_title(toc_file: str) -> str:
    """The '# Title' of a toc entry (``executed/<ch>/<nb>`` reads ``notebooks/<ch>/<nb>.py``; a
    Markdown page's title as the landing page's status table reads it)."""
    if not toc_file.startswith("executed/"):
        from fundus_utils.book_status import title

        return title(ROOT / f"{toc_file}.md")
    path = ROOT / "notebooks" / f"{toc_file.removeprefix('executed/')}.py"
    for line in path.read_text().splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    raise ValueError(f"{path}: no '# Title' line")


def notebook_navigation(toc_file: str) -> str:
    """The closing Markdown of a notebook: back to its paper's page (if it has one), on to the
    next page of the toc; links relative to ``notebooks/<chapter>/`` (= ``executed/<chapter>/``),
    so they work in JupyterLab and in the built book alike."""
    def link(target: str) -> str:
        if target.startswith("executed/"):
            chapter, name = target.removeprefix("executed/").split("/")
            here = toc_file.removeprefix("executed/").split("/")[0]
            return f"{name}.ipynb" if chapter == here else f"../{chapter}/{name}.ipynb"
        return f"../../{target}.md"

    files = toc_files()
    parent = toc_parents().get(toc_file)
    later = files[files.index(toc_file) + 1:]
    parts = [f"[← Back to the paper: {page_title(parent)}]({link(parent)})"] if parent else []
    parts += [f"[Next: {page_title(later[0])} →]({link(later[0])})"] if later else []
    return " · ".join(parts)
