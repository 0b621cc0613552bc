# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Public datasets
#
# The five papers of this book train and test on public fundus datasets: REFUGE,
# ORIGA, Drishti-GS1, RIM-ONE and ACRIMA for glaucoma and the optic disc and cup,
# RFMiD and JSIEC for multi-disease classification, DRIVE, CHASE_DB1 and FIVES for
# vessels, PALM and ADAM for the fovea, and one private multimodal set (GM367). None
# of them may be redistributed, so the book ships a **manifest** per dataset instead
# (`data_manifests/<name>.yaml`: citation, licence, where to get it, the official
# layout, the expected counts) and an **importer** that turns the official layout into
# the canonical sample table (`fundus_utils.data.open_dataset(name)`).
#
# This chapter shows what the manifests promise, opens every dataset it finds under
# the data root (`$FUNDUS_DATA`, else `../shared/data` beside the repository) and checks
# the copy against its manifest, then looks at class balance, sample images with their
# reference masks, and the label statistics of RFMiD. Where a dataset is absent a note
# says so and the synthetic twins of the last section stand in for it.
#
# To check a copy file by file (every image decoded, every mask's values and size):
# `python -m fundus_utils.data verify REFUGE /path/to/REFUGE`.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "n_samples": 2}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import config, data, report, session
from fundus_utils.data import plots, summary
from fundus_utils.data.importers.rfmid import CONDITIONS, GROUP_28, OTHER_18, group_28

cfg = session.begin("datasets", profile, overrides, source=summary.manifests_source())
manifests = summary.load_manifests()
print(f"profile {cfg.profile}: thumbnails {cfg.thumb_height} px high, {cfg.n_samples} per gallery")
print(f"data root: {config.data_root_label(cfg.data_root)}")

# %% [markdown]
# ## Every dataset at a glance
#
# One row per manifest. *images* are the official counts per split; *classes* the
# positives the manifest documents (or the class totals, where the dataset has no
# official split); *labels* the label columns and masks the importer provides, with the
# mask encoding in brackets (see `fundus_utils.data.io`).

# %%
overview = summary.overview(manifests)
report.table(overview, "overview", "The public datasets of the book, from data_manifests/", cfg,
             source=summary.manifests_source());

# %% tags=["remove-cell"]
assert len(overview) == 14 and {"REFUGE", "RFMiD", "DRIVE", "CHASE_DB1", "GM367"} <= set(overview.index)
assert overview.loc["REFUGE", "total"] == 1200 and overview.loc["RFMiD", "total"] == 3200
assert overview.loc["DRIVE", "images"] == "train 20 · test 20"

# %% [markdown]
# ## How much glaucoma?
#
# The glaucoma datasets differ a lot in prevalence: REFUGE is a screening-like 10 %,
# ACRIMA and Drishti-GS1 are majority glaucoma. A classifier's threshold, its
# calibration and its AUC confidence interval all depend on it, which matters for the
# leave-one-dataset-out study of the REFUGE-style ensemble. Numbers from the manifests
# (*all* where only dataset totals are published; RIM-ONE r3's 35 suspects count in *n*).

# %%
expected = summary.expected_glaucoma_balance(manifests)
report.table(expected.set_index(["dataset", "split"]), "glaucoma_prevalence",
             "Glaucoma prevalence documented in the manifests", cfg, source=summary.manifests_source())
report.figure(plots.glaucoma_prevalence_plot(expected), "glaucoma_prevalence_plot",
              "Glaucoma prevalence per dataset and split (manifests)", cfg, source=summary.manifests_source());

# %% [markdown]
# ## The copies present here
#
# Every dataset with an importer is opened from the data root. *present* means the
# importer read it; *partial* that it needed a documented fallback (the RFMiD label CSV
# without images, for instance); *absent* that its folder is not there.

# %%
opened = summary.open_all(data_root=cfg.data_root)
present = {name: o.table for name, o in opened.items() if o.present}
for line in summary.absent_notes(opened, manifests):
    print("note:", line)
