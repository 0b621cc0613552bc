"""The landing page's status table: how far each paper of the book is reproduced.

``<out>/book_status.csv`` (rewritten by the runner after every run, shown by
``book/intro.md``) has one row per paper page of ``_toc.yml``'s "Papers" part: its title,
whether it is implemented (or, for a chapter still being written, what its page's front
matter ``reproduction:`` says it covers) and ran (all its notebooks' last executions
succeeded), failed, or is not yet reproduced (no ``notebooks/<chapter>/``), how many notebooks ran, how many asserted bars passed,
and the profile. Everything is read from what the runs left: each chapter's ``status.csv``
(:func:`fundus_utils.run.write_chapter_status`) and the stamps of its successful executions,
which list the result files they wrote (a bars table is a CSV with ``passed`` and ``asserted``
columns, :func:`fundus_utils.report.bars`). A chapter run with ``--only`` updates its own
row; the others keep what their last run left.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from .config import REPO_ROOT
from .files import write_atomic

HEADER = ["paper", "status", "notebooks", "asserted bars passed", "reported-only bars passed", "profile"]


def paper_pages(toc: Path = REPO_ROOT / "_toc.yml") -> list[str]:
    """``book/papers/<chapter>`` entries of the toc's "Papers" part, in order."""
    parts = yaml.safe_load(toc.read_text()).get("parts", [])
    return [c["file"] for p in parts if p.get("caption") == "Papers" for c in p.get("chapters", [])]


def title(page: Path) -> str:
    """A Markdown page's first '# ' heading (its title in the book)."""
    for line in page.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem


def declared_status(page: Path) -> str | None:
    """The ``reproduction:`` line of a page's YAML front matter (a chapter still being written
    says what it covers so far), or None."""
    text = page.read_text()
    if not text.startswith("---\n"):
        return None
    front = yaml.safe_load(text[4:text.index("\n---", 4)]) or {}
    value = front.get("reproduction")
    return str(value) if value else None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def bars_counts(results_root: Path, outputs: list[str]) -> tuple[list[bool], list[bool]]:
    """(passed flags of asserted bars, passed flags of reported-only bars) in the result files ``outputs``."""
    asserted, shown = [], []
    for rel in outputs:
        path = results_root / rel
        if path.suffix != ".csv" or not path.is_file():
            continue
        rows = _read_csv(path)
        if not rows or not {"passed", "asserted"} <= set(rows[0]):
            continue
        for row in rows:
            (asserted if row["asserted"] == "True" else shown).append(row["passed"] == "True")
    return asserted, shown


def chapter_row(page: str, out: Path, results_root: Path, notebooks: Path) -> list[str]:
    """One row of the table for the paper page ``page`` (``book/papers/<chapter>``)."""
    chapter = Path(page).name
    name = title(REPO_ROOT / f"{page}.md")
    sources = sorted(notebooks.glob(f"{chapter}/[0-9][0-9]_*.py"))
    if not sources:
        return [name, "not yet reproduced", "—", "—", "—", "—"]
    status_file = out / chapter / "status.csv"
    runs = {r["notebook"]: r["status"] for r in _read_csv(status_file)} if status_file.is_file() else {}
    stamps = {s.stem: _stamp(out / chapter / f"{s.stem}.stamp.json") for s in sources
              if runs.get(s.stem) in ("ok", "reused")}
    stamps = {stem: st for stem, st in stamps.items() if st is not None}
    asserted, shown = [], []
    for stamp in stamps.values():
        a, s = bars_counts(results_root, list(stamp.get("outputs", {})))
        asserted, shown = asserted + a, shown + s
    profiles = sorted({st.get("parts", {}).get("profile", "?") for st in stamps.values()})
    bad = [f"{s.stem} ({runs.get(s.stem, 'not run')})" for s in sources if s.stem not in stamps]
    status = ((declared_status(REPO_ROOT / f"{page}.md") or "implemented") + "; every notebook ran" if not bad
              else "not run or failed: " + ", ".join(bad))
    return [name, status, f"{len(stamps)} of {len(sources)} executed", f"{sum(asserted)} of {len(asserted)}",
            f"{sum(shown)} of {len(shown)}", ", ".join(profiles) or "—"]


def _stamp(path: Path) -> dict | None:
    """A successful execution's stamp, or None (missing: an interrupted run; it counts as not run)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write(out: Path, results_root: Path, notebooks: Path = REPO_ROOT / "notebooks") -> Path:
    """Write ``<out>/book_status.csv`` and return its path."""
    rows = [chapter_row(page, out, results_root, notebooks) for page in paper_pages()]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *rows])
    path = out / "book_status.csv"
    write_atomic(path, text.getvalue())
    return path
