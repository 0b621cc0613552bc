# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The synthetic fundus simulator
#
# Real fundus datasets cannot ship with this book, so every chapter runs by default on
# *synthetic twins*: procedurally drawn fundus photographs whose ground truth is known
# exactly. This chapter is a tour of the simulator in `fundus_utils.data.simulator`:
# what it draws, how the device styles emulate a multi-centre study, how the glaucoma
# label relates to the cup-to-disc ratio, which lesion families it knows, and how each
# twin maps onto a real dataset. The next section measures how realistic it is.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "n_scenes": 100}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import evaluation, report, session
from fundus_utils.data import twins
from fundus_utils.data.simulator import tour

cfg = session.begin("synthetic", profile, overrides, source="simulator")

# %% [markdown]
# ## One eye, many cameras
#
# A *scene* (`sample_scene(seed)`) describes an eye independently of pixels: optic disc
# and cup ellipses with an exact vertical cup-to-disc ratio (vCDR), the fovea about 2.5
# disc diameters temporal to the disc and slightly below it, a vessel tree rooted at the
# disc (superior and inferior arcades, branching and tapering, arteries lighter and
# thinner than veins), choroidal texture, and lesions. `render(scene, size)` draws it at
# any size, then applies a *device style*: field-of-view size, colour balance, gamma,
# contrast, blur, sensor noise, JPEG quality and rim glare. Left and right eyes are
# mirror images. Each row below is one style; the last row draws a fresh random style
# per image, which is how the twins are domain-randomised.

# %%
report.figure(tour.style_gallery(cfg.gallery_size), "sim_style_gallery",
              "Synthetic eyes per device style (rows: canon, zeiss, topcon, random).", cfg)

# %% [markdown]
# ## Ground truth
#
# Every picture comes with its optic disc (OD) and cup (OC) masks, vessel mask, lesion
# masks, field of view and fovea position, all derived from the same geometry.

# %%
report.figure(tour.ground_truth_figure(cfg.gallery_size), "sim_ground_truth",
              "Ground truth per eye: image, OD (green) / OC (blue) outlines and fovea, vessels, lesions.", cfg)

# %% [markdown]
# ## Glaucoma and the cup-to-disc ratio
#
# The glaucoma label drives the vCDR (and a thinner vertical rim: glaucomatous cups are
# vertically elongated). The two distributions overlap, as in screening populations,
# so vCDR alone separates the classes well but not perfectly. The vCDR measured from
# the rendered masks (cup height / disc height) agrees with the scene's value, which
# is what lets the twin verify the segmentation-based glaucoma methods.

# %%
vcdr = tour.vcdr_statistics(cfg.n_scenes, cfg.stat_size, prevalence=0.5, seed=cfg.seed)
vcdr_summary = tour.vcdr_summary(vcdr)
report.table(vcdr_summary, "sim_vcdr_by_label",
             f"vCDR by glaucoma label over {cfg.n_scenes} random eyes (balanced), measured at {cfg.stat_size} px.", cfg)
report.figure(tour.vcdr_figure(vcdr), "sim_vcdr_distribution",
              "Left: vCDR by label. Right: vCDR measured from the rendered masks against the scene's value.", cfg)

# %% [markdown]
# Three bars check this on the same eyes, each with a bootstrap 95 % CI that must lie
# above zero. The label drives vCDR: its AUC beats chance. The classes overlap, by
# design of the simulator (a twin where vCDR alone gave every label away would make the
# glaucoma methods look better than they are): the label itself, a perfect separator,
# beats vCDR. And the vCDR measured from the rendered masks tracks each eye's own value:
# its error is smaller than that of the image-blind guess, the population mean vCDR.

# %%
y, scene_vcdr = vcdr["glaucoma"].to_numpy(), vcdr["vcdr"].to_numpy()
bars = [evaluation.paired_auc("glaucoma AUC: scene vCDR vs chance", y, scene_vcdr),
        evaluation.paired_auc("design check, classes overlap: the label itself vs scene vCDR", y, y.astype(float),
                              baseline=scene_vcdr),
        evaluation.paired_mean("vCDR from the masks: |error| vs the population mean's",
                               (vcdr["vcdr_measured"] - scene_vcdr).abs(), abs(scene_vcdr.mean() - scene_vcdr),
                               higher_is_better=False)]
report.bars(bars, "sim_vcdr_bars", "vCDR bars on the same eyes (AUC bars: stratified "
            "bootstrap; error bar: paired bootstrap; 95 % CI of the gain).", cfg)

# %% [markdown]
# ## Lesion families
#
# Findings come in two kinds: *lesion families*, drawn as spots with their own masks
# (microaneurysms, haemorrhages, exudates, drusen, flame haemorrhages, peripapillary
# atrophy, macular hole, ...), and *diffuse* findings that change the whole eye
# (tessellation, media haze, tortuous vessels, disc pallor and oedema, cupping). Each
# RFMiD condition is drawn through one or more of them; the mapping is our reading, a
# coarse visual proxy rather than a clinical model.

# %%
report.table(tour.findings_table(), "sim_findings", "What the simulator draws, and which RFMiD conditions use it.", cfg)
report.figure(tour.findings_gallery(cfg.gallery_size // 2), "sim_findings_gallery",
              "Every finding on the same eye (lesion masks outlined in white).", cfg)

# %% [markdown]
# The multi-label twin (`synthetic-rfmid`) draws conditions with the class frequencies
# of the real RFMiD training labels (counts recorded in `simulator.rfmid`), including the
# share of healthy images and the number of labels per diseased image.

# %%
frequencies = tour.rfmid_frequencies(5000, seed=cfg.seed)
report.table(frequencies, "sim_rfmid_frequencies",
             "Condition frequencies: RFMiD training labels vs 5000 twin label rows.", cfg)

# %% tags=["remove-cell"]
assert (frequencies.iloc[:, 1] - frequencies.iloc[:, 2]).abs().max() < 0.02

# %% [markdown]
# ## Twins and the real datasets they stand in for
#
# A twin writes the same canonical sample table as the importer of the real dataset,
# so a notebook switches between them by name (`data.open_dataset("synthetic-refuge")`
# or `data.open_dataset("REFUGE")`). Generated sets are cached on disk, keyed by their
# parameters.

# %%
report.table(twins.TWIN_MAP, "sim_twin_map", "Synthetic twins and the real datasets they stand in for.", cfg)

# %% [markdown]
# ## Summary
#
# - One simulated eye under several camera styles, its ground truth (masks, fovea, vCDR), the
#   glaucoma signal in the cup-to-disc ratio, the lesion families, and the twins that stand in
#   for each real dataset.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [Next: How realistic is the simulator? Sim-to-real for the optic disc →](02_sim_to_real.ipynb)