report.table(summary.presence_table(opened), "presence",
             f"Datasets found under {config.data_root_label(cfg.data_root)}: images per split as imported", cfg,
             source="+".join(present) or "none");

# %% [markdown]
# Counted from the files actually found, beside the manifest. A copy may be a documented
# variant of the official release (the 512 px REFUGE Validation/Test copy, the RFMiD
# labels alone); its own expected counts are then the reference (*variant*, *expected*),
# and official splits it does not hold say *not in this copy*.

# %%
comparison = summary.compare_all(opened, manifests)
if len(comparison):
    report.table(comparison, "counts_vs_manifest", "Images and positives found vs the manifests' counts", cfg,
                 source="+".join(present), index=False)
else:
    print("note: no dataset present, nothing to compare (set $FUNDUS_DATA to a folder laid out as the manifests say)")

# %% tags=["remove-cell"]
assert not (comparison["status"] == "MISMATCH").any(), comparison[comparison["status"] == "MISMATCH"]
if "REFUGE" in present:
    refuge_test = present["REFUGE"].query("split == 'test'")
    assert len(refuge_test) == 400 and int(refuge_test["glaucoma"].sum()) == 40  # Test400: 10 % glaucoma
    assert (present["REFUGE"]["od_mask"] != "").all()  # every image has its disc/cup mask
if "Drishti-GS1" in present:
    drishti_train = present["Drishti-GS1"].query("split == 'train'")
    assert len(drishti_train) == 50 and int(drishti_train["glaucoma"].sum()) == 32
if "DRIVE" in present:
    assert present["DRIVE"]["split"].value_counts().to_dict() == {"train": 20, "test": 20}
if "CHASE_DB1" in present:
    assert len(present["CHASE_DB1"]) == 28 and present["CHASE_DB1"]["patient_id"].nunique() == 14  # both eyes of 14 children

# %% [markdown]
# ## Class balance of the copies present
#
# Images per split and image-level class, counted from the imported tables
# (segmentation-only datasets, DRIVE and CHASE_DB1, have no image label and are left
# out). *unlabelled* are images whose labels the copy does not hold: the REFUGE
# Validation400 and Drishti-GS1 test labels are not part of the copies in `../shared/data`.

# %%
balance = summary.class_balance(present)
balance = balance[balance["class"] != "no image label"]
if len(balance):
    report.table(balance, "class_balance", "Images per split and class in the copies present", cfg,
                 source="+".join(present), index=False)
    report.figure(plots.class_balance_plot(balance), "class_balance_plot",
                  "Class balance of the copies present (images per split and class)", cfg,
                  source="+".join(sorted(set(balance["dataset"]))))
else:
    print("note: no labelled dataset present; the synthetic twins' balance is shown at the end")

# %% [markdown]
# ## Sample images with their reference masks
#
# A few images per dataset, read through the resized-image cache, with the reference
# annotation drawn on top: optic disc (green) and cup (blue) outlines for REFUGE and
# Drishti-GS1 (Drishti's soft maps thresholded at the experts' majority), manual vessel
# maps (yellow) for DRIVE and CHASE_DB1 with DRIVE's field-of-view outline (white).
# Glaucoma datasets show labelled images, half of them glaucomatous.

# %%
GALLERIES = {
    "REFUGE": (["od_mask", "oc_mask"], "REFUGE Test400: optic disc (green) and cup (blue) masks"),
    "Drishti-GS1": (["od_mask", "oc_mask"], "Drishti-GS1 Training: disc and cup, majority of four experts"),
    "DRIVE": (["vessel_mask", "fov_mask"], "DRIVE: first observer's vessel map and the field of view"),
    "CHASE_DB1": (["vessel_mask"], "CHASE_DB1: first observer's vessel map"),
}
for name, (mask_columns, caption) in GALLERIES.items():
    if name not in present:
        print(f"note: {name} is absent, no samples shown ({opened[name].note})")
        continue
    fig = plots.sample_gallery(present[name], mask_columns, n=cfg.n_samples, height=cfg.thumb_height,
                               seed=cfg.seed, title=name)
    report.figure(fig, f"samples_{name}", caption, cfg, source=name)

