# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The official split, several seeds: Table 3 (from scratch)
#
# "To foster reproducibility", the paper also trains STL and MTL-IO on the official
# REFUGE training split and tests on the official test split - no cross-validation -
# three times each to account for the weight initialisation, without (Table 3) and with
# (Table 4, next section) transfer learning. Their numbers drop compared to
# cross-validation because the training and test images come from different cameras;
# MTL-IO stays best on AUC.
#
# The synthetic twin has the same structure: its training, validation and test patients
# are disjoint, and its eyes come from three simulated cameras.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.mtl_glaucoma import cv, tables

cfg = mtl.begin(profile, overrides)

samples, bank, tasks = mtl.open_data(cfg, "official")
report.table(samples.groupby(["split", "device"]).size().unstack(fill_value=0), "mtl_official_split_devices",
             "Images per official split and camera.", cfg)

# %% [markdown]
# ## Table 3: from scratch

# %%
scratch_runs = cv.official_split(samples, ["stl", "mtl_io"], cfg, tasks, bank, seeds=cfg.seeds)
tables.report_official_split(cv.results_frame(scratch_runs), "table3", cfg, "from scratch")

# %% [markdown]
# ## Bars: STL and MTL-IO against image-blind baselines of this run
#
# On the same test images: the mean training disc and cup shapes at their mean training
# position (Dice), the mean training fovea position (error; a missed fovea counts at the
# picture's diagonal) and chance (glaucoma AUC); the seeds' per-image values are averaged,
# so each test image counts once; the lower end of the paired bootstrap 95 % CI of the gain
# must be above zero. In `smoke` the STL glaucoma bar is on its combined score (FC + vCDR):
# its glaucoma-only network stays near chance there (its AUC is the table's).

# %%
bars = mtl_bars.check(scratch_runs, samples, bank, cfg, "mtl_t3_bars",
                      "Table 3 bars: gain over the same run's image-blind baseline on the same test images, "
                      "paired bootstrap 95 % CI; passed = lower end above 0.")

# %% [markdown]
# ## Summary
#
# - STL and MTL-IO trained on the official training split with several seeds, scored on the
#   test split: Table 3 as mean ± SD over seeds, each run checked against image-blind baselines.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-task glaucoma analysis with independent optimisers (MTL-IO)](../../book/papers/mtl_glaucoma.md) · [Next: The official split, several seeds: Table 4 (transfer learning) →](04_table4_official_split_pretrained.ipynb)
