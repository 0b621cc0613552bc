"""Every notebook source follows the book's conventions.

For each ``notebooks/<chapter>/NN_<name>.py`` (jupytext percent, the reviewed source):
the paired ``.ipynb`` exists and says the same thing, it carries no outputs, it opens
with a Markdown title (the book's page title), it has a ``parameters`` cell with
``profile = "smoke"`` and ``overrides = {}``, and ``_toc.yml`` lists its executed copy.
"""
from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import notebook_navigation, toc_files

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "notebooks").glob("*/[0-9][0-9]_*.py"))
IDS = [str(p.relative_to(ROOT / "notebooks")) for p in SOURCES]
FIX = "run `make sync` (jupytext --sync) and commit both files"

pytestmark = pytest.mark.skipif(not SOURCES, reason="no notebooks/<chapter>/NN_*.py yet")


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_paired_ipynb_matches_py(py: Path) -> None:
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb} is missing: {FIX}"
    text = jupytext.writes(jupytext.read(ipynb), fmt="py:percent")
    assert text.strip() == py.read_text().strip(), f"{py} and {ipynb.name} disagree: {FIX}"


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_ipynb_has_no_outputs(py: Path) -> None:
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{py.with_suffix('.ipynb')}: cells {dirty} carry outputs/execution counts; clear them"


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_title_and_parameters_cell(py: Path) -> None:
    nb = jupytext.read(py)
    first = nb.cells[0] if nb.cells else None
    assert first is not None and first.cell_type == "markdown" and first.source.lstrip().startswith("# "), \
        f"{py}: the first cell must be Markdown starting with a '# Title' (the book's page title)"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{py}: needs exactly one cell tagged 'parameters' (found {len(params)})"
    assert re.search(r'^profile\s*=\s*"smoke"\s*$', params[0].source, re.M), \
        f'{py}: the parameters cell must set profile = "smoke"'
    assert re.search(r'^overrides\s*=\s*\{\}', params[0].source, re.M), \
        f'{py}: the parameters cell must set overrides = {{}} (papermill sets any setting through it)'


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_ends_with_summary_and_navigation(py: Path) -> None:
    """A '## Summary' in words, ``report.summary(cfg)`` (input hidden: the run's bars and
    results), then the links back to the paper's page and on to the next page of the toc."""
    cells = jupytext.read(py).cells
    nav = notebook_navigation(f"executed/{py.parent.name}/{py.stem}")
    assert len(cells) >= 3, f"{py}: too short to end with a summary"
    words, box, links = cells[-3:]
    assert words.cell_type == "markdown" and words.source.lstrip().startswith("## Summary"), \
        f"{py}: the third-last cell must be Markdown starting with '## Summary'"
    assert box.cell_type == "code" and box.source.strip() == "report.summary(cfg)" \
        and "remove-input" in box.metadata.get("tags", []), \
        f'{py}: the second-last cell must be `report.summary(cfg)` tagged remove-input (`# %% tags=["remove-input"]`)'
    assert links.cell_type == "markdown" and links.source.strip() == nav, \
        f"{py}: the last cell must be the navigation Markdown (from _toc.yml):\n{nav}"


def test_toc_lists_every_notebook_and_nothing_else() -> None:
    listed = {f for f in toc_files() if f.startswith("executed/")}
    sources = {f"executed/{p.parent.name}/{p.stem}" for p in SOURCES}
    assert not sources - listed, f"_toc.yml lacks {sorted(sources - listed)}: add them"
    assert not listed - sources, f"_toc.yml lists {sorted(listed - sources)} with no notebooks/<chapter>/<name>.py"
    assert not {f for f in toc_files() if f.startswith("notebooks/")}, "_toc.yml must point at executed/, not notebooks/"


def _is_check(node) -> bool:
    """An assert, an assignment feeding one, or an if/for block made of checks (no report calls)."""
    import ast

    if isinstance(node, (ast.Assert, ast.Assign)):
        return True
    if isinstance(node, (ast.If, ast.For)):
        return all(_is_check(n) for n in node.body + node.orelse)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):  # e.g. data.validate(table)
        return "report." not in ast.unparse(node.value)
    return False


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_checks_are_hidden_and_hide_nothing_else(py: Path) -> None:
    """Top-level asserts (checks for the test run, not for the reader) live in cells tagged
    ``remove-cell``, and such a cell holds checks only: nothing a reader needs is hidden."""
    import ast

    for i, cell in enumerate(jupytext.read(py).cells):
        if cell.cell_type != "code":
            continue
        body = ast.parse(cell.source).body
        has_assert = any(isinstance(n, ast.Assert) or (isinstance(n, ast.If) and "assert " in ast.unparse(n))
                         for n in body)
        hidden = "remove-cell" in cell.metadata.get("tags", [])
        if has_assert:
            assert hidden, f"{py}: cell {i} asserts; tag it remove-cell (`# %% tags=[\"remove-cell\"]`)"
        if hidden:
            assert all(_is_check(n) for n in body), f"{py}: cell {i} is tagged remove-cell but does more than check"
