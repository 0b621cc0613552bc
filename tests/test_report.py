"""report: provenance line, tables, figures, paper values (plain Python and in a kernel)."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import nbformat
import pandas as pd
import pytest
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from fundus_utils import report, run  # noqa: E402
from fundus_utils.report import paper_values, provenance  # noqa: E402


@pytest.fixture
def cfg(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(results_dir=tmp_path / "results", profile="smoke", device="cpu", chapter="demo")


def test_provenance_line(cfg: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "refuge.yml").write_text("name: REFUGE\n")
    monkeypatch.setattr(provenance, "MANIFEST_DIR", tmp_path / "manifests")
    assert report.start(cfg, source="REFUGE") is None                     # nothing for a cell to display
    line = report.line()
    assert line.startswith("git ") and "profile smoke" in line and "device cpu" in line and "wall 0." in line
    assert "data REFUGE@" in line and len(line.split("REFUGE@")[1].split()[0]) == 10
    twin = provenance.describe_source({"name": "refuge_twin", "n": 400, "size": 128})
    assert twin.startswith("refuge_twin@") and twin == provenance.describe_source({"size": 128, "n": 400, "name": "refuge_twin"})
    assert provenance.describe_source("my twin key 1234") == "my twin key 1234"


def test_table_and_figure_files(cfg: SimpleNamespace) -> None:
    report.start(cfg, source="twin")
    df = pd.DataFrame({"method": ["a", "b"], "auc": [0.9, 0.8]})
    assert report.table(df, "sub/table1", "AUC per method", cfg, index=False) is None
    csv = cfg.results_dir / "sub" / "table1.csv"
    assert pd.read_csv(csv).equals(df)
    caption, prov = csv.with_suffix(".provenance.txt").read_text().splitlines()
    assert caption == "AUC per method" and "data twin" in prov
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    assert report.figure(fig, "fig1", "A line", cfg) is None
    png = cfg.results_dir / "fig1.png"
    assert "profile smoke" in Image.open(png).text["Description"]
    from fundus_utils.report.figures import figure_html

    page = figure_html(png.read_bytes(), "fig1", "A <line>", "git abc · profile smoke")
    assert "alt='A &lt;line&gt;'" in page and "<figcaption>" in page and "profile smoke</small>" in page
    assert png.with_suffix(".provenance.txt").exists()
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        report.table([1, 2], "bad", "x", cfg)


def test_records_round_trip(cfg: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture) -> None:
    from fundus_utils.report import records

    monkeypatch.setattr(records, "RECORD_DIR", tmp_path / "recorded")
    report.start(cfg, source="REFUGE")
    assert report.show_recorded("demo_real", "demo_recorded", cfg, source="REFUGE") is None
    assert "no record demo_real.csv yet" in capsys.readouterr().out
    df = pd.DataFrame({"metric": ["dice_od"], "ours": [0.947]}).set_index("metric")
    with pytest.raises(ValueError, match="smoke profile only reads"):
        report.record(df, "demo_real", cfg, "MTL-IO on Test400")
    report.record(df, "demo_real", SimpleNamespace(**{**vars(cfg), "profile": "real"}), "MTL-IO on Test400")
    recorded_line = (tmp_path / "recorded" / "demo_real.provenance.txt").read_text().splitlines()[1]
    report.start(cfg, source="twin")                                      # a smoke run shows the record
    shown = report.show_recorded("demo_real", "demo_recorded", cfg, source="REFUGE")
    pd.testing.assert_frame_equal(shown, df)
    caption, prov = (cfg.results_dir / "demo_recorded.provenance.txt").read_text().splitlines()
    assert caption == "Recorded real-profile run: MTL-IO on Test400"
    assert prov == recorded_line and "profile real" in prov               # the record's provenance, not this run's
    assert "data REFUGE@" in recorded_line
    report.record(df, "demo_real", SimpleNamespace(**{**vars(cfg), "profile": "real"}), "MTL-IO", source="DRIVE+twin")
    assert "data DRIVE@" in (tmp_path / "recorded" / "demo_real.provenance.txt").read_text()  # the data it was run on


def test_glued_in_a_kernel(tmp_path: Path) -> None:
    nb = tmp_path / "notebooks" / "demo" / "01_glue.py"
    nb.parent.mkdir(parents=True)
    nb.write_text(f'''# %% tags=["parameters"]
profile = "smoke"

# %%
from types import SimpleNamespace
import pandas as pd, matplotlib.pyplot as plt
from fundus_utils import report
cfg = SimpleNamespace(results_dir={str(tmp_path / "res")!r}, profile=profile, device="cpu")
report.start(cfg, source="twin")
report.table(pd.DataFrame({{"x": [1.0]}}), "t1", "a table", cfg)
fig, ax = plt.subplots(); ax.plot([0, 1])
report.figure(fig, "f1", "a figure", cfg)
''')
    (result,) = run.run("smoke", out=tmp_path / "executed", root=tmp_path / "notebooks")
    assert result.status == "ok", result.error
    executed = nbformat.read(tmp_path / "executed" / "demo" / "01_glue.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    glued = {o.metadata["scrapbook"]["name"]: o for o in outputs if "scrapbook" in o.get("metadata", {})}
    assert set(glued) == {"t1", "f1"}
    assert "a table" in glued["t1"].data["text/html"] and "profile smoke" in glued["t1"].data["text/html"]
    figure = glued["f1"].data["text/html"]                               # picture, alt text, readable provenance
    assert "data:image/png;base64," in figure and "<figcaption>" in figure and "profile smoke" in figure


def test_paper_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paper_values, "VALUES_DIR", tmp_path)
    paper_values.load.cache_clear()
    (tmp_path / "demo.json").write_text(json.dumps({"citation": "X et al.", "values": {
        "table2": {"columns": ["method", "auc"], "rows": [["MTL", 0.9], ["STL", None]], "where": "Table 2"},
        "best": {"value": 0.93}}}))
    (tmp_path / "broken.json").write_text("{")
    assert paper_values.get("demo", "best") == 0.93
    theirs = paper_values.frame("demo", "table2", index="method")
    ours = pd.DataFrame({"auc": [0.85, 0.8], "dice": [0.9, 0.8]}, index=["MTL", "STL"])
    both = paper_values.side_by_side(ours, theirs)
    assert list(both.columns) == [("auc", "paper"), ("auc", "ours"), ("dice", "paper"), ("dice", "ours")]
    assert both.loc["MTL", ("auc", "paper")] == 0.9 and both.loc["MTL", ("auc", "ours")] == 0.85
    with pytest.raises(FileNotFoundError, match="no reported values for paper 'nope'"):
        paper_values.load("nope")
    with pytest.raises(ValueError, match="broken.json: invalid JSON"):
        paper_values.load("broken")
    with pytest.raises(KeyError, match="no entry 'zzz'"):
        paper_values.get("demo", "zzz")
    paper_values.load.cache_clear()


def test_bars_table_then_asserts_only_the_asserted(cfg: SimpleNamespace) -> None:
    from fundus_utils.evaluation import paired_mean

    report.start(cfg, source="twin")
    good = paired_mean("good", [0.9, 0.8, 0.85, 0.95], [0.1, 0.2, 0.15, 0.1])
    bad = paired_mean("bad", [0.1, 0.2, 0.15, 0.1], [0.9, 0.8, 0.85, 0.95])
    report.bars([good, bad], "demo_bars", "two bars", cfg, asserted=[True, False])  # the failing one is reported
    saved = pd.read_csv(cfg.results_dir / "demo_bars.csv")
    assert saved["asserted"].tolist() == [True, False] and saved["passed"].tolist() == [True, False]
    with pytest.raises(AssertionError, match="bad"):
        report.bars([good, bad], "demo_bars", "two bars", cfg)  # default: every bar asserted
    with pytest.raises(ValueError, match="2 bars but 1 asserted flags"):
        report.bars([good, bad], "demo_bars", "two bars", cfg, asserted=[True])


def test_summary_counts_what_the_run_produced(cfg: SimpleNamespace, capsys: pytest.CaptureFixture) -> None:
    from fundus_utils.evaluation import paired_mean
    from fundus_utils.report.summary import bars_sentence

    report.start(cfg, source="twin")
    report.table(pd.DataFrame({"x": [1.0]}), "t1", "first table", cfg)
    report.table(pd.DataFrame({"x": [2.0]}), "t1", "first table, run again", cfg)   # a cell re-run: one entry
    good = paired_mean("good", [0.9, 0.8, 0.85, 0.95], [0.1, 0.2, 0.15, 0.1])
    bad = paired_mean("bad", [0.1, 0.2, 0.15, 0.1], [0.9, 0.8, 0.85, 0.95])
    report.bars([good, bad], "b1", "bars", cfg, asserted=[True, False])
    assert report.summary(cfg) is None
    text = capsys.readouterr().out
    assert "2 tables and 0 figures" in text and "first table, run again" in text
    assert "1 of 1 asserted bars passed (1 table); 0 of 1 reported-only bars passed." in text
    assert bars_sentence({}).startswith("No bars")
    report.start(cfg)                                                       # a new run starts empty
    assert not provenance.current().results and not provenance.current().bars


def test_caption_labels_numbered_per_page() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("numbered_captions", Path(__file__).parent.parent / "book" / "_ext" / "numbered_captions.py")
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)
    from fundus_utils.report.tables import label

    body = f"<p>{label('Table')} a</p><p>{label('Figure')} b</p><p>{label('Table')} c</p>"
    out = ext.number_labels(body)
    assert [s.split(">")[1] for s in out.split("<span")[1:]] == ["Table 1.</span", "Figure 1.</span", "Table 2.</span"]
    assert ext.number_labels(out) == out                                    # filled labels are left alone


def test_book_status_rows(tmp_path: Path) -> None:
    from fundus_utils import book_status

    out, results, notebooks = tmp_path / "executed", tmp_path / "results", tmp_path / "notebooks"
    (notebooks / "mtl_glaucoma").mkdir(parents=True)
    for stem in ("01_a", "02_b"):
        (notebooks / "mtl_glaucoma" / f"{stem}.py").write_text("# %%\n")
    (results / "mtl_glaucoma").mkdir(parents=True)
    pd.DataFrame({"bar": ["x", "y", "z"], "passed": [True, True, False], "asserted": [True, True, False]}).to_csv(
        results / "mtl_glaucoma" / "bars.csv", index=False)
    (out / "mtl_glaucoma").mkdir(parents=True)
    (out / "mtl_glaucoma" / "status.csv").write_text("notebook,status\n01_a,ok\n02_b,failed\n")
    (out / "mtl_glaucoma" / "01_a.stamp.json").write_text(json.dumps(
        {"outputs": {"mtl_glaucoma/bars.csv": "sha"}, "parts": {"profile": "smoke"}}))
    rows = pd.read_csv(book_status.write(out, results, notebooks))
    mtl = rows.iloc[0]
    assert mtl["status"] == "not run or failed: 02_b (failed)" and mtl["notebooks"] == "1 of 2 executed"
    assert mtl["asserted bars passed"] == "2 of 2" and mtl["reported-only bars passed"] == "0 of 1"
    assert len(rows) == len(book_status.paper_pages()) and (rows["status"].iloc[1:] == "not yet reproduced").all()


def test_declared_status_from_front_matter(tmp_path: Path) -> None:
    from fundus_utils.book_status import declared_status

    page = tmp_path / "p.md"
    page.write_text('---\nreproduction: "in progress: Table 1"\n---\n# Title\n')
    assert declared_status(page) == "in progress: Table 1"
    page.write_text("# Title\n")
    assert declared_status(page) is None
