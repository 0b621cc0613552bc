"""Figures of the datasets chapter (fundus_utils.data.plots): overlays, sample choice, plots."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fundus_utils.data import open_dataset, plots, summary  # noqa: E402

from data_fakes import refuge_variant  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_overlay_fill_and_outline():
    img = np.zeros((20, 20, 3), np.uint8)
    disc = np.zeros((20, 20), bool)
    disc[5:15, 5:15] = True
    filled = plots.overlay(img, {"vessel_mask": disc}, alpha=1.0)
    assert (filled[disc] == plots.MASK_STYLE["vessel_mask"][0]).all() and (filled[~disc] == 0).all()
    outlined = plots.overlay(img, {"od_mask": disc})
    changed = outlined.any(axis=2)
    assert changed[5, 5:15].all() and not changed[10, 10] and not changed[0, 0]  # border drawn, inside kept
    assert (img == 0).all()  # input untouched
    with pytest.raises(ValueError, match="od_mask"):
        plots.overlay(img, {"od_mask": disc[:10]})


def test_pick_samples_balanced_and_reproducible():
    t = pd.DataFrame({"image_id": [f"i{k}" for k in range(20)],
                      "glaucoma": [1.0] * 3 + [0.0] * 12 + [np.nan] * 5})
    a = plots.pick_samples(t, 4, seed=1)
    assert a["glaucoma"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert a.equals(plots.pick_samples(t, 4, seed=1))
    assert plots.pick_samples(t, 8, seed=1)["glaucoma"].tolist() == [1.0] * 3 + [0.0] * 5  # only 3 positives
    plain = plots.pick_samples(t.drop(columns="glaucoma"), 5, seed=0)
    assert len(plain) == 5 and plain.index.is_monotonic_increasing


def test_sample_gallery_from_a_fake_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    t = open_dataset("REFUGE", refuge_variant(tmp_path / "REFUGE", n_val=2, n_test=4, size=48))
    fig = plots.sample_gallery(t, ["od_mask", "oc_mask"], n=3, height=24, title="fake")
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 3 and axes[0].images[0].get_array().shape == (24, 24, 3)
    assert "glaucoma" in axes[0].get_title()  # labelled Test rows first
    assert list((tmp_path / "cache" / "resized").rglob("*.npy"))  # thumbnails went through the cache


def test_summary_plots_return_figures():
    manifests = {"A": {"label_columns": ["glaucoma"], "counts": {"test": 10},
                       "class_counts": {"test": {"glaucoma": 4}}}}
    assert isinstance(plots.glaucoma_prevalence_plot(summary.expected_glaucoma_balance(manifests)), Figure)
    t = pd.DataFrame({"split": ["train", "train", "test"], "glaucoma": [1, 0, np.nan]})
    assert isinstance(plots.class_balance_plot(summary.class_balance({"A": t, "B": t})), Figure)
    labels = pd.DataFrame({"label_A": [1, 1, 0], "label_B": [1, 0, 0], "label_C": [0, 0, 0]})
    fig = plots.label_counts_plot(summary.label_counts(labels), grouped=["C"])
    assert isinstance(fig, Figure)
    assert isinstance(plots.cooccurrence_heatmap(summary.cooccurrence(labels)), Figure)
    assert isinstance(plots.labels_per_image_plot(summary.labels_per_image(labels)), Figure)


# --------------------------------------------------------------------------- the book's style
import colorsys  # noqa: E402

import matplotlib as mpl  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from fundus_utils.report import style  # noqa: E402

MIN_TEXT_PT, MIN_TICK_PT = 7, 8


def _red_green(a, b) -> bool:
    """Whether colours ``a`` and ``b`` are a saturated red and a saturated green (either order)."""
    def hue_sat(c):
        h, _, s = colorsys.rgb_to_hls(*to_rgb(c))
        return h * 360, s
    (ha, sa), (hb, sb) = hue_sat(a), hue_sat(b)
    red = lambda h, s: s > 0.35 and (h < 20 or h > 340)  # noqa: E731
    green = lambda h, s: s > 0.35 and 75 <= h <= 165  # noqa: E731
    return (red(ha, sa) and green(hb, sb)) or (red(hb, sb) and green(ha, sa))


def _small_texts(fig: Figure) -> list[str]:
    """Visible texts of ``fig`` under 7 pt, and tick labels under 8 pt (after a draw, so ticks exist)."""
    fig.canvas.draw()
    ticks = {id(t) for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]}
    bad = []
    for t in fig.findobj(Text):
        if not (t.get_visible() and t.get_text().strip()):
            continue
        floor = MIN_TICK_PT if id(t) in ticks else MIN_TEXT_PT
        if t.get_fontsize() < floor:
            bad.append(f"{t.get_text()!r} at {t.get_fontsize():.1f} pt")
    return bad


def _overlapping_ticks(ax) -> list[tuple[str, str]]:
    labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    x0, x1 = sorted(ax.get_xlim())
    labels = [t for t in labels if x0 <= t.get_position()[0] <= x1]
    r = ax.figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in labels]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:] if ba.overlaps(bb)]


def test_style_is_applied_on_import():
    import subprocess
    import sys

    for module in ("fundus_utils.report", "fundus_utils.data.plots"):  # a fresh interpreter: importing applies it
        code = f"import matplotlib as mpl, {module}; print(mpl.rcParams['savefig.dpi'], mpl.rcParams['figure.dpi'])"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        assert [float(v) for v in out] == [style.DPI, style.DPI] and style.DPI >= 150
    plt.rcdefaults()
    style.apply()  # idempotent, and restores the style after rcdefaults
    assert mpl.rcParams["savefig.dpi"] >= 150 and mpl.rcParams["figure.dpi"] >= 150
    cycle = [to_hex(c) for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == sns.color_palette("colorblind").as_hex() == style.PALETTE
    assert mpl.rcParams["xtick.labelsize"] >= MIN_TICK_PT and mpl.rcParams["ytick.labelsize"] >= MIN_TICK_PT
    assert min(mpl.rcParams[k] for k in ("font.size", "legend.fontsize", "axes.titlesize")) >= MIN_TICK_PT
    assert mpl.rcParams["figure.autolayout"]
    assert plots.CLASS_COLOURS is style.CLASS_COLOURS


def test_class_colours_are_not_red_green():
    assert _red_green("#d62728", "#2ca02c") and _red_green("red", "lime")  # the old pairs are caught
    assert not _red_green(style.POSITIVE, style.NEGATIVE)
    from fundus_utils.mtl_glaucoma import figures as mtl_figures

    for group in (style.CLASS_COLOURS.values(), mtl_figures.COLOURS.values(),
                  [style.TRUTH_COLOUR, *style.PREDICTION_COLOURS]):
        group = list(group)
        assert not [(a, b) for a in group for b in group if _red_green(a, b)]
    # the class-balance bars are drawn in the class colours
    t = pd.DataFrame({"split": ["train", "train", "test"], "glaucoma": [1, 0, np.nan]})
    fig = plots.class_balance_plot(summary.class_balance({"A": t}))
    faces = {to_hex(p.get_facecolor()) for p in fig.axes[0].patches if p.get_height() > 0}
    assert faces <= {to_hex(c) for c in style.CLASS_COLOURS.values()} and len(faces) >= 2


def _mtl_figures():
    from fundus_utils.mtl_glaucoma import figures as f

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"glaucoma": rng.integers(0, 2, 20).astype(float), "score": rng.random(20)})
              for _ in range(2)]
    yield "roc", f.roc_figure({"STL": frames, "MTL-IO": frames})
    sweep = pd.DataFrame([{"method": m, "lr": lr, "auc": rng.random(), "dice_od": rng.random(), "dice_oc": rng.random(),
                           "fovea_px": rng.random(), **{f"loss_{t}": rng.random() for t in ("glaucoma", "od", "oc", "fovea")}}
                          for m in ("STL", "MTL-IO") for lr in (1e-5, 3e-5, 1e-4, 3e-4, 1e-3)])
    yield "sweep metric", f.sweep_figure(sweep, "metric")
    yield "sweep loss", f.sweep_figure(sweep, "loss")
    img = rng.integers(0, 255, (3, 40, 48), dtype=np.uint8)
    od = np.zeros((40, 48), bool)
    od[10:30, 12:34] = True
    oc = np.zeros_like(od)
    oc[15:25, 18:28] = True
    yield "segmentation", f.segmentation_figure(img, od, oc, {"STL": (od, oc), "MTL-IO": (od, oc)}, title="Dice - x")
    heat = rng.random((40, 48))
    yield "fovea", f.fovea_figure(img, heat, heat, (20, 20), (22, 21))


def _refuge_figures():
    from fundus_utils.refuge_ensemble import classification as cls, fovea, lodo, segmentation as seg

    rng = np.random.default_rng(1)
    n, s = 3, 32
    ids = np.array([f"i{k}" for k in range(n)])
    land = fovea.LandmarkData(image_id=ids, x=rng.integers(0, 255, (n, 3, s, s), dtype=np.uint8),
                              od_xy=np.full((n, 2), 10.0), fovea_xy=np.full((n, 2), 20.0),
                              disc_diameter=np.full(n, 6.0), size=s)
    maps = rng.random((n, s, s))
    preds = {"bidistance": {"map": maps, "fovea": np.full((n, 2), 19.0), "od": np.full((n, 2), 11.0)},
             "heatmap": {"map": maps, "fovea": np.full((n, 2), 21.0)}}
    yield "refuge fovea", fovea.examples_figure(land, preds, sigma=2.0, n=2)
    od = np.zeros((n, s, s), bool)
    od[:, 8:24, 8:24] = True
    oc = np.zeros_like(od)
    oc[:, 12:20, 12:20] = True
    test = seg.SegData(image_id=ids, images=rng.integers(0, 255, (n, s, s, 3), dtype=np.uint8), od=od, oc=oc)
    per = pd.DataFrame({"vcdr_ref": [0.5] * n})
    result = seg.SegResult(per_image={("cenet", "none"): per, ("unet", "none"): per},
                           masks={("cenet", "none"): (od, oc), ("unet", "none"): (od, oc)},
                           boxes=np.array([[4, 4, 24]] * n), n_fallback=0)
    yield "refuge segmentation", seg.examples_figure(test, result, n=2)
    summ = pd.DataFrame([{"fold": f, "model": m, "auc": 0.7, "auc_lo": 0.6, "auc_hi": 0.8}
                         for f in ("REFUGE", "ORIGA", lodo.IN_DOMAIN) for m in ("resnet", "vgg", cls.ENSEMBLE)])
    yield "lodo", lodo.plot_auc(summ, title="smoke profile: AUC per held-out dataset")


def _data_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path / "cache"))
    t = open_dataset("REFUGE", refuge_variant(tmp_path / "REFUGE", n_val=2, n_test=4, size=48))
    yield "gallery", plots.sample_gallery(t, ["od_mask", "oc_mask"], n=3, height=24, title="fake")
    manifests = {"A": {"label_columns": ["glaucoma"], "counts": {"test": 10}, "class_counts": {"test": {"glaucoma": 4}}}}
    yield "prevalence", plots.glaucoma_prevalence_plot(summary.expected_glaucoma_balance(manifests))
    t = pd.DataFrame({"split": ["train", "train", "test"], "glaucoma": [1, 0, np.nan]})
    yield "class balance", plots.class_balance_plot(summary.class_balance({"A": t, "B": t}))
    rng = np.random.default_rng(2)
    labels = pd.DataFrame(rng.integers(0, 2, (300, 28)), columns=[f"label_L{k}" for k in range(28)])
    yield "label counts", plots.label_counts_plot(summary.label_counts(labels), grouped=["L3"], title="counts")
    yield "cooccurrence", plots.cooccurrence_heatmap(summary.cooccurrence(labels), title="co-occurrence")
    yield "labels per image", plots.labels_per_image_plot(summary.labels_per_image(labels), title="per image")


def _synthetic_figures():
    from fundus_utils.data.simulator import tour
    from fundus_utils.synthetic import sim2real

    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"dataset": ["DRIVE"] * 5 + ["REFUGE"] * 5, "image_id": [str(k) for k in range(10)],
                           "dice": rng.random(10)})
    yield "s2r scores", sim2real.score_figure([sim2real.TaskRun("od", scores, pd.DataFrame(), {})])
    stats = pd.DataFrame({"glaucoma": [0, 1] * 10, "vcdr": rng.uniform(0.2, 0.9, 20)}).assign(
        vcdr_measured=lambda d: d["vcdr"] + 0.01)
    yield "vcdr", tour.vcdr_figure(stats)
    yield "style gallery", tour.style_gallery(48, eyes_per_style=2)


def test_every_plotting_function_is_legible(tmp_path, monkeypatch):
    """Every figure function of the library on tiny inputs: a Figure; no text under 7 pt, no tick label under 8."""
    made = [*_data_figures(tmp_path, monkeypatch), *_mtl_figures(), *_refuge_figures(), *_synthetic_figures()]
    small = {}
    for name, fig in made:
        assert isinstance(fig, Figure), name
        if bad := _small_texts(fig):
            small[name] = bad[:5]
        plt.close(fig)
    assert not small, small


def test_cooccurrence_numbers_readable():
    labels = pd.DataFrame(np.eye(28, dtype=int).repeat(40, axis=0), columns=[f"label_L{k}" for k in range(28)])
    labels.iloc[::3, :4] = 1
    fig = plots.cooccurrence_heatmap(summary.cooccurrence(labels))
    annotations = [t for t in fig.axes[0].texts if t.get_text()]
    assert annotations and min(t.get_fontsize() for t in annotations) >= MIN_TEXT_PT
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    cell_px = fig.axes[0].transData.transform((1, 0))[0] - fig.axes[0].transData.transform((0, 0))[0]
    assert max(t.get_window_extent(r).width for t in annotations) < cell_px  # every number inside its cell


@pytest.mark.parametrize("grid", [(1e-5, 3e-5, 1e-4, 3e-4, 1e-3), (1e-3, 3e-3, 1e-2), (2e-3, 5e-3, 1e-2)])
def test_learning_rate_ticks_do_not_overlap(grid):
    from fundus_utils.mtl_glaucoma import figures as f

    sweep = pd.DataFrame([{"method": m, "lr": lr, "auc": 0.5, "dice_od": 0.5, "dice_oc": 0.5, "fovea_px": 3.0}
                          for m in ("STL", "MTL-IO") for lr in grid])
    fig = f.sweep_figure(sweep, "metric")
    fig.canvas.draw()
    for ax in fig.axes:
        if not ax.axison:
            continue
        shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()
                 and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
        assert len(shown) >= 2, shown
        if max(grid) / min(grid) < 10:  # within a decade: every studied rate labelled
            assert len(shown) == len(grid), shown
        assert not _overlapping_ticks(ax), _overlapping_ticks(ax)
