# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How realistic is the simulator? Sim-to-real segmentation
#
# A simulator is only useful as a stand-in if what a model learns from it carries
# over to real photographs. We measure that directly: segmentation networks are
# trained on **synthetic images only** and tested on real, expert-annotated images
# they have never seen, from datasets the simulator was never fitted to.
#
# * **Optic disc.** A U-Net trained on the domain-randomised REFUGE-like twin (a fresh
#   random device style per eye, macula-, disc- and posterior-pole-centred framings, a
#   third of the eyes with random lesions as distractors) is scored on REFUGE Test400
#   (Canon CR-2, 400 eyes) and on Drishti-GS1 (101 disc-centred eyes, another camera).
# * **Vessels.** A U-Net trained on random patches of the vessel twin is applied to
#   whole images of the DRIVE test set (20 eyes, first observer) and CHASE_DB1
#   (28 children's eyes, first observer).
#
# Real images are padded to a square, resized, standardised per colour channel inside
# the field of view (the same preprocessing as the synthetic ones), segmented, and the
# probabilities mapped back onto each image's original pixel grid (a profile may set
# `s2r.score_size` to score on a coarser grid instead; every profile here scores at the
# original resolution), where Dice is computed against the datasets' own masks (vessels:
# inside the field of view, as is customary), with the probability threshold fixed at
# 0.5 (never tuned on the real images).
#
# **Bars.** A Dice means little on its own: a disc-shaped blob at the right place scores
# well without looking at the image. So every real image is also scored by image-blind
# baselines built from the same twin the network was trained on, and the network must
# beat the stronger of them on the same images (lower end of the paired bootstrap 95 %
# CI of the Dice gain above zero):
#
# * optic disc: the **shape prior**, the mean disc of the twin's training masks (each
#   re-centred on its centroid, averaged, thresholded at 0.5), placed at the image centre
#   (near zero on macula-centred pictures), and the **prevalence map**, the twin's
#   per-pixel disc frequency thresholded where it scores best on the twin: the disc where
#   the twin's discs usually lie;
# * vessels: **all FOV** (every field-of-view pixel called vessel) and the **prevalence
#   map** (the same construction for vessels). Vessels are thin and their course differs
#   from eye to eye, so that map is blurred.
#
# On each test set the stronger baseline is the bar.
#
# The targets, Dice ≥ 0.80 for the optic disc on REFUGE Test400 and ≥ 0.60 for vessels
# on DRIVE, are reported beside the results, not asserted. Only the real datasets that
# are present are scored; the others are listed as skipped, with the reason (with no data
# root at all, nothing is trained). The `smoke` profile trains small networks briefly;
# the `real` profile trains them longer on more synthetic images.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "s2r.od_epochs": 2}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.synthetic import sim2real

cfg = session.begin("synthetic", profile, overrides, source="simulator → REFUGE, Drishti-GS1, DRIVE, CHASE_DB1")
print("real test data:", cfg.data_root if sim2real.real_data_available(cfg) else "not found: nothing is scored")

# %% [markdown]
# ## Optic disc: synthetic → REFUGE Test400 and Drishti-GS1

# %%
od = sim2real.run("od", cfg)
if od.scored:
    report.table(sim2real.summarise(od), "s2r_od", "Optic-disc Dice of a U-Net trained on synthetic images only "
                 "(mean over images, 95 % bootstrap CI), beside the image-blind baselines.", cfg,
                 source=od.facts["twin"])

# %% [markdown]
# ## Vessels: synthetic → DRIVE test and CHASE_DB1

# %%
vessels = sim2real.run("vessels", cfg)
if vessels.scored:
    report.table(sim2real.summarise(vessels), "s2r_vessels", "Vessel Dice (inside the field of view) of a U-Net "
                 "trained on synthetic images only (mean over images, 95 % bootstrap CI), beside the image-blind "
                 "baselines.", cfg, source=vessels.facts["twin"])

# %% [markdown]
# ## What was scored
#
# Each real test set is scored when its folder is under the data root and skipped
# otherwise; a task with none of its test sets present is not trained.

# %%
report.table(sim2real.coverage_table([od, vessels]), "s2r_datasets",
             "Real test sets scored and skipped (and why).", cfg)

# %% [markdown]
# ## Bars: does the network read the image?
#
# Per scored test set, the network's Dice against its strongest image-blind baseline on
# the same images: `gain` is the mean paired difference, `lo`/`hi` its bootstrap 95 % CI.
# Which are asserted is `cfg.s2r.asserted_sets` (column `asserted`): in `smoke` the target
# sets, REFUGE Test400 and DRIVE; the further transfers (Drishti-GS1, CHASE_DB1) are
# reported, since the small smoke networks do not clear their baselines on every seed (the
# twin itself is drawn from the seed too).

# %%
bars = sim2real.bars([od, vessels])
report.bars(bars, "s2r_bars", "Dice of the twin-trained U-Nets vs image-blind baselines built from the same twin, "
            "on the same real images (paired bootstrap 95 % CI of the gain); asserted where the column says so.", cfg,
            asserted=sim2real.asserted(bars, cfg.s2r.asserted_sets))

# %% [markdown]
# ## Per-image scores
#
# The distributions show whether a mean hides failures: a few images where the disc
# is missed entirely, or a whole dataset shifted down.

# %%
if od.scored or vessels.scored:
    report.figure(sim2real.score_figure([od, vessels]), "s2r_dice_distribution",
                  "Per-image Dice of the synthetic-only models on each real test set.", cfg)

# %% [markdown]
# What the networks were trained on: a few images of each twin with their masks.

# %%
report.figure(sim2real.training_examples(cfg), "s2r_training_examples",
              "Domain-randomised training images (top: OD twin with disc outlined; bottom: vessel twin).", cfg)

# %% [markdown]
# ## Summary
#
# - Networks trained on synthetic images only were scored on the real images present (disc on
#   REFUGE and Drishti-GS1, vessels on DRIVE and CHASE_DB1); what was scored and what was
#   absent is listed, and the bars check that the networks read the image.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [Next: Public datasets →](../datasets/01_public_datasets.ipynb)
