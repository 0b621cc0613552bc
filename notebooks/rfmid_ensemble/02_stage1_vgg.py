# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Stage 1: a VGG on the whole pictures
#
# The paper's augmentation module works in two steps. A VGG is first trained on the whole
# pictures; its class activation maps then choose the crops that join the training set
# (next notebook). This notebook trains that stage-1 network on one bagging fold - the
# pool's other folds train it, this fold's pictures select its checkpoint - and scores it on
# the test split against a score that ignores the picture. The network is cached, so the
# crop notebook reuses it.
#
# In `smoke` this is the `synthetic-rfmid` twin with narrow trunks trained from scratch for a
# few CPU epochs (`fundus_utils/rfmid_ensemble/settings.py`): the numbers show what the code
# does, not the paper's.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "finetune.epochs": 10}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.rfmid_ensemble import data, stage1

cfg = session.begin("rfmid_ensemble", profile, overrides, threads="threads", source=data.source)
table, arrays, rows = stage1.open_fold(cfg, fold=0)
print({part: len(r) for part, r in rows.items()}, f"pictures of {cfg.image_size} px; lesion masks: {arrays.lesion is not None}")

# %% [markdown]
# ## The stage-1 network
#
# The VGG (`cfg.vgg`) trains on the pool's other folds and keeps the state of its lowest
# loss on this fold's pictures; the test split scores it. A category with fewer than
# `min_positives` test positives is listed as *too few* and scored nowhere.

# %%
fitted = stage1.trained(table, arrays, cfg, fold=0, seed=cfg.seed)
test = arrays.subset(rows["test"])
p_test = stage1.scores(fitted, test, cfg)
bars = stage1.stage1_bars(test.y, p_test, cfg.min_positives, "stage-1 VGG")
report.table(stage1.auc_table(test.y, bars, cfg.min_positives), "rfmid_stage1_auc",
             f"Stage 1 ({cfg.vgg}): test AUC per category with a stratified bootstrap 95 % CI; "
             "categories with too few test positives are not scored.", cfg)

# %% [markdown]
# ## Bars: better than a prevalence-only score?
#
# A score that ignores the picture (each category's training prevalence, the same for every
# picture) ranks at chance: AUC 0.5. Each scorable category and their mean are compared with
# it on the same test pictures (stratified paired bootstrap 95 % CI of the gain; for the
# mean, pictures resampled jointly across categories). The bars of the common categories (at
# least `common_positives` test positives) and of the mean are asserted, but for those the
# profile's `reported_bars` names (the settings say why); the rarer categories' are shown:
# a few positives give an interval too wide to decide.

# %%
report.bars(bars, "rfmid_stage1_bars", "Stage-1 bars: AUC gain over a prevalence-only score on the same test "
            "pictures, paired bootstrap 95 % CI (lo, hi); passed = lower end above 0.", cfg,
            asserted=stage1.asserted(bars, test.y, cfg.min_positives, cfg.common_positives, cfg.reported_bars))

# %% [markdown]
# ## Summary
#
# - The stage-1 VGG was trained on one bagging fold and scored per category on the test
#   split, where enough test positives allow it; the others are listed as too few.
# - The bars table says which categories it ranks better than a score that ignores the
#   picture, and whether their mean AUC does; the crop notebook uses this network.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-disease RFMiD ensemble with Grad-CAM-guided augmentation](../../book/papers/rfmid_ensemble.md) · [Next: The attention crops (Fig. 2, Eqs. 4-5) →](03_cam_crops.ipynb)
