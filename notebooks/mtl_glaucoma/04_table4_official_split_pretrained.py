# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The official split, several seeds: Table 4 (transfer learning)
#
# Table 3 again - STL and MTL-IO trained on the official training split, scored on the
# official test split, once per seed - but every encoder starts from pretrained weights:
# ImageNet's `vgg13_bn` in the `full` profile, elsewhere the clearly labelled stand-in of
# Table 2 (encoders pretrained to classify synthetic striped textures; nothing is
# downloaded outside `full`).

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.mtl_glaucoma import cv, pretrain, tables

cfg = mtl.begin(profile, overrides)

samples, bank, tasks = mtl.open_data(cfg, "official")

# %% [markdown]
# ## Table 4: with the pretrained encoder

# %%
init_name, init_fn = pretrain.encoder_init(cfg, "mtl_unet")
transfer_runs = cv.official_split(samples, ["stl", "mtl_io"], cfg, tasks, bank, seeds=cfg.seeds,
                                 init=init_name, init_fn=init_fn)
tables.report_official_split(cv.results_frame(transfer_runs), "table4", cfg, f"encoder initialised by {init_name}")

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
bars = mtl_bars.check(transfer_runs, samples, bank, cfg, "mtl_t4_bars",
                      "Table 4 bars: gain over the same run's image-blind baseline on the same test images, "
                      "paired bootstrap 95 % CI; passed = lower end above 0.")

# %% [markdown]
# ## Summary
#
# - Table 3's protocol with the pretrained encoder: Table 4, with its bars against the same
#   image-blind baselines.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-task glaucoma analysis with independent optimisers (MTL-IO)](../../book/papers/mtl_glaucoma.md) · [Next: MTL-IO versus single-task learners: ROC and learning rates (Figs. 1-3) →](05_fig1_3_roc_and_learning_rates.ipynb)
