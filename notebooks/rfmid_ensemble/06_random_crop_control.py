# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Is it the CAM? The random-crop control (beyond the paper)
#
# The paper credits its gain to crops that the class activation maps place on lesions. Two
# other explanations fit the same gain: any extra crop at all (more, zoomed-in training
# pictures), or simply more training. This notebook trains the same ensemble on the originals
# plus crops of **the same sizes at random places** of the same pictures, with the same number
# of optimiser steps in `smoke` (`equal_steps`), and sets the three arms side by side; on the
# twin, whose lesions are known, it also counts how often each kind of crop holds lesion pixels.
#
# In `smoke` this is the `synthetic-rfmid` twin with narrow trunks trained from scratch for a
# few CPU epochs and two bagging folds (`fundus_utils/rfmid_ensemble/settings.py`): the
# numbers show what the code does, not the paper's.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "cam.theta": 96}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.rfmid_ensemble import data, stage1, stage2, table2

cfg = session.begin("rfmid_ensemble", profile, overrides, threads="threads", source=data.source)
table, arrays, rows = stage1.open_fold(cfg, fold=0)
test = arrays.subset(rows["test"])
ok = data.usable_labels(test.y, cfg.min_positives)
maps, predicted, pool = stage2.pool_attention(table, arrays, cfg, seed=cfg.seed)
crop_sets = {arm: stage2.crop_set(arm, table, maps, pool, cfg, seed=cfg.seed) for arm in ("cam_crops", "random_crops")}

# %% [markdown]
# ## Do the crops hold lesions?
#
# Per pool picture with a lesion and a crop: does its CAM crop, and does the random crop of
# the same size, contain any of the picture's lesion pixels - and what share of them?

# %%
report.table(stage2.crop_lesion_table(crop_sets, arrays), "rfmid_crops_on_lesions",
             "CAM crops vs random crops of the same sizes: share of crops holding lesion pixels, and mean share of "
             "the picture's lesion inside the crop, over pool pictures with a lesion.", cfg)

# %% [markdown]
# ## The three arms
#
# The originals-only and CAM-crop ensembles come from the result cache (notebooks 04-05); the
# random-crop ensemble trains here.

# %%
fitted = {arm: stage2.train_members(table, arrays, stage2.members(cfg, arm), cfg, crops=crop_sets.get(arm),
                                    seed=cfg.seed) for arm in stage2.ARMS}
scores = {arm: stage2.ensemble_scores(stage2.members(cfg, arm), f, stage2.member_scores(f, test.x, cfg), cfg)
          for arm, f in fitted.items()}
ensembles = {f"ensemble, {stage2.ARM_LABELS[arm]}": scores[arm]["ensemble"] for arm in stage2.ARMS}
report.table(table2.rows(ensembles, test.y, ok, seed=cfg.seed), "rfmid_table2_control",
             "Table 2 with the control row: the fused ensemble on originals only, + CAM crops, + random crops of "
             "the same sizes; micro-averaged metrics at 0.5, mean AUC and mAP with 95 % bootstrap CIs.", cfg)

# %% [markdown]
# ## Paired comparisons
#
# Mean AUC over the scorable categories, pictures resampled jointly: CAM crops against
# random crops (the question), and each crop arm against originals only. Reported, not
# asserted: whether the CAM matters is what is being asked.

# %%
e = {arm: scores[arm]["ensemble"][:, ok] for arm in stage2.ARMS}
y = test.y[:, ok]
bars = [table2.mean_auc_bar("mean AUC, + CAM crops vs + random crops", y, e["cam_crops"], e["random_crops"]),
        table2.mean_auc_bar("mean AUC, + CAM crops vs originals only", y, e["cam_crops"], e["originals"]),
        table2.mean_auc_bar("mean AUC, + random crops vs originals only", y, e["random_crops"], e["originals"]),
        stage1.stage1_bars(test.y, scores["random_crops"]["ensemble"], cfg.min_positives, "ensemble + random crops")[-1]]
report.bars(bars, "rfmid_control_bars", "The control: paired bootstrap 95 % CI of the mean-AUC difference between "
            "arms (reported), and the random-crop ensemble against a prevalence-only score (asserted).", cfg,
            asserted=[False, False, False, True])

# %% [markdown]
# ## Summary
#
# - Crops of the same sizes at random places give the control the paper lacks: the table
#   and the paired intervals say whether the CAM crops beat them, and whether either beats
#   the originals alone, at the same number of optimiser steps.
# - On the twin, the crop table says how much more often a CAM crop than a random one holds
#   the picture's lesion.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-disease RFMiD ensemble with Grad-CAM-guided augmentation](../../book/papers/rfmid_ensemble.md) · [Next: Which CAM points at the lesions? (beyond the paper) →](07_cam_methods.ipynb)
