"""Every notebook of the book runs (smoke profile) without an error.

``make test``'s notebook check. The notebooks are executed by the book's runner
(:mod:`fundus_utils.run`, papermill) into ``executed/``, chapters in parallel
(``$BOOK_JOBS``, default 2, like ``make book``'s ``-j 2``), notebooks of a chapter
in order. Each execution is stamped with its cache key, so ``make book`` right after
``make test`` reuses them instead of executing every notebook a second time; unchanged
notebooks stamped by an earlier run are reused here too. A failing cell (an ``assert``
included) fails that notebook's test with the runner's report: notebook, cell, error,
log. A failure cancels the rest of its chapter only. ``make nbval`` runs the same
notebooks through nbval instead (not cached).

Tests are listed in ``_toc.yml`` order. Selecting some (``-k``) executes only their chapters.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import NOTEBOOK_SUMMARY, toc_files
from fundus_utils import run

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.notebooks


def toc_notebooks() -> list[str]:
    """``chapter/name`` of every ``executed/`` entry of ``_toc.yml``, in the book's order."""
    files = toc_files()
    return [f.removeprefix("executed/") for f in files if f.startswith("executed/")]


def selected_chapters(session: pytest.Session) -> list[str]:
    """The chapters whose notebook tests were selected in this session."""
    labels = {item.callspec.params["label"] for item in session.items
              if item.get_closest_marker("notebooks") and hasattr(item, "callspec")}
    return sorted({label.split("/")[0] for label in labels})


@pytest.fixture(scope="session")
def executed(request: pytest.FixtureRequest) -> dict[str, run.Result]:
    """Run (or reuse) every selected chapter's notebooks once for the whole session."""
    jobs = int(os.environ.get("BOOK_JOBS", "2"))
    results = run.run("smoke", only=selected_chapters(request.session), jobs=jobs, keep_going=True)
    request.config.stash[NOTEBOOK_SUMMARY] = run.summary_text(results)
    return {r.label: r for r in results}


@pytest.mark.parametrize("label", toc_notebooks())
def test_notebook_runs(label: str, executed: dict[str, run.Result]) -> None:
    r = executed.get(label)
    assert r is not None, f"_toc.yml lists executed/{label} but there is no notebooks/{label}.py"
    if r.status == "cancelled":
        failed = [x.label for x in executed.values() if x.chapter == r.chapter and x.status == "failed"]
        pytest.fail(f"{label} was not run: {', '.join(failed)} failed before it (see that test)")
    assert r.succeeded, run.failure_report(r)
