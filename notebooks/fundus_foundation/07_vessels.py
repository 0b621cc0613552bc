# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Vessel segmentation: a U-Net on each trunk, Dice vs training-data volume
#
# The paper extends its models to vessel segmentation "using a U-Net based architecture and the
# Dice coefficient as the loss function", and finds the ImageNet model "robust and consistent
# ... across various data volumes", the fundus-pretrained models "less successful at structural
# tasks like vessel segmentation" (Results, Discussion). It names no data set, volumes or
# schedule.
#
# **What runs here** (`fundus_utils/fundus_foundation/vessels.py`). Each initialisation's trunk
# becomes the contracting path of a U-Net (`fundus_utils/models/encoder_unet.py`: timm's
# `features_only` stages, the house U-Net's decoder blocks), and the whole network trains with
# the soft Dice loss on random patches of nested, seeded subsets of the training pictures
# (`cfg.vessels.fractions`), every volume for the same number of optimisation steps, so a smaller
# volume means fewer distinct pictures, not less training. After training, the BatchNorm
# statistics are recomputed on whole training pictures (a few dozen steps on patches leave them
# far from whole-picture statistics). Dice is scored inside the field of view at threshold 0.5.
# In `smoke` the pictures are the `synthetic-vessels` twin of the upstream clinic's cameras, at
# 96 px, and each U-Net trains for a few dozen steps: a CPU-sized reading of the experiment.
#
# **Bars.** Each U-Net's mean Dice against the stronger of two image-blind maps built from the
# full training set's masks (every field-of-view pixel called vessel; the per-pixel vessel
# frequency, thresholded where it scores best on those masks), on the same test pictures
# (paired bootstrap 95 % CI), asserted from `cfg.vessels.asserted_from` of the training data up.
# Which initialisation is best, the paper's claim, is reported, not asserted.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "vessels.steps": 80}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.fundus_foundation import upstream, vessels

cfg = session.begin("fundus_foundation", profile, overrides, source=upstream.source)
spec = cfg.vessels
print(f"{spec.size} px pictures, {spec.steps} steps of {spec.bs} x {spec.per_image} patches of {spec.patch} px, "
      f"lr {spec.lr}, training fractions {spec.fractions}")

# %% [markdown]
# ## Dice vs training-data volume

# %%
scores, coverage = vessels.vessel_study(cfg)
report.table(coverage, "ff_vessel_sets", "The vessel study's test sets.", cfg)
report.table(vessels.dice_table(scores), "ff_vessels", "Vessel segmentation: mean Dice inside the field of view "
             "[95 % bootstrap CI over test pictures] of each initialisation's U-Net per share of the training "
             "pictures; the image-blind baselines from the full training set's masks.", cfg, source=upstream.source)
report.figure(vessels.volume_figure(scores, cfg), "ff_vessels_volume", "Vessel Dice (95 % bootstrap CI) vs the "
              "number of training pictures per initialisation; dashed: the stronger image-blind baseline.", cfg,
              source=upstream.source)

# %% [markdown]
# ## The paper's claim: the ImageNet model best at every volume

# %%
claim = vessels.claim(scores)
report.table(claim, "ff_vessels_claim", "The initialisation with the highest mean Dice per test set and training "
             "share, against the paper's claim (ImageNet best).", cfg)
report.glue("ff_vessels_claim_held", f"{int(claim['ImageNet best'].sum())} of {len(claim)}", display=False)

# %% [markdown]
# The ImageNet (stand-in) U-Net had the highest mean Dice at {glue:text}`ff_vessels_claim_held`
# training volumes. The stand-in learnt oriented synthetic textures, not ImageNet's photographs,
# so this tests the paper's structural argument only loosely.
#
# ## Bars

# %%
bars, asserted = vessels.vessel_bars(scores, cfg)
report.bars(bars, "ff_vessels_bars", "Vessels: each U-Net's mean Dice vs the stronger image-blind baseline on the same "
            "test pictures (paired bootstrap 95 % CI of the gain); asserted where the column says.", cfg,
            asserted=asserted)

# %% [markdown]
# ## Summary
#
# - A U-Net on each of the four trunks was trained with the Dice loss on three volumes of the
#   training pictures; the table and figure give Dice per volume, the bars whether each U-Net
#   reads the picture beyond what the masks' layout alone gives.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Disease-specific foundation models for fundus images](../../book/papers/fundus_foundation.md) · [Next: Beyond the paper: does pretraining on the twin help on real photographs? →](08_real_glaucoma.ipynb)
