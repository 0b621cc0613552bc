# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Table 1 and Figs. 3-4: the RFMiD training labels in 28 categories
#
# Before any model, the paper describes its data: RFMiD's training images, how many carry
# each of its 28 categories (Table 1, drawn as a histogram in Fig. 3) and how many diseases
# an image carries (Fig. 4). All of it can be recounted from the official training-label
# CSV, without a single image. This notebook reads that CSV through the book's RFMiD
# importer (labels only), groups the 45 conditions the way the paper does (27 kept, the
# 18 rarest merged into *OTHER*, the paper's "Others"), and sets every count beside the
# paper's.
#
# It trains nothing and runs the same in every profile. When the label CSV is not under
# the data root, the `synthetic-rfmid` twin stands in: a note says so, every caption names
# it, and the comparisons with the paper no longer mean anything.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import config, report, session
from fundus_utils.data import plots, summary
from fundus_utils.data.importers.rfmid import KEPT_27, OTHER_18
from fundus_utils.rfmid_ensemble import labels

cfg = session.begin("rfmid_ensemble", profile, overrides, source=lambda c: c.labels_dataset)
found = labels.open_training_labels(cfg.data_root, twin=cfg.twin, seed=cfg.seed)
report.data_source(found.source)
print(f"data root: {config.data_root_label(cfg.data_root)}")
if found.real:
    print(f"read: {found.what}, {len(found.table)} images")
else:
    print(f"note: {found.note}")

# %% [markdown]
# ## Table 1: training images per category
#
# The paper prints Table 1 as three pairs of columns; below it is one row per category in
# the CSV's order. *OTHER* counts an image once however many of the merged conditions it
# has. *difference* is ours minus the paper's.

# %%
paper_t1 = labels.paper_table1()
ours_t1 = labels.our_table1(found.table)
table1 = labels.compare_table1(paper_t1, ours_t1, real=found.real)
report.table(table1, "rfmid_t1_paper_vs_ours",
             f"Table 1, training images per category: the paper vs {found.what} "
             f"({len(KEPT_27)} conditions kept, {len(OTHER_18)} merged into OTHER)", cfg, source=found.source)
print(f"{labels.matches(table1)} of {len(table1)} categories equal the paper's count")

# %% tags=["remove-cell"]
if found.real:
    assert len(table1) == 28 and table1["paper"].notna().all()  # the paper prints all 28 categories
    assert (table1["difference"] == 0).all(), table1[table1["difference"] != 0]  # all 27 conditions and Others
    assert table1.loc["OTHER", "ours"] == table1.loc["OTHER", "paper"] == 34

# %% [markdown]
# ## Fig. 3: how unevenly the images spread over the categories
#
# The same counts as bars on a log scale (*OTHER* in the second colour). Three categories
# hold a few hundred images each, most hold between ten and two hundred, and a few fewer
# than ten: the imbalance the paper's class weights and augmentation are meant to offset.
# The paper's text reads two intervals off its histogram; the table below counts our
# categories in the same intervals.

# %%
bars = ours_t1.reset_index().rename(columns={"category": "label", "images": "positives"})
bars = bars.sort_values(["positives", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)
report.figure(plots.label_counts_plot(bars, grouped=["OTHER"]), "rfmid_fig3_images_per_class",
              f"Fig. 3 redrawn: images per category in the 28-category grouping, {found.what} (log scale)", cfg,
              source=found.source)
fig3 = labels.compare_fig3(ours_t1)
report.table(fig3, "rfmid_fig3_intervals",
             f"Fig. 3's intervals: categories per image-count interval, the paper's text vs {found.what}", cfg,
             source=found.source)

# %% [markdown]
# Where the paper's second interval holds a category and none of our training counts reaches
# it, the paper's histogram must count more images than the training set's (all three splits,
# say); the validation and test labels are not in this copy, so that reading stays unchecked.

# %% [markdown]
# ## Fig. 4: diseases per image
#
# Counted in the 28 categories. The images without any category are exactly RFMiD's
# healthy ones (`Disease_Risk = 0`).

# %%
per_image = labels.labels_per_image(found.table)
report.table(per_image, "rfmid_fig4_labels_per_image",
             f"Fig. 4: images by number of positive categories (28-category grouping), {found.what}", cfg,
             source=found.source, index=False)
report.figure(plots.labels_per_image_plot(per_image), "rfmid_fig4_labels_per_image_plot",
              f"Fig. 4 redrawn: positive categories per image, {found.what}", cfg, source=found.source)
shares = labels.compare_percentages(per_image)
report.table(shares, "rfmid_fig4_shares",
             f"Fig. 4's two shares: the paper's percentages vs {found.what} (difference in points)", cfg,
             source=found.source)

# %% [markdown]
# ### Why the two shares differ
#
# The paper gives percentages, not counts. A percentage at two decimals stands for a whole
# number of images only for some totals and some ways of cutting the decimals, so the
# table below tries each candidate total (our training images; the whole dataset, from its
# manifest) with rounding and with truncation, and keeps the readings where both
# percentages are whole counts.

# %%
totals = {"training images (ours)": len(found.table),
          "whole dataset (manifest)": sum(summary.load_manifests()["RFMiD"]["counts"].values())}
readings = labels.percentage_readings(per_image, totals)
report.table(readings, "rfmid_fig4_readings",
             f"Whole image counts the paper's Fig. 4 percentages can stand for, beside {found.what}", cfg,
             source=found.source, index=False)
explanation = labels.explain_percentages(readings, len(found.table))
print(explanation["text"])

# %% tags=["remove-cell"]
if found.real:
    ours_one = int(per_image.set_index("labels").loc[1, "images"])
    ours_more = int(per_image.loc[per_image["labels"] >= 2, "images"].sum())
    assert explanation["same_diseased"] and explanation["moved"] > 0
    assert explanation["paper_one"] - ours_one == explanation["moved"]  # the paper's one-disease count is higher by it
    assert ours_more - explanation["paper_two_or_more"] == explanation["moved"]  # and its two-or-more count lower
    assert f"{explanation['moved']} images" in explanation["text"]
    assert ours_one + ours_more == int(found.table["label_Disease_Risk"].sum())  # no category <=> Disease_Risk 0

# %% [markdown]
# ## At a glance
#
# The chapter page opens with these rows.

# %%
glance = labels.at_a_glance(table1, shares, explanation, cfg.profile, found.real)
report.table(glance, "rfmid_at_a_glance_labels",
             f"RFMiD-ensemble, Table 1 and Fig. 4: the paper's numbers vs {found.what}", cfg, source=found.source)

# %% [markdown]
# ## Summary
#
# - Read from the official training-label CSV (not the twin), every category count of the paper's Table 1,
#   *Others* included, comes out exactly as printed once the 18 rarest conditions are merged.
# - The two shares of Fig. 4 are close to ours but not equal: read as truncated shares of the
#   training images they stand for the same diseased images as ours, with a handful of images
#   counted as single-disease where we count several.
# - Fig. 3's intervals, and perhaps Fig. 4's shares, look as if they counted the whole
#   dataset rather than its training split; only the training labels are here to check.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-disease RFMiD ensemble with Grad-CAM-guided augmentation](../../book/papers/rfmid_ensemble.md) · [Next: Stage 1: a VGG on the whole pictures →](02_stage1_vgg.ipynb)
