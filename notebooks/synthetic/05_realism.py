# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How real does the twin look? Simulator v2 against real photographs
#
# Rendered beside real photographs at the same size, the simulator every chapter stands on
# (v1) is plainly not a fundus photograph: its vessels radiate from the disc like a star,
# its colours are saturated orange-red or near-black, its discs are dim. Simulator v2
# (`sample_scene(..., simulator="v2")`) changes four things, each from a published model
# or from measured numbers:
#
# * **vessels from anatomy**: the four main trunks leave the disc as superior and inferior
#   arcades arching around the macula and as nasal trunks, and space colonisation (Runions
#   et al. 2005) grows the rest of each arterial and venous tree towards unvascularised
#   retina, outside the foveal avascular zone; calibres follow Murray's law through the pipe
#   model, and vessels darken with calibre and carry a central light reflex
#   (`fundus_utils.data.simulator.vasculature`, `.realistic`);
# * **colours of real cameras**: the mean and covariance of the colours inside the field of
#   view, the vignetting and the noise of REFUGE, Drishti-GS1, DRIVE and CHASE_DB1 were fitted
#   to the copies of those sets (`fundus_utils.synthetic.colour_fit`; the numbers, not the
#   images, are recorded in `simulator.fitted`), and each v2 picture is mapped onto a draw from
#   its device's fitted distribution (per-channel gains and offsets: no channel mixing);
# * **disc and macula**: a crisp, textured disc with a pallid cup, a darker macula with a foveal
#   pit and its reflex, nerve-fibre striations around the disc;
# * **lesions at their scale**: blood absorbs light and deposits reflect more of it, each
#   with its own edge (`fundus_utils.data.simulator.lesion_looks`).
#
# The masks stay exact: they come from the same geometry as the pixels. This section
# measures whether v2 is closer to real photographs than v1, three ways: by eye, by the
# statistics of the pictures and their masks, and by a classifier asked to tell twin from real.
# The colours are fitted to the same four data sets they are compared with here, so the colour
# rows measure the fit, not a prediction; the vessel and disc statistics were not fitted.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "realism.n_twin": 40}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.synthetic import realism, two_sample

cfg = session.begin("synthetic", profile, overrides, source="simulator v1 / v2 vs REFUGE, Drishti-GS1, DRIVE, CHASE_DB1")
real = cfg.data_root is not None  # without real photographs only the lesion close-ups can be drawn
print("real test data:", cfg.data_root if real else "not found (../shared/data or $FUNDUS_DATA): comparisons skipped")

# %% [markdown]
# ## Side by side
#
# Each row is one real data set: three of its photographs, three v2 eyes in the colours
# fitted to that set, and three v1 eyes (random styles), all letterboxed to the same size.

# %%
if real:
    report.figure(realism.gallery(cfg.data_root, cfg.gallery_size, cfg.seed), "realism_gallery",
                  "Real photographs (left), simulator v2 in each set's fitted colours (middle), simulator v1 (right).",
                  cfg)

# %% [markdown]
# ### Lesions at their scale
#
# v2 keeps each lesion family's placement and shape (so the masks are drawn as before) and
# changes how it is painted (`fundus_utils.data.simulator.lesion_looks`): blood absorbs, so
# haemorrhages and microaneurysms are a darker red of the fundus beneath them, blots with soft,
# irregular edges and flame haemorrhages feathered along the nerve fibres; hard exudates are waxy
# yellow with sharp edges; drusen dull yellow and soft; cotton-wool spots white and fluffy. The
# bottom row outlines the exact mask of each v2 lesion.

# %%
report.figure(realism.lesion_figure(cfg.seed), "realism_lesions",
              "Lesion close-ups at 512 px, Canon style (v2: the colours fitted to REFUGE): simulator v1 (top), v2 (middle), v2 with "
              "its lesion mask outlined (bottom).", cfg)

# %% [markdown]
# ## Statistics against the real sets
#
# The same measurements on real and twin pictures, on a common 512 px grid, lengths in
# thousandths of the field-of-view diameter (`fundus_utils.synthetic.photo_stats`): the share
# of the field of view covered by vessels, vessel calibres along the centrelines, branch points
# per picture, the tortuosity of the segments between branch points, the orientation of vessel
# pixels against the horizontal (disc-fovea) axis, the colours, and the disc's brightness over
# its surroundings. Each distance compares one twin group with one real set (Wasserstein
# distances between the per-picture or pooled values; a Fréchet distance for the per-picture
# mean colours): smaller is closer. Twin groups: v1 (random styles), v2 (random styles drawn
# from all four fitted devices) and v2 in the style fitted to that real set.

# %%
if real:
    distances, medians, measured = realism.study(cfg.data_root, cfg.realism.n_twin, cfg.realism.size, cfg.seed,
                                                 cfg.realism.limit)
    report.table(distances, "realism_distances", f"Distance of each twin group ({cfg.realism.n_twin} pictures) from "
                 "each real set; smaller is closer.", cfg)
    report.table(medians.round(3), "realism_medians", "Medians of each statistic, real sets and twin groups.", cfg)
    report.figure(realism.distribution_figure(measured), "realism_vessel_distributions",
                  "Vessel calibres (left) and directions (right) of the real vessel sets (black) and the twin groups.",
                  cfg)
    closer = distances["v2 closer than v1"]
report.glue("realism_v2_closer", f"{int(closer.sum())} of {len(closer)}" if real else "none (no real data here)",
            display=False)

# %% [markdown]
# v2 (random styles) is closer than v1 on {glue:text}`realism_v2_closer` (real set,
# statistic) pairs; the table says which. The statistics v2 does not bring closer are the
# ones its growth model does not yet control (see the chapter page).
#
# ## Can a network tell twin from real?
#
# A classifier two-sample test: a small CNN learns to tell twin pictures from real ones
# (split by patient), and its AUC on held-out pictures says how distinguishable they are,
# 0.5 meaning not at all. Three twins: v1 and v2 in random styles (what the twins train
# on), and v2 in the colours fitted to each real set (v1 has no fitted styles). It is
# reported as it comes out: a CNN finds any systematic difference, and a twin can be useful
# long before it is indistinguishable. A held-out AUC near 0.5 means something only if the
# CNN did learn its training pictures (the training AUC column): with 6 epochs instead of
# the smoke profile's 15 it did not, and v2 looked indistinguishable (0.46-0.56) when it is not.

# %%
if real:
    report.table(two_sample.table(cfg), "realism_two_sample", f"Twin vs real classifier at {cfg.two_sample.size} px: "
                 "held-out AUC with DeLong's 95 % CI (0.5 = indistinguishable), and its AUC on its own training "
                 "pictures.", cfg)

# %% [markdown]
# ## Summary
#
# - Simulator v2 pictures beside real photographs and v1, v2's lesion close-ups, the distances
#   of their statistics from four real sets against v1's, and how well a CNN tells each
#   simulator's pictures from real ones.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [Next: Public datasets →](../datasets/01_public_datasets.ipynb)