# %% [markdown]
# ## RFMiD: 45 conditions, many of them rare
#
# RFMiD labels each training image with `Disease_Risk` and 45 conditions. The table
# below is read from the real label CSV when it is present (it is in `../shared/data`,
# without images); otherwise from the `synthetic-rfmid` twin, which draws its labels with
# the real training frequencies. The RFMiD-ensemble paper keeps 27 conditions and merges
# the 18 rarest into **OTHER** (28 categories); the bar colours show which are merged.

# %%
if "RFMiD" in present:
    rfmid, rfmid_source, rfmid_what = present["RFMiD"].query("split == 'train'"), "RFMiD", "RFMiD training labels"
    rfmid_expected = manifests["RFMiD"]["class_counts"]["train"]
else:
    print("note: RFMiD is absent; the statistics below are from the synthetic-rfmid twin (not the real labels)")
    rfmid = data.open_dataset("synthetic-rfmid", n=cfg.twin_n, size=cfg.twin_size, seed=cfg.seed)
    rfmid_source, rfmid_what, rfmid_expected = "synthetic-rfmid", "synthetic-rfmid twin labels", None
conditions = summary.label_columns(rfmid)            # the 45 conditions (Disease_Risk left out)
counts = summary.label_counts(rfmid, conditions + ["label_Disease_Risk"], expected=rfmid_expected)
report.table(counts, "rfmid_label_counts", f"Positives per label, {rfmid_what} ({len(rfmid)} images)", cfg,
             source=rfmid_source, index=False)
report.figure(plots.label_counts_plot(counts[counts["label"] != "Disease_Risk"], grouped=OTHER_18),
              "rfmid_label_counts_plot", f"Images per condition, {rfmid_what} (log scale)", cfg, source=rfmid_source);

# %% [markdown]
# In the real labels over half the images carry exactly one condition, nearly a quarter
# two or more, and the images with none are exactly those with `Disease_Risk = 0`.

# %%
per_image = summary.labels_per_image(rfmid, conditions)
report.table(per_image, "rfmid_labels_per_image", f"Images by number of positive conditions, {rfmid_what}", cfg,
             source=rfmid_source, index=False)
report.figure(plots.labels_per_image_plot(per_image), "rfmid_labels_per_image_plot",
              f"Positive conditions per image, {rfmid_what}", cfg, source=rfmid_source);

# %% [markdown]
# Which categories occur together, in the 28-category grouping (diagonal: images per
# category; blank: never together). In the real labels media haze (MH), tessellation
# (TSLN) and optic disc cupping (ODC) form the strongest triangle (about 50 images per
# pair), and diabetic retinopathy comes with laser scars (LS) in 41 images.

# %%
grouped = group_28(rfmid)
co = summary.cooccurrence(grouped, list(GROUP_28))
report.table(co, "rfmid_cooccurrence", f"Co-occurrence of the 28 categories, {rfmid_what}", cfg,
             source=rfmid_source)
report.figure(plots.cooccurrence_heatmap(co), "rfmid_cooccurrence_plot",
              f"Co-occurrence of the 28 categories (log colour scale), {rfmid_what}", cfg, source=rfmid_source)
grouping = summary.grouping_28_table(rfmid)
report.table(grouping, "rfmid_grouping_28", f"The 28 categories of the RFMiD-ensemble paper, {rfmid_what}", cfg,
             source=rfmid_source, index=False);

