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