# %% tags=["remove-cell"]
if "RFMiD" in present:
    assert len(rfmid) == 1920 and len(conditions) == 45
    assert counts["matches"].all()  # every positive count equals the manifest's
    assert counts.set_index("label").loc[["Disease_Risk", "DR", "MH", "ODC"], "positives"].tolist() == [1519, 376, 317, 282]
    assert counts.set_index("label").loc[["ODPM", "HR"], "positives"].eq(0).all()
    assert ((rfmid[conditions].sum(axis=1) > 0) == (rfmid["label_Disease_Risk"] == 1)).all()
    assert grouping.set_index("category").loc["OTHER", "positives"] == 34  # the paper's Table 1 "Others"
    assert per_image["images"].tolist() == [401, 1061, 373, 79, 5, 1]
    assert [co.loc["MH", "TSLN"], co.loc["MH", "ODC"], co.loc["TSLN", "ODC"], co.loc["DR", "LS"]] == [51, 50, 48, 41]
assert len(grouping) == 28

# %% [markdown]
# ## The synthetic twins: stand-ins when the real data is absent
#
# The `smoke` profile, CI and the book's default build run on **synthetic twins**: sets
# rendered by the procedural fundus simulator (chapter *The synthetic twin*) that come
# out of `open_dataset` in the same canonical table as the real importers, so a notebook
# switches between them by name only. `synthetic-refuge` mirrors REFUGE (10 % glaucoma
# driven by the vertical cup-to-disc ratio, OD/OC masks, fovea, three camera styles),
# `synthetic-vessels` mirrors DRIVE/FIVES (vessel and field-of-view masks) and
# `synthetic-rfmid` draws RFMiD's 45 conditions with their real training frequencies.
# Unlike the real copies here, every split is labelled and patients have two eyes.

# %%
TWINS = {"synthetic-refuge": ("REFUGE", cfg.twin_n), "synthetic-vessels": ("DRIVE, CHASE_DB1, FIVES", cfg.twin_n // 4),
         "synthetic-rfmid": ("RFMiD", cfg.twin_n)}
twins = {name: data.open_dataset(name, n=n, size=cfg.twin_size, seed=cfg.seed) for name, (_, n) in TWINS.items()}
twin_table = summary.describe(twins)
twin_table.insert(0, "stands in for", [TWINS[name][0] for name in twin_table.index])
twin_source = "+".join(data.twins.twin_key(name, n=n, size=cfg.twin_size, seed=cfg.seed) for name, (_, n) in TWINS.items())
report.table(twin_table, "twins", f"The synthetic twins at this profile ({cfg.twin_size} px)", cfg, source=twin_source)
twin_balance = summary.class_balance({k: v for k, v in twins.items() if k != "synthetic-vessels"})
report.figure(plots.class_balance_plot(twin_balance), "twins_class_balance_plot",
              "Class balance of the synthetic twins (every split labelled)", cfg, source=twin_source);

# %%
for name, mask_columns in (("synthetic-refuge", ["od_mask", "oc_mask"]), ("synthetic-vessels", ["vessel_mask", "fov_mask"])):
    fig = plots.sample_gallery(twins[name], mask_columns, n=cfg.n_samples, height=cfg.thumb_height,
                               seed=cfg.seed, title=name)
    report.figure(fig, f"samples_{name}", f"{name}: rendered images with their exact masks", cfg, source=name)

# %% tags=["remove-cell"]
refuge_columns = {"glaucoma", "od_mask", "oc_mask", "mask_encoding", "fovea_x", "fovea_y"}
assert refuge_columns <= set(twins["synthetic-refuge"].columns)  # same task columns as the REFUGE importer
assert set(summary.label_columns(twins["synthetic-rfmid"])) == {f"label_{c}" for c in CONDITIONS}  # RFMiD's 45 conditions
for table in twins.values():
    data.validate(table)

# %% [markdown]
# ## Summary
#
# - Every registered dataset, its licence, splits and annotations come from its manifest in
#   `data_manifests/`; the copies under the data root were opened by their importers and
#   counted, so a missing or partial copy shows in the tables above rather than being skipped.
# - RFMiD's conditions are grouped as the multi-disease paper groups them.
# - The synthetic twins write the same sample table as the importers, which is what lets
#   every chapter switch between twin and real data by name.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [Next: Multi-task glaucoma analysis with independent optimisers (MTL-IO) →](../../book/papers/mtl_glaucoma.md)
